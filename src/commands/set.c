/* set — the task context (`set PID`, `set TASK`) and session settings (`set json on|off`,
 * `set radix 10|16`); with no argument, show them. */
#include <inttypes.h>
#include <string.h>

#include "../kernel/panic.h"
#include "../mm/task.h"
#include "commands.h"

/* The task the panicking CPU was running (crash's set -p). */
static int panic_task(struct session *s, uint64_t *task, ks_err *err)
{
    struct panic_info pi;
    if (panic_find(&s->k, &pi, err))
        return -1;
    if (!pi.have_cpu)
        return ks_fail(err, "the kernel did not panic (panic_cpu is not set)");
    return cpu_curr(&s->k, pi.cpu, task, err);
}

static int find_context(struct session *s, const char *arg, uint64_t *task, ks_err *err)
{
    if (!strcmp(arg, "-p"))
        return panic_task(s, task, err);
    if (arg[0] == '-')
        return ks_fail(err, "unknown option %s (set -p: the panic task; set PID or TASK)", arg);
    return cmd_parse_task(s, arg, task, err);
}

/* crash's context lines: PID, COMMAND and TASK, one per line, labels right-aligned. */
static const struct column context_cols[] = {
    COL_U("    PID: ", "pid", 0, 0),
    COLUMN(CT_STR, "COMMAND: ", "command", 0, 0, 0, COL_QUOTED | COL_BREAK),
    COLUMN(CT_HEX, "   TASK: ", "task", 0, 0, 0, COL_BREAK),
};

static void put_context(struct session *s, uint64_t pid, const char *comm, uint64_t task)
{
    struct table t;
    record_begin(s, &t, context_cols);
    put_u(&t, "pid", pid);
    put_s(&t, "command", comm);
    put_u(&t, "task", task);
    record_end(&t, 0);
}

/* A decimal number below PAGE_OFFSET is a PID; anything else is a task_struct address; -p the
 * panic task. */
static int set_context(struct session *s, const char *arg, ks_err *err)
{
    uint64_t task, pid;
    char comm[17];
    if (find_context(s, arg, &task, err))
        return -1;
    if (task_pid(&s->k, task, &pid, err) || task_comm(&s->k, task, comm, sizeof comm, err))
        return -1;
    s->context_task = task;
    put_context(s, pid, comm, task);
    return 0;
}

static const struct column settings_cols[] = {
    COL_X("   TASK: ", "task", 0, 0),
    COL_TEXT(CT_STR, "", "task_note", 0, 0),
    COLUMN(CT_BOOL, "   json: ", "json", 0, 0, 0, COL_BREAK),
    COLUMN(CT_SIGNED, "  radix: ", "radix", 0, 0, 0, COL_BREAK),
};

static void show_settings(struct session *s)
{
    struct table t;
    record_begin(s, &t, settings_cols);
    put_u(&t, "task", s->context_task);
    if (!s->context_task)
        put_s(&t, "task_note", " (none: set PID)");
    put_b_as(&t, "json", s->json, s->json ? "on" : "off");
    put_i(&t, "radix", s->radix);
    record_end(&t, 0);
}

static int run_set(struct session *s, int argc, char **argv)
{
    if (argc == 1) {
        show_settings(s);
        return 0;
    }
    if (argc == 2) {
        ks_err err;
        return set_context(s, argv[1], &err) ? cmd_fail_err(s, argv[0], &err) : 0;
    }
    if (argc == 3 && !strcmp(argv[1], "json")) {
        if (strcmp(argv[2], "on") && strcmp(argv[2], "off"))
            return cmd_fail(s, argv[0], "json takes on or off");
        s->json = !strcmp(argv[2], "on");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "radix")) {
        if (strcmp(argv[2], "10") && strcmp(argv[2], "16"))
            return cmd_fail(s, argv[0], "radix takes 10 or 16");
        s->radix = !strcmp(argv[2], "16") ? 16 : 10;
        return 0;
    }
    return cmd_fail(s, argv[0], "unknown setting: %s (json, radix)", argv[1]);
}

const struct command cmd_set = {
    "set",
    "set [PID|TASK|-p] [json on|off] [radix 10|16]",
    "choose the task context, or show/change settings",
    "set PID / set TASK: the task whose address space vtop, rd -u (and vm) use, and that bt shows.\n"
    "TASK must be a task_struct on the task list (or a CPU's idle task).\n"
    "set -p: the task the panicking CPU was running (panic_cpu), as crash starts.\n"
    "json on: every data command prints one JSON document per command, on one line (as --json).\n"
    "radix 16: p and struct print integers in hex (default 10, as gdb and crash do).\n"
    "JSON: set PID {\"pid\",\"command\",\"task\"}; set alone {\"task\",\"json\",\"radix\"}; json and radix\n"
    "print nothing.",
    run_set,
};
