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
#include "util/json.h"

void session_error(struct session *s, const char *cmd, const char *msg)
{
    fprintf(s->err ? s->err : stderr, "%s: %s\n", cmd, msg);
    if (s->json && s->out) {
        struct json j;
        json_init(&j);
        json_obj_begin(&j, NULL);
        json_str(&j, "command", cmd);
        json_str(&j, "error", msg);
        json_obj_end(&j);
        fprintf(s->out, "%s\n", j.sb.buf);
        json_free(&j);
    }
}

#define MAX_WORDS 64

/* Split into words, honouring '..' and ".." quotes. Returns the count, or -1 if too many. */
static int split_words(char *line, char **argv)
{
    int argc = 0;
    char *p = line, *w = line;
    while (*p) {
        while (isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (argc == MAX_WORDS - 1) return -1;
        argv[argc++] = w;
        char quote = 0;
        while (*p && (quote || !isspace((unsigned char)*p))) {
            if (!quote && (*p == '"' || *p == '\'')) quote = *p++;
            else if (quote && *p == quote) { quote = 0; p++; }
            else *w++ = *p++;
        }
        if (*p) p++;
        *w++ = 0;
    }
    argv[argc] = NULL;
    return argc;
}

/* Find the first '|' or '>' outside quotes and parentheses: where the command ends and its output
 * plumbing starts. Inside parentheses they are operators: eval (a >> 22d) | head; so is "->": p a->b. */
static char *find_plumbing(char *line)
{
    char quote = 0;
    int depth = 0;
    for (char *p = line; *p; p++) {
        if (quote) { if (*p == quote) quote = 0; continue; }
        if (*p == '"' || *p == '\'') quote = *p;
        else if (*p == '(') depth++;
        else if (*p == ')' && depth) depth--;
        else if (!depth && (*p == '|' || *p == '>') && !(*p == '>' && p > line && p[-1] == '-')) return p;   /* "->" is C's */
    }
    return NULL;
}

/* A pipeline's own output goes where the session's output goes: straight to stdout, or — when that
 * is being captured (the golden runner) — into a temporary file copied back afterwards. */
static FILE *open_pipe(struct session *s, const char *pipeline, FILE **capture)
{
    fflush(s->out);
    *capture = NULL;
    if (s->out == stdout) return popen(pipeline, "w");
    char path[] = "/tmp/ksleuth-pipe-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    *capture = fdopen(fd, "r");
    strbuf cmd;
    sb_init(&cmd);
    /* The shell writes through the same file (>> keeps it, the name goes once the shell is done). */
    sb_printf(&cmd, "( %s ) >> '%s'; rm -f '%s'", pipeline, path, path);
    FILE *p = popen(cmd.buf, "w");
    sb_free(&cmd);
    return p;
}

static void close_pipe(struct session *s, FILE *p, FILE *capture)
{
    pclose(p);
    if (!capture) return;
    char buf[65536];
    size_t n;
    rewind(capture);
    while ((n = fread(buf, 1, sizeof buf, capture)) > 0) fwrite(buf, 1, n, s->out);
    fclose(capture);
}

static FILE *open_plumbing(struct session *s, char *spec, bool *is_pipe, FILE **capture)
{
    *is_pipe = spec[0] == '|';
    *capture = NULL;
    if (*is_pipe) return open_pipe(s, spec + 1, capture);
    bool append = spec[1] == '>';
    char *name = spec + (append ? 2 : 1);
    while (isspace((unsigned char)*name)) name++;
    name[strcspn(name, " \t\n")] = 0;
    return *name ? fopen(name, append ? "a" : "w") : NULL;
}

int session_run_line(struct session *s, const char *text)
{
    char *line = xstrdup(text), *argv[MAX_WORDS];
    line[strcspn(line, "\n")] = 0;
    char *plumb = find_plumbing(line), *spec = NULL;
    if (plumb) { spec = xstrdup(plumb); *plumb = 0; }
    int argc = split_words(line, argv), rc = 0;
    if (argc < 0) rc = cmd_fail(s, "ksleuth", "too many words in the command");
    if (argc <= 0) goto done;
    if (argv[0][0] == '#') goto done;
    const struct command *c = command_find(argv[0]);
    if (!c) { rc = cmd_fail(s, argv[0], "command not found (try help)"); goto done; }
    FILE *saved = s->out, *redirect = NULL, *capture = NULL;
    bool is_pipe = false;
    if (spec) {
        redirect = open_plumbing(s, spec, &is_pipe, &capture);
        if (!redirect) { rc = cmd_fail(s, argv[0], "cannot open output %s: %s", spec, strerror(errno)); goto done; }
        s->out = redirect;
    }
    rc = c->run(s, argc, argv);
    fflush(s->out);
    if (redirect) {
        s->out = saved;
        if (is_pipe) close_pipe(s, redirect, capture); else fclose(redirect);
    }
done:
    free(spec);
    free(line);
    return rc;
}
