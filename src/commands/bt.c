/*
 * bt — a task's kernel stack, as crash shows it:
 *   PID: 40       TASK: c5a3c000  CPU: 1    COMMAND: "workload"
 *    #0 [c5a3de5c] __schedule at c1211c84
 *    #1 [c5a3dea4] schedule at c12120c3
 *   ...
 * Each frame is the stack slot it was found at, the function and the address in it: for a return
 * address, the call instruction before it (as crash prints); for registers, where the CPU was.
 * Exception frames print as crash's register block; a walk that leaves an IRQ stack says so.
 * The unwinding itself is src/kernel/unwind.c; this file chooses tasks and renders.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/panic.h"
#include "../kernel/unwind.h"
#include "../mm/task.h"
#include "bt_render.h"
#include "commands.h"

struct bt_args {
    struct bt_opts o;
    bool all_cpus;
    const char *cpus;   /* -c LIST */
    const char *target; /* PID or TASK */
};

static int parse_args(int argc, char **argv, struct bt_args *a, ks_err *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-a"))
            a->all_cpus = true;
        else if (!strcmp(o, "-f"))
            a->o.words = true;
        else if (!strcmp(o, "-l"))
            a->o.lines = true;
        else if (!strcmp(o, "-t"))
            a->o.text = BT_TEXT_FROM_SP;
        else if (!strcmp(o, "-T"))
            a->o.text = BT_TEXT_WHOLE;
        else if (!strcmp(o, "-e"))
            a->o.exceptions = true;
        else if (!strcmp(o, "-c") && i + 1 < argc)
            a->cpus = argv[++i];
        else if (o[0] == '-')
            return ks_fail(err, "unknown option %s", o);
        else if (!a->target)
            a->target = o;
        else
            return ks_fail(err, "too many arguments");
    }
    if (a->all_cpus + (a->cpus != NULL) + (a->target != NULL) > 1)
        return ks_fail(err, "give one of -a, -c CPU, PID or TASK");
    return 0;
}

/* One task. A walk that stopped early shows its frames and fails with why (1); -1: no frames. */
static int bt_task(struct session *s, const struct bt_args *a, uint64_t task, struct table *t, ks_err *err)
{
    struct task_info ti;
    if (task_info_read(&s->k, task, &ti, err))
        return -1;
    struct backtrace *bt = xcalloc(1, sizeof *bt);
    int rc = unwind_task(&s->k, task, ti.cpu, ti.running, bt, err);
    if (rc == 0) {
        row_begin(t);
        bt_render(t, &ti, bt, &a->o);
        row_end(t);
    }
    if (rc == 0 && bt->stop[0])
        rc = cmd_fail_line(s, "bt", "PID %" PRIu64 ": stopped: %s", ti.pid, bt->stop);
    free(bt);
    return rc;
}

/* The active task of each CPU in a list ("0", "0,1", "0-1"), or of every online CPU. */
static int bt_cpus(struct session *s, const struct bt_args *a, struct table *t, ks_err *err)
{
    /* After a panic the other CPUs are stopped and no longer counted online; their state is still
     * there (dump_cpus). */
    unsigned n = dump_cpus(&s->k);
    bool want[256] = {false};
    if (!a->cpus) {
        for (unsigned c = 0; c < n && c < 256; c++)
            want[c] = true;
    } else if (parse_cpu_list(a->cpus, want, 256, err)) {
        return -1;
    }
    int rc = 0;
    bool first = true;
    for (unsigned c = 0; c < 256; c++) {
        if (!want[c])
            continue;
        if (c >= n)
            return ks_fail(err, "CPU %u is not online (%u online)", c, n);
        uint64_t task;
        if (cpu_curr(&s->k, c, &task, err))
            return -1;
        if (!first)
            table_text(t, "\n");
        first = false;
        int one = bt_task(s, a, task, t, err);
        if (one < 0)
            return -1;
        rc |= one;
    }
    return rc;
}

