/*
 * foreach — one command run for each task, as crash's foreach does:
 *   foreach [PID|TASK|NAME|STATE|-k|-u|-a ...] bt|vm|task|files [OPTIONS...]
 * The tasks are chosen first (every task, in ps order, or those the selectors name), then the
 * command runs once per task with the task appended (`bt -f c0140000`), its outputs one after the
 * other with a blank line between, as crash prints them. A task whose command fails does not stop
 * the others; foreach fails if any did.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mm/task.h"
#include "commands.h"

#define MAX_SELECTORS 64
#define MAX_ARGS      32

/* The commands foreach can run, each taking a task as an argument. */
static const char *const per_task_commands[] = {"bt", "vm", "task", "files"};

struct selection {
    bool kernel, user, active;
    const char *words[MAX_SELECTORS]; /* PIDs, task addresses, names, state codes */
    int nwords;
};

struct chosen {
    uint64_t *tasks;
    size_t n;
    const struct selection *sel;
};

static bool is_state_code(const char *w)
{
    static const char *const codes[] = {"RU", "IN", "UN", "ST", "TR", "ZO", "DE", "PA", "ID", "WA", "NE"};
    for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
        if (!strcmp(w, codes[i]))
            return true;
    return false;
}

/* A word names this task as crash's foreach reads it: a state code, a decimal PID, a hex task
 * address, or else the command name. */
static bool word_matches(const char *w, const struct task_info *ti)
{
    uint64_t v;
    if (is_state_code(w))
        return !strcmp(w, ti->state);
    if (parse_u64(w, 10, &v) && v == ti->pid)
        return true;
    if (parse_u64(w, 16, &v) && v == ti->task)
        return true;
    return !strcmp(w, ti->comm);
}

static bool selected(const struct selection *sel, const struct task_info *ti)
{
    if ((sel->kernel && !ti->kthread) || (sel->user && ti->kthread) || (sel->active && !ti->running))
        return false;
    if (!sel->nwords)
        return true;
    for (int i = 0; i < sel->nwords; i++)
        if (word_matches(sel->words[i], ti))
            return true;
    return false;
}

static int choose(struct kernel *k, const struct task_info *ti, void *arg)
{
    struct chosen *c = arg;
    (void)k;
    if (!selected(c->sel, ti))
        return 0;
    c->tasks = xrealloc(c->tasks, (c->n + 1) * sizeof *c->tasks);
    c->tasks[c->n++] = ti->task;
    return 0;
}

static const struct command *per_task_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(per_task_commands); i++)
        if (!strcmp(name, per_task_commands[i]))
            return command_find(name);
    return NULL;
}

/* Selectors up to the command's name; the index of that name, or -1 with a message. */
static int parse_selection(struct session *s, int argc, char **argv, struct selection *sel)
{
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (per_task_command(w))
            return i;
        if (!strcmp(w, "-k") || !strcmp(w, "kernel"))
            sel->kernel = true;
        else if (!strcmp(w, "-u") || !strcmp(w, "user"))
            sel->user = true;
        else if (!strcmp(w, "-a") || !strcmp(w, "active"))
            sel->active = true;
        else if (w[0] == '-')
            return cmd_fail(s, argv[0], "%s: not a selector (PID, TASK, NAME, state code, -k, -u or -a)", w), -1;
        else if (sel->nwords < MAX_SELECTORS)
            sel->words[sel->nwords++] = w;
        else
            return cmd_fail(s, argv[0], "more than %d selectors", MAX_SELECTORS), -1;
    }
    return cmd_fail(s, argv[0], "no command: foreach runs bt, vm, task or files"), -1;
}

/* Run the command for one task: `task` takes it first, the others last (after their options).
 * Each run gets its own copy of the words: commands may cut them up (task's member list). */
