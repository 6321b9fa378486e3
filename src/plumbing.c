/* A command's output: files, pipelines, and checking that the output arrived (see plumbing.h). */
#define _GNU_SOURCE
#include "plumbing.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/interrupt.h"

char *plumbing_find(char *line)
{
    char quote = 0;
    int depth = 0;
    for (char *p = line; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            continue;
        }
        if (*p == '"' || *p == '\'')
            quote = *p;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && depth)
            depth--;
        else if (!depth && (*p == '|' || *p == '>') && !(*p == '>' && p > line && p[-1] == '-')) /* "->" is C's: p a->b */
            return p;
    }
    return NULL;
}

/* The file name after '>': one word, quotes as in commands. Returns what follows it. */
static const char *take_name(const char *p, strbuf *name)
{
    char quote = 0;
    while (isspace((unsigned char)*p))
        p++;
    for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
        if (!quote && (*p == '"' || *p == '\''))
            quote = *p;
        else if (quote && *p == quote)
            quote = 0;
        else
            sb_putc(name, *p);
    }
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

static int open_file(const char *spec, struct plumbing *p, ks_err *err)
{
    bool append = spec[1] == '>';
    strbuf name;
    sb_init(&name);
    const char *rest = take_name(spec + (append ? 2 : 1), &name);
    p->name = sb_steal(&name);
    if (!p->name[0])
        return ks_fail(err, "no file name after %s", append ? ">>" : ">");
    if (*rest == '>')
        return ks_fail(err, "one output file at a time: %s", spec);
    if (*rest == '|')
        return ks_fail(err, "a pipeline after a file (%s): use | and the shell's own >", spec);
    if (*rest)
        return ks_fail(err, "unexpected words after the file name %s: %s", p->name, rest);
    p->f = fopen(p->name, append ? "a" : "w");
    if (!p->f)
        return ks_fail(err, "cannot open %s: %s", p->name, strerror(errno));
    return 0;
}

/* A pipeline's own output goes where the session's output goes: straight to stdout, or — when that
 * is being captured (the golden runner) — into a temporary file copied back afterwards. The shell
 * keeps the pipeline's exit status for plumbing_close. */
static int open_pipe(struct session *s, const char *pipeline, struct plumbing *p, ks_err *err)
{
    p->is_pipe = true;
    p->name = xstrdup(pipeline);
    if (!pipeline[strspn(pipeline, " \t")])
        return ks_fail(err, "no command after |");
    fflush(s->out);
    if (s->out == stdout) {
        p->f = popen(pipeline, "w");
        return p->f ? 0 : ks_fail(err, "cannot run %s: %s", pipeline, strerror(errno));
    }
    char path[] = "/tmp/ksleuth-pipe-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return ks_fail(err, "cannot make a temporary file: %s", strerror(errno));
    p->capture = fdopen(fd, "r");
    strbuf cmd;
    sb_init(&cmd);
    /* The shell writes through the same file (>> keeps it, the name goes once the shell is done). */
    sb_printf(&cmd, "( %s ) >> '%s'; rc=$?; rm -f '%s'; exit $rc", pipeline, path, path);
    p->f = popen(cmd.buf, "w");
    sb_free(&cmd);
    if (p->f)
        return 0;
    unlink(path);
    return ks_fail(err, "cannot run %s: %s", pipeline, strerror(errno));
}

int plumbing_open(struct session *s, const char *spec, struct plumbing *p, ks_err *err)
{
    memset(p, 0, sizeof *p);
    int rc = spec[0] == '|' ? open_pipe(s, spec + 1, p, err) : open_file(spec, p, err);
    if (rc) {
        ks_err ignored;
        plumbing_close(s, p, &ignored);
    }
    return rc;
}

/* 0 if everything written to f arrived, else the errno of the failure (EIO if it is gone). */
static int flush_error(FILE *f)
{
    int e = fflush(f) ? errno : 0;
    if (!ferror(f))
        return 0;
    clearerr(f);
    return e ? e : EIO;
}

int plumbing_check(FILE *f, ks_err *err)
{
    int e = flush_error(f);
    return e ? ks_fail(err, "cannot write the output: %s", strerror(e)) : 0;
}

/* The pipeline's exit status as an error: non-zero is a failed command, as in a shell script. */
static int pipe_status(const char *pipeline, int status, ks_err *err)
{
    if (status == -1)
        return ks_fail(err, "pipeline%s: %s", pipeline, strerror(errno));
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
        return ks_fail_kind(err, KS_E_INTERRUPTED, "interrupted");
    if (WIFSIGNALED(status))
        return ks_fail(err, "pipeline%s ended by signal %d", pipeline, WTERMSIG(status));
    if (WEXITSTATUS(status) == 127)
        return ks_fail(err, "pipeline%s: command not found (status 127)", pipeline);
    if (WEXITSTATUS(status))
        return ks_fail(err, "pipeline%s exited with status %d", pipeline, WEXITSTATUS(status));
    return 0;
}

static void copy_capture(struct session *s, FILE *capture)
{
    char buf[65536];
    size_t n;
    rewind(capture);
    while ((n = fread(buf, 1, sizeof buf, capture)) > 0)
        fwrite(buf, 1, n, s->out);
    fclose(capture);
}

int plumbing_close(struct session *s, struct plumbing *p, ks_err *err)
{
    int rc = 0;
    if (p->is_pipe && p->f) {
        fflush(p->f); /* a reader that stopped early (head) is its choice, not a write error */
        rc = pipe_status(p->name, pclose(p->f), err);
    } else if (p->f) {
        int e = flush_error(p->f);
        if (fclose(p->f) && !e)
            e = errno;
        if (e)
            rc = ks_fail(err, "cannot write %s: %s", p->name, strerror(e));
    }
    if (p->capture)
        copy_capture(s, p->capture);
    free(p->name);
    memset(p, 0, sizeof *p);
    return rc;
}
