/* The interactive loop: readline, a bounded history, completion, and Ctrl-C that never ends the session. */
#define _GNU_SOURCE
#include "repl.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "mm/slab.h"
#include "mm/task.h"
#include "plumbing.h"
#include "util/interrupt.h"

/* As bash's HISTSIZE: the history file keeps the last this many lines. */
#define HISTORY_LINES 1000

/* Readline's callbacks take no argument: the session and the candidates they hand out are reached
 * from here, for the length of repl_run only. */
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
    if (cands.n == cands.cap)
        cands.v = xrealloc(cands.v, (cands.cap = cands.cap ? cands.cap * 2 : 64) * sizeof *cands.v);
    cands.v[cands.n++] = xstrdup(name);
}

static void clear_candidates(void)
{
    for (size_t i = 0; i < cands.n; i++)
        free(cands.v[i]);
    cands.n = 0;
}

static void add_prefixed(const char *name, const char *text)
{
    if (!strncmp(name, text, strlen(text)))
        add_candidate(name, NULL);
}

static void collect_commands(const char *text)
{
    for (const struct command *const *c = command_all(); *c; c++)
        add_prefixed((*c)->name, text);
}

static int add_pid(struct kernel *k, const struct task_info *ti, void *arg)
{
    char pid[24];
    (void)k;
    snprintf(pid, sizeof pid, "%" PRIu64, ti->pid);
    add_prefixed(pid, arg);
    return 0;
}

/* set: its settings, -p, and the PIDs on the task list (a task address is typed, not completed). */
static void collect_set(const char *text)
{
    static const char *const words[] = {"json", "radix", "-p"};
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
        add_prefixed(words[i], text);
    ks_err err;
    for_each_task(&repl_session->k, add_pid, (void *)text, &err);
}

/* STRUCT.MEMBER (or VARIABLE.MEMBER) being typed: the members of the type the path so far names,
 * those of anonymous members too, as C reaches them, each as the whole word. */
static void add_members(struct ktype *t, const char *lead, const char *prefix, unsigned depth)
{
    for (unsigned i = 0; t && i < t->nmembers && depth < 8; i++) {
        const struct kt_member *m = &t->members[i];
        struct ktype *mt = kt_strip(m->type);
        if (!m->name && mt && (mt->kind == KT_STRUCT || mt->kind == KT_UNION))
            add_members(mt, lead, prefix, depth + 1);
        else if (m->name && !strncmp(m->name, prefix, strlen(prefix))) {
            char word[512];
            snprintf(word, sizeof word, "%s%s", lead, m->name);
            add_candidate(word, NULL);
        }
    }
}

static bool collect_members(const char *text)
{
    const char *first = strchr(text, '.'), *last = strrchr(text, '.');
    if (!first)
        return false;
    struct kdwarf *kd = repl_session->k.dwarf;
    char *name = strndup(text, (size_t)(first - text)), *path = strndup(first + 1, last > first ? (size_t)(last - first - 1) : 0);
    struct ktype *t = kdwarf_type_any(kd, name);
    if (!t)
        t = kdwarf_var_type_any(kd, name);
    ks_err err;
    if (t && *path && kt_member_path(kd, t, path, &(uint64_t){0}, &t, NULL, &err))
        t = NULL;
    t = kt_strip(t);
    if (t && (t->kind == KT_STRUCT || t->kind == KT_UNION)) {
        char *lead = strndup(text, (size_t)(last - text + 1));
        add_members(t, lead, last + 1, 0);
        free(lead);
    }
    free(name);
    free(path);
    return true;
}

static void collect_symbols(const char *text)
{
    if (collect_members(text))
        return;
    if (strlen(text) < 2)
        return; /* tens of thousands of names: wait for a prefix */
    struct kernel *k = &repl_session->k;
    hm_each_prefix(&k->syms.by_name, text, add_candidate, NULL);
    kdwarf_each_type_name(k->dwarf, text, add_candidate, NULL);
}

/* kmem -S: the slab caches' names. */
static int add_cache(struct kernel *k, const struct slab_cache_info *c, void *arg)
{
    (void)k;
    add_prefixed(c->name, arg);
    return 0;
}

static char *next_candidate(const char *text, int state)
{
    static size_t i;
    (void)text;
    if (!state)
        i = 0;
    return i < cands.n ? xstrdup(cands.v[i++]) : NULL;
}

/* What the word being completed is, from the words before it on the line. */
enum word_kind { WORD_COMMAND, WORD_FILE, WORD_SET, WORD_SYMBOL, WORD_NONE, WORD_PID, WORD_CACHE, WORD_CPU_OPTION };

