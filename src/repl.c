#include "repl.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"

static struct session *repl_session;

/* Completion candidates are collected into a list, then handed out one by one. */
struct candidates {
    char **v;
    size_t n, cap;
};
static struct candidates cands;

static void add_candidate(const char *name, void *arg)
{
    (void)arg;
    if (cands.n == cands.cap) cands.v = xrealloc(cands.v, (cands.cap = cands.cap ? cands.cap * 2 : 64) * sizeof *cands.v);
    cands.v[cands.n++] = xstrdup(name);
}

static void collect(const char *text, bool first_word)
{
    for (size_t i = 0; i < cands.n; i++) free(cands.v[i]);
    cands.n = 0;
    if (first_word) {
        for (const struct command *const *c = command_all(); *c; c++)
            if (!strncmp((*c)->name, text, strlen(text))) add_candidate((*c)->name, NULL);
        return;
    }
    if (strlen(text) < 2) return;     /* tens of thousands of names: wait for a prefix */
    struct kernel *k = &repl_session->k;
    hm_each_prefix(&k->syms.by_name, text, add_candidate, NULL);
    kdwarf_each_type_name(k->dwarf, text, add_candidate, NULL);
}

static char *next_candidate(const char *text, int state)
{
    static size_t i;
    (void)text;
    if (!state) i = 0;
    return i < cands.n ? xstrdup(cands.v[i++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    /* After a symbol or type name people go on with ".member" or "+offset": no space. */
    rl_completion_append_character = start == 0 ? ' ' : '\0';
    collect(text, start == 0);
    return rl_completion_matches(text, next_candidate);
}

static void history_path(char *out, size_t n)
{
    const char *home = getenv("HOME");
    snprintf(out, n, "%s/.ksleuth_history", home ? home : ".");
}

int repl_run(struct session *s)
{
    repl_session = s;
    rl_readline_name = "ksleuth";
    rl_attempted_completion_function = complete;
    char hist[1024];
    history_path(hist, sizeof hist);
    read_history(hist);
    while (!s->quit) {
        char *line = readline("ksleuth> ");
        if (!line) { putchar('\n'); break; }
        if (*line) {
            add_history(line);
            session_run_line(s, line);
        }
        free(line);
    }
    write_history(hist);
    return 0;
}
