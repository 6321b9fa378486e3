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

static void print_context(struct session *s, uint64_t pid, const char *comm, uint64_t task)
{
    if (!s->json) {
        fprintf(s->out, "    PID: %" PRIu64 "\nCOMMAND: \"%s\"\n   TASK: %" PRIx64 "\n", pid, comm, task);
        return;
    }
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_uint(&j, "pid", pid);
    json_str(&j, "command", comm);
    json_hex(&j, "task", task);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
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
    print_context(s, pid, comm, task);
    return 0;
}

static void show_settings(struct session *s)
{
    if (!s->json) {
        fprintf(s->out, "   TASK: %" PRIx64 "%s\n   json: %s\n  radix: %d\n", s->context_task,
                s->context_task ? "" : " (none: set PID)", s->json ? "on" : "off", s->radix);
        return;
    }
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_hex(&j, "task", s->context_task);
    json_bool(&j, "json", s->json);
    json_int(&j, "radix", s->radix);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
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
