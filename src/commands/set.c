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
    if (panic_find(&s->k, &pi, err)) return -1;
    if (!pi.have_cpu) return ks_fail(err, "the kernel did not panic (panic_cpu is not set)");
    return cpu_curr(&s->k, pi.cpu, task, err);
}

/* A decimal number below PAGE_OFFSET is a PID; anything else is a task_struct address; -p the
 * panic task. */
static int set_context(struct session *s, const char *arg, ks_err *err)
{
    uint64_t task, pid;
    if (!strcmp(arg, "-p") ? panic_task(s, &task, err) : cmd_parse_task(s, arg, &task, err)) return -1;
    char comm[17];
    if (task_pid(&s->k, task, &pid, err) || task_comm(&s->k, task, comm, sizeof comm, err)) return -1;
    s->context_task = task;
    if (!s->json) fprintf(s->out, "    PID: %" PRIu64 "\nCOMMAND: \"%s\"\n   TASK: %" PRIx64 "\n", pid, comm, task);
    return 0;
}

static int run_set(struct session *s, int argc, char **argv)
{
    if (argc == 1) {
        fprintf(s->out, "   TASK: %" PRIx64 "%s\n   json: %s\n  radix: %d\n", s->context_task,
                s->context_task ? "" : " (none: set PID)", s->json ? "on" : "off", s->radix);
        return 0;
    }
    if (argc == 2) {
        ks_err err;
        return set_context(s, argv[1], &err) ? cmd_fail(s, argv[0], "%s", err.msg) : 0;
    }
    if (argc == 3 && !strcmp(argv[1], "json")) {
        if (strcmp(argv[2], "on") && strcmp(argv[2], "off")) return cmd_fail(s, argv[0], "json takes on or off");
        s->json = !strcmp(argv[2], "on");
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "radix")) {
        if (strcmp(argv[2], "10") && strcmp(argv[2], "16")) return cmd_fail(s, argv[0], "radix takes 10 or 16");
        s->radix = !strcmp(argv[2], "16") ? 16 : 10;
        return 0;
    }
    return cmd_fail(s, argv[0], "unknown setting: %s (json, radix)", argv[1]);
}

const struct command cmd_set = {
    "set", "set [PID|TASK|-p] [json on|off] [radix 10|16]", "choose the task context, or show/change settings",
    "set PID / set TASK: the task whose address space vtop, rd -u (and vm) use, and that bt shows.\n"
    "set -p: the task the panicking CPU was running (panic_cpu), as crash starts.\n"
    "json on: every data command prints one JSON document per command, on one line (as --json).\n"
    "radix 16: p and struct print integers in hex (default 10, as gdb and crash do).",
    run_set,
};