static int run_for(struct session *s, const struct command *c, uint64_t task, int nopts, char **opts)
{
    char addr[32];
    char *argv[MAX_ARGS + 3];
    int argc = 0;
    snprintf(addr, sizeof addr, "%" PRIx64, task);
    argv[argc++] = xstrdup(c->name);
    if (!strcmp(c->name, "task"))
        argv[argc++] = xstrdup(addr);
    for (int i = 0; i < nopts; i++)
        argv[argc++] = xstrdup(opts[i]);
    if (strcmp(c->name, "task"))
        argv[argc++] = xstrdup(addr);
    argv[argc] = NULL;
    int rc = c->run(s, argc, argv);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return rc;
}

struct task_run {
    const struct command *c;
    uint64_t task;
    int nopts;
    char **opts;
};

static int run_task(struct session *s, void *arg)
{
    const struct task_run *r = arg;
    return run_for(s, r->c, r->task, r->nopts, r->opts);
}

/* Text: the outputs with a blank line between; JSON: {"command":NAME,"results":[a document per task]}.
 * A first run that fails without a word of output had options the command refused: the others would
 * only say the same. */
static int run_all(struct session *s, const struct command *c, const struct chosen *ch, int nopts, char **opts)
{
    strbuf all, one;
    sb_init(&all);
    sb_init(&one);
    if (s->json)
        sb_printf(&all, "{\"command\":\"%s\",\"results\":[", c->name);
    int failed = 0;
    for (size_t i = 0; i < ch->n; i++) {
        sb_reset(&one);
        struct task_run r = {c, ch->tasks[i], nopts, opts};
        int rc = cmd_capture(s, run_task, &r, &one);
        if (rc < 0 || (rc && i == 0 && !one.len)) {
            failed = -1;
            break;
        }
        failed += rc;
        if (s->json)
            sb_printf(&all, "%s%s", i ? "," : "", one.len ? one.buf : "null");
        else if (one.len)
            sb_printf(&all, "%s%s\n", all.len ? "\n" : "", one.buf);
    }
    if (failed >= 0) {
        if (s->json)
            sb_puts(&all, "]}\n");
        fputs(all.len ? all.buf : "", s->out);
    }
    sb_free(&all);
    sb_free(&one);
    return failed ? 1 : 0;
}

static int run_foreach(struct session *s, int argc, char **argv)
{
    struct selection sel = {0};
    int at = parse_selection(s, argc, argv, &sel);
    if (at < 0)
        return 1;
    int nopts = argc - at - 1;
    if (nopts > MAX_ARGS)
        return cmd_fail(s, argv[0], "too many options for %s", argv[at]);
    struct chosen ch = {.sel = &sel};
    ks_err err;
    if (for_each_task(&s->k, choose, &ch, &err)) {
        free(ch.tasks);
        return cmd_fail_err(s, argv[0], &err);
    }
    if (!ch.n)
        return cmd_fail(s, argv[0], "no task matches");
    const struct command *c = per_task_command(argv[at]);
    int rc = run_all(s, c, &ch, nopts, argv + at + 1);
    free(ch.tasks);
    return rc;
}

const struct command cmd_foreach = {
    "foreach",
    "foreach [PID|TASK|NAME|STATE|-k|-u|-a ...] bt|vm|task|files [OPTIONS...]",
    "run bt, vm, task or files for every task, or for the tasks named",
    "Chooses tasks, then runs the command once for each, in ps order, with the task's address as its\n"
    "argument (`foreach bt -l` runs `bt -l TASK`; `foreach task pid,comm` runs `task TASK pid,comm`).\n"
    "Selectors (any number; a task matching any of them is chosen, none means every task): a decimal\n"
    "PID, a hex task address, a command name (comm), a state code (RU IN UN ST TR ZO DE PA ID WA NE, as\n"
    "ps shows them); -k (or kernel) kernel threads only, -u (or user) user tasks only, -a (or active)\n"
    "the task each CPU was running. Outputs follow one another with a blank line between. A task whose\n"
    "command fails is reported and the others still run; foreach then fails.\n"
    "JSON: {\"command\",\"results\":[one document of the command per task, in order]}",
    run_foreach,
};
