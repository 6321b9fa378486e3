/*
 * session: everything one ksleuth run knows — the opened kernel, the output the current command
 * writes to (terminal, a pipe to a shell pipeline, or a file), output settings, and the task
 * context `set` chose. Commands receive it; nothing else holds state.
 */
#ifndef KS_SESSION_H
#define KS_SESSION_H
#include <stdbool.h>
#include <stdio.h>

#include "kernel/kernel.h"

struct session {
    struct kernel k;
    FILE *out; /* where the running command prints */
    FILE *err; /* where errors go: stderr, or the golden runner's capture */
    bool json; /* `--json` / `set json on` */
    bool batch;
    int radix;             /* 16 or 10: how `p` prints integers */
    uint64_t context_task; /* task_struct address chosen by `set` (0: none yet) */
    const char *vmlinux_path, *dump_path;
    bool quit;
};

/* Print a command's error: one line on stderr, and a JSON document in JSON mode. */
void session_error(struct session *s, const char *cmd, const char *msg);
/* The same for an error that keeps its kind: JSON gains "kind", "address" and "address_space". */
void session_error_err(struct session *s, const char *cmd, const ks_err *e);

/* Run one command line (with `| pipeline` or `> file` handled). Returns 0 on success. */
int session_run_line(struct session *s, const char *line);

#endif