static enum word_kind word_kind(int start)
{
    char *before = strndup(rl_line_buffer, (size_t)start);
    char *plumb = plumbing_find(before);
    enum word_kind kind = WORD_NONE;
    if (plumb) {
        kind = *plumb == '>' ? WORD_FILE : WORD_NONE; /* after '|' the shell's words */
    } else {
        char *save = NULL, *cmd = strtok_r(before, " \t", &save), *prev = cmd, *w;
        int n = cmd ? 1 : 0;
        while ((w = strtok_r(NULL, " \t", &save))) {
            prev = w;
            n++;
        }
        if (!cmd)
            kind = WORD_COMMAND;
        else if (!strcmp(prev, "--svg"))
            kind = WORD_FILE;
        else if (!strcmp(cmd, "help"))
            kind = n == 1 ? WORD_COMMAND : WORD_NONE;
        else if (!strcmp(cmd, "set"))
            kind = n == 1 ? WORD_SET : WORD_NONE;
        else if (!strcmp(cmd, "files") || !strcmp(cmd, "mount")) /* issue 11's commands */
            kind = n == 1 ? WORD_PID : WORD_NONE;
        else if (!strcmp(cmd, "kmem") && !strcmp(prev, "-S"))
            kind = WORD_CACHE;
        else if (!strcmp(cmd, "runq"))
            kind = n == 1 ? WORD_CPU_OPTION : WORD_NONE;
        else
            kind = WORD_SYMBOL;
    }
    free(before);
    return kind;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1;
    enum word_kind kind = word_kind(start);
    /* After a symbol or type name people go on with ".member" or "+offset": no space. */
    rl_completion_append_character = kind == WORD_SYMBOL ? '\0' : ' ';
    if (kind == WORD_FILE)
        return rl_completion_matches(text, rl_filename_completion_function);
    clear_candidates();
    if (kind == WORD_COMMAND)
        collect_commands(text);
    else if (kind == WORD_SET)
        collect_set(text);
    else if (kind == WORD_SYMBOL)
        collect_symbols(text);
    else if (kind == WORD_PID)
        for_each_task(&repl_session->k, add_pid, (void *)text, &(ks_err){""});
    else if (kind == WORD_CACHE)
        for_each_slab_cache(&repl_session->k, add_cache, (void *)text, &(ks_err){""});
    else if (kind == WORD_CPU_OPTION)
        add_prefixed("-c", text);
    return cands.n ? rl_completion_matches(text, next_candidate) : NULL;
}

/* Ctrl-C at the prompt: readline restores the terminal, echoes ^C, passes the signal on to our
 * handler and then calls this. The half-typed line is dropped and a fresh prompt drawn, as a shell
 * does. */
static int on_signal_event(void)
{
    if (!ks_interrupted())
        return 0;
    ks_interrupt_clear();
    rl_crlf();
    rl_replace_line("", 0);
    rl_on_new_line();
    rl_redisplay();
    return 0;
}

static void history_path(char *out, size_t n)
{
    const char *home = getenv("HOME");
    snprintf(out, n, "%s/.ksleuth_history", home ? home : ".");
}

/* The history is bounded, and each line is appended as it is entered: a session that is killed
 * keeps what it was given. */
static void history_start(const char *path)
{
    stifle_history(HISTORY_LINES);
    read_history(path);
    write_history(path);
}

static void history_add(const char *path, const char *line)
{
    HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
    if (last && !strcmp(last->line, line))
        return;
    add_history(line);
    append_history(1, path);
}

/* One prompt; a Ctrl-C pressed while the previous command was finishing is for that one. */
static char *prompt(void)
{
    char *line = readline("ksleuth> ");
    ks_interrupt_clear();
    return line;
}

int repl_run(struct session *s)
{
    repl_session = s;
    rl_readline_name = "ksleuth";
    rl_attempted_completion_function = complete;
    rl_signal_event_hook = on_signal_event;
    ks_interrupt_on_closed_pipe();
    char hist[1024];
    history_path(hist, sizeof hist);
    history_start(hist);
    while (!s->quit) {
        char *line = prompt();
        if (!line) {
            putchar('\n');
            break;
        }
        if (*line) {
            history_add(hist, line);
            session_run_line(s, line);
        }
        free(line);
    }
    history_truncate_file(hist, HISTORY_LINES);
    clear_candidates();
    free(cands.v);
    return 0;
}
