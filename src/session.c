/* Running one command line: words, `| pipeline` and `> file`, then the command. */
#define _GNU_SOURCE
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "plumbing.h"
#include "util/interrupt.h"
#include "util/json.h"

/* One error: the line on stderr, and in JSON mode its document, with the error's kind and address
 * when the error carries them. */
static void report_error(struct session *s, const char *cmd, const char *msg, const ks_err *e)
{
    if (ks_reader_gone())
        return; /* the pipeline's reader quit: the command stops, and how it stopped is no news */
    if (s->out)
        fflush(s->out); /* the error comes after what the command printed, also in a file */
    fprintf(s->err ? s->err : stderr, "%s: %s\n", cmd, msg);
    if (s->json && s->out) {
        struct json j;
        json_init(&j);
        json_obj_begin(&j, NULL);
        json_str(&j, "command", cmd);
        json_str(&j, "error", msg);
        if (e)
            json_err_fields(&j, e);
        json_obj_end(&j);
        fprintf(s->out, "%s\n", j.sb.buf);
        json_free(&j);
    }
}

void session_error(struct session *s, const char *cmd, const char *msg)
{
    report_error(s, cmd, msg, NULL);
}

void session_error_err(struct session *s, const char *cmd, const ks_err *e)
{
    report_error(s, cmd, e->msg, e);
}

#define MAX_WORDS 64

/* Split into words, honouring '..' and ".." quotes. Returns the count, or -1 if too many. */
static int split_words(char *line, char **argv)
{
    int argc = 0;
    char *p = line, *w = line;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (argc == MAX_WORDS - 1)
            return -1;
        argv[argc++] = w;
        char quote = 0;
        while (*p && (quote || !isspace((unsigned char)*p))) {
            if (!quote && (*p == '"' || *p == '\''))
                quote = *p++;
            else if (quote && *p == quote) {
                quote = 0;
                p++;
            } else
                *w++ = *p++;
        }
        if (*p)
            p++;
        *w++ = 0;
    }
    argv[argc] = NULL;
    return argc;
}

/* An output failure: one line on stderr; the command's own document (JSON mode) stays the only one. */
static int output_fail(struct session *s, const char *cmd, const char *msg)
{
    fflush(s->out);
    fprintf(s->err ? s->err : stderr, "%s: %s\n", cmd, msg);
    return 1;
}

/* The command's words, without the newline of a script line (nor the CR of a CRLF one). */
static char *line_text(const char *text)
{
    char *line = xstrdup(text);
    size_t n = strcspn(line, "\n");
    if (n && line[n - 1] == '\r')
        n--;
    line[n] = 0;
    return line;
}

/* Run the command with its output going where spec says; the output must arrive. */
static int run_plumbed(struct session *s, const struct command *c, int argc, char **argv, const char *spec)
{
    struct plumbing p = {0};
    ks_err err;
    FILE *saved = s->out;
    if (spec && plumbing_open(s, spec, &p, &err))
        return cmd_fail(s, argv[0], "%s", err.msg);
    if (spec)
        s->out = p.f;
    int rc = c->run(s, argc, argv);
    /* A command that took Ctrl-C's failed reads for missing data still stopped short: say so. */
    if (!rc && ks_interrupted())
        rc = cmd_fail(s, argv[0], "interrupted");
    s->out = saved;
    int out_rc = spec ? plumbing_close(s, &p, &err) : plumbing_check(s->out, &err);
    if (spec && !out_rc)
        out_rc = plumbing_check(s->out, &err);
    /* After Ctrl-C the command has said "interrupted"; a pipeline killed by it says nothing more. */
    if (out_rc && !(rc && ks_interrupted()))
        rc = output_fail(s, argv[0], err.msg);
    if (!ks_reader_gone())
        return rc;
    ks_interrupt_clear(); /* the reader had all it wanted: the command did what it was asked */
    return out_rc;
}

int session_run_line(struct session *s, const char *text)
{
    char *line = line_text(text), *argv[MAX_WORDS];
    char *plumb = plumbing_find(line), *spec = NULL;
    if (plumb) {
        spec = xstrdup(plumb);
        *plumb = 0;
    }
    int argc = split_words(line, argv), rc = 0;
    const struct command *c = argc > 0 && argv[0][0] != '#' ? command_find(argv[0]) : NULL;
    if (argc < 0)
        rc = cmd_fail(s, "ksleuth", "too many words in the command");
    else if (argc > 0 && argv[0][0] != '#' && !c)
        rc = cmd_fail(s, argv[0], "command not found (try help)");
    else if (c)
        rc = run_plumbed(s, c, argc, argv, spec);
    free(spec);
    free(line);
    return rc;
}
