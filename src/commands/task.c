/* task [PID|TASK] — the task_struct of a task (default: the `set` context), member by member,
 * with crash's header line. `task PID member,member` prints only those members. */
#include <inttypes.h>
#include <string.h>

#include "../kernel/printval.h"
#include "../mm/task.h"
#include "commands.h"

static int run_task(struct session *s, int argc, char **argv)
{
    uint64_t task = s->context_task, v;
    ks_err err;
    char *members = NULL;
    for (int i = 1; i < argc; i++) {
        if (!parse_u64(argv[i], 16, &v))
            members = argv[i]; /* a member list is never a number */
        else if (cmd_parse_task(s, argv[i], &task, &err))
            return cmd_fail_err(s, argv[0], &err);
    }
    if (!task)
        return cmd_fail(s, argv[0], "no task: give a PID or TASK, or `set PID` first");
    struct task_info ti;
    if (task_info_read(&s->k, task, &ti, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct ktype *t = kdwarf_type(s->k.dwarf, "struct task_struct");
    struct table r;
    cmd_task_record(s, &r, &ti);
    if (table_is_json(&r)) /* the struct is printval's JSON, inside the task's record */
        return record_end(&r, json_object(&s->k, r.j, "task_struct", t, task, &err)) ? cmd_fail_err(s, argv[0], &err) : 0;
    record_end(&r, 0);
    struct printval_opts po = {.hex = s->radix == 16};
    if (members) {
        char *save = NULL;
        for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
            uint64_t off;
            struct ktype *mt;
            if (kt_member_path(s->k.dwarf, t, m, &off, &mt, NULL, &err))
                return cmd_fail_err(s, argv[0], &err);
            fprintf(s->out, "  %s = ", m);
            if (print_object(&s->k, s->out, mt, task + off, 2, &po, &err)) {
                fputc('\n', s->out);
                return cmd_fail_err(s, argv[0], &err);
            }
            fputs(",\n", s->out);
        }
        return 0;
    }
    fputs("struct task_struct ", s->out);
    if (print_object(&s->k, s->out, t, task, 0, &po, &err)) {
        fputc('\n', s->out);
        return cmd_fail_err(s, argv[0], &err);
    }
    fputc('\n', s->out);
    return 0;
}

const struct command cmd_task = {
    "task",
    "task [PID|TASK] [MEMBER,...]",
    "a task's task_struct",
    "Prints the task_struct of the task (default: the one chosen with `set`) as `struct` does, under a\n"
    "PID/TASK/CPU/COMMAND line; with MEMBER,... only those members (paths like se.vruntime work).\n"
    "JSON: {\"pid\",\"task\",\"comm\",\"task_struct\":{...}}",
    run_task,
};
