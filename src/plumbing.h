/*
 * plumbing: where one command's output goes — the session's stream, a file (`> FILE`, `>> FILE`
 * appends, the name may be quoted), or a shell pipeline (`| CMD`) — and whether it all got there.
 * A write error, a file that cannot be written or a pipeline that exits non-zero fails the command.
 */
#ifndef KS_PLUMBING_H
#define KS_PLUMBING_H
#include <stdbool.h>
#include <stdio.h>

#include "session.h"

struct plumbing {
    FILE *f;       /* what the command writes to */
    FILE *capture; /* a pipeline's own output, when the session's output is not stdout (golden) */
    bool is_pipe;
    char *name; /* the file, or the pipeline's text: for errors */
};

/* The first '|' or '>' outside quotes and parentheses: where the command ends (NULL: none). Inside
 * parentheses they are operators: eval (a >> 22d) | head. */
char *plumbing_find(char *line);
/* Open what spec ("| CMD", "> FILE", ">> FILE") names. -1 with err set on a bad spec or an open
 * error; nothing is left open then. */
int plumbing_open(struct session *s, const char *spec, struct plumbing *p, ks_err *err);
/* Close it: -1 with err set if the output did not all arrive (a write error, a failed pipeline). */
int plumbing_close(struct session *s, struct plumbing *p, ks_err *err);
/* Flush a stream and report (then clear) its write error, so the next command starts clean. */
int plumbing_check(FILE *f, ks_err *err);

#endif