/* With no argument: the `set` context, else the task that panicked. */
static int default_task(struct session *s, uint64_t *task, ks_err *err)
{
    if (s->context_task) {
        *task = s->context_task;
        return 0;
    }
    struct panic_info pi;
    if (panic_find(&s->k, &pi, err))
        return -1;
    if (!pi.have_cpu)
        return ks_fail(err, "no task given and the kernel did not panic: give a PID or TASK, or -a");
    return cpu_curr(&s->k, pi.cpu, task, err);
}

static int run_bt(struct session *s, int argc, char **argv)
{
    struct bt_args a;
    ks_err err;
    if (parse_args(argc, argv, &a, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct table t;
    bool list = a.all_cpus || a.cpus;
    bt_table_open(s, &t, list);
    int rc;
    if (list) {
        rc = bt_cpus(s, &a, &t, &err);
    } else {
        uint64_t task;
        rc = a.target ? cmd_parse_task(s, a.target, &task, &err) : default_task(s, &task, &err);
        if (!rc)
            rc = bt_task(s, &a, task, &t, &err);
    }
    /* A walk that stopped early still shows what it found, and its document says why. */
    table_end(&t, rc < 0 ? 1 : 0);
    return rc < 0 ? cmd_fail_err(s, argv[0], &err) : rc;
}

const struct command cmd_bt = {
    "bt",
    "bt [-a | -c CPU[,CPU] | PID | TASK] [-f] [-l] [-t | -T] [-e]",
    "a task's kernel stack: frames, exception frames, IRQ stacks",
    "Unwinds the kernel stack by the kernel's own i386 frame-pointer rules (unwind_frame.c): each\n"
    "frame's saved frame pointer and return address, bounded to the task's stack and its CPU's\n"
    "hard and soft IRQ stacks; an entry frame (a frame pointer with bit 31 clear points at a\n"
    "struct pt_regs) prints its registers and the walk goes on from them; user-mode registers end it.\n"
    "The walk starts, for a task a CPU was running at the dump, from that CPU's registers in the\n"
    "dump (kdump's NT_PRSTATUS, QEMU's per-CPU notes); for any other task from the switch frame\n"
    "thread.sp points at (struct inactive_task_frame).\n"
    "Lines: ` #N [SP] FUNCTION at ADDRESS` — SP is the stack slot of the return address (the stack\n"
    "pointer for a frame from registers); ADDRESS is the call instruction before the return address\n"
    "(as crash prints), or where the CPU was. `[exception EIP: ...]` and the register block follow an\n"
    "entry frame (`[registers in the dump: ...]` and the block before #0 when the walk started from\n"
    "a CPU's saved registers); `--- <hard IRQ> ---` / `--- <soft IRQ> ---` mark where the walk left an IRQ stack.\n"
    "A walk that stops early shows the frames it found and fails with one line saying why\n"
    "(`bt: PID N: stopped: ...`; in JSON the document's \"stop\" says it too).\n"
    "With no argument: the `set` task, else the task that panicked (the panic CPU's current task).\n"
    "  -a         the active task of every online CPU\n"
    "  -c LIST    the active task of these CPUs (0  0,1  0-1)\n"
    "  -f         each frame's stack words, from its slot up to the next frame's\n"
    "  -l         the source file and line of each frame (DWARF line tables)\n"
    "  -t         every text address on the stack from the first frame up (labelled: found by\n"
    "             scanning, not unwinding: the fallback when a chain breaks)\n"
    "  -T         the same over the whole task stack\n"
    "  -e         search the task stack for exception frames (pt_regs with a valid CS and EIP)\n"
    "JSON: {\"pid\",\"task\",\"cpu\",\"command\",\"start\",\"stop\",\"frames\":[{\"level\",\"sp\",\"pc\",\"call_pc\",\n"
    "\"function\",\"offset\",\"module\",\"stack\",\"exact\",\"file\",\"line\"}],\"exception_frames\":[{\"address\",\n"
    "\"before_level\",\"user\",\"start\",\"regs\":{\"eax\",...}}]}; -t/-T add "
    "\"text\":[{\"sp\",\"value\",\"function\",\"offset\"}],\n"
    "-e \"found_exceptions\":[{\"address\",\"user\",\"regs\"}]; -a and -c give {\"tasks\":[...]}.",
    run_bt,
};
