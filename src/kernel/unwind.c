/* The i386 frame-pointer unwinder, following arch/x86/kernel/unwind_frame.c (see unwind.h). */
#include "unwind.h"

#include <stdio.h>
#include <string.h>

/* ENCODE_FRAME_POINTER on i386: the pt_regs address with bit 31 cleared. */
#define ENCODED_FP_BIT 0x80000000ull

int read_pt_regs(struct kernel *k, uint64_t addr, struct cpu_regs *regs, ks_err *err)
{
    uint64_t size = ktype_size(k, "struct pt_regs");
    uint8_t buf[256];
    if (!size || size > sizeof buf)
        return ks_fail(err, "the vmlinux DWARF has no usable struct pt_regs");
    if (kread(k, addr, buf, size, err))
        return -1;
    for (int r = 0; r < REG_COUNT; r++) {
        const struct member_ref *m = kmember_ref(k, "struct pt_regs", i386_pt_regs_member(r), err);
        if (!m)
            return -1;
        regs->r[r] = kdecode_member(m, buf);
    }
    regs->valid = true;
    return 0;
}

const struct cpu_regs *cpu_note_regs(struct kernel *k, unsigned cpu)
{
    if (cpu >= (unsigned)k->dump->ncpus || !k->dump->cpu[cpu].regs.valid)
        return NULL;
    return &k->dump->cpu[cpu].regs;
}

uint64_t call_site(struct kernel *k, uint64_t ret)
{
    uint8_t b[7];
    if (ret < 7 || kread(k, ret - 7, b, 7, KS_MISSING_OK))
        return ret; /* no call to decode: the return address itself */
    return ret - i386_call_length(b);
}

struct walker {
    struct kernel *k;
    struct backtrace *bt;
    const struct stack_info *cur;
    uint64_t prev; /* the last frame's address on cur: the chain must climb above it */
    unsigned left; /* stacks already left, as a bit mask of their index */
    uint64_t pt_regs_size;
    uint64_t last_regs; /* task_pt_regs(task): the entry frame at the top of the task stack */
};

static int stop(struct walker *w, const char *fmt, unsigned long long v)
{
    snprintf(w->bt->stop, sizeof w->bt->stop, fmt, v);
    return 1;
}

static void add_frame(struct walker *w, uint64_t sp, uint64_t pc, uint64_t fp, bool exact, int exception)
{
    struct backtrace *bt = w->bt;
    bt->frames[bt->nframes++] = (struct bt_frame){
        .sp = sp,
        .pc = pc,
        .fp = fp,
        .exact = exact,
        .stack = w->cur ? w->cur->type : STACK_UNKNOWN,
        .exception = exception,
    };
}

/* Move onto the stack holding [addr, addr + len), refusing to go down or to return to a stack left. */
static int enter_stack(struct walker *w, uint64_t addr, uint64_t len)
{
    const struct stack_info *si = stack_holding(&w->bt->stacks, addr, len);
    if (!si)
        return stop(w, "frame pointer %#llx is outside the task's stacks", addr);
    unsigned idx = (unsigned)(si - w->bt->stacks.s);
    if (si == w->cur) {
        if (addr <= w->prev)
            return stop(w, "frame chain goes down the stack at %#llx (cyclic or corrupt)", addr);
    } else {
        if (w->left & (1u << idx))
            return stop(w, "frame chain returns to a stack it left, at %#llx", addr);
        if (w->cur)
            w->left |= 1u << (unsigned)(w->cur - w->bt->stacks.s);
        w->cur = si;
    }
    w->prev = addr;
    return 0;
}

static int add_exception(struct walker *w, uint64_t addr, const struct cpu_regs *regs)
{
    struct backtrace *bt = w->bt;
    if (bt->nexc == ARRAY_SIZE(bt->exc))
        return stop(w, "more than %llu exception frames", ARRAY_SIZE(bt->exc));
    bt->exc[bt->nexc] = (struct bt_exception){.addr = addr, .regs = *regs, .user = i386_user_mode(regs), .before = bt->nframes};
    return (int)bt->nexc++;
}

/* An entry frame: registers saved by the entry code. Returns 1 when the walk ends here. */
static int step_regs(struct walker *w, uint64_t addr, uint64_t *next_bp)
{
    struct cpu_regs regs;
    ks_err err;
    if (!stack_holding(&w->bt->stacks, addr, w->pt_regs_size))
        return stop(w, "entry frame at %#llx (an encoded frame pointer) is outside the task's stacks", addr);
    if (enter_stack(w, addr, w->pt_regs_size))
        return 1;
    if (read_pt_regs(w->k, addr, &regs, &err))
        return stop(w, "cannot read the registers at %#llx", addr);
    /* A kernel thread's stack ends in the partial registers copy_thread() left: nothing to show. */
    if (addr == w->last_regs && !i386_user_mode(&regs))
        return 1;
    int e = add_exception(w, addr, &regs);
    if (e < 0 || regs.r[REG_EIP] == 0)
        return 1;
    if (i386_user_mode(&regs))
        return 1;
    add_frame(w, regs.r[REG_ESP], regs.r[REG_EIP], 0, true, e);
    *next_bp = regs.r[REG_EBP];
    return 0;
}

/* An ordinary frame at fp. Returns 1 when the walk ends here. */
static int step_frame(struct walker *w, uint64_t fp, uint64_t *next_bp)
{
    uint64_t ret, caller;
    const struct arch_stack *shape = &w->k->arch->stack;
    uint64_t ret_at = fp + shape->ret_offset;
    if (enter_stack(w, fp, shape->frame_size))
        return 1;
    /* An unreadable frame ends the walk with its reason in bt->stop. */
    if (kread_ulong(w->k, ret_at, &ret, KS_MISSING_OK) || kread_ulong(w->k, fp, &caller, KS_MISSING_OK))
        return stop(w, "cannot read the frame at %#llx", fp);
    /* The last frame of the task stack sits right below the top entry frame (is_last_task_frame()). */
    if (w->last_regs && w->cur->type == STACK_TASK && fp + shape->frame_size == w->last_regs) {
        struct cpu_regs regs;
        add_frame(w, ret_at, ret, fp, false, -1);
        if (read_pt_regs(w->k, w->last_regs, &regs, KS_MISSING_OK) == 0 && i386_user_mode(&regs)) /* else no user frame */
            add_exception(w, w->last_regs, &regs);
        return 1;
    }
    if (ret < w->k->page_offset)
        return stop(w, "return address %#llx is not kernel text", ret);
    add_frame(w, ret_at, ret, fp, false, -1);
    *next_bp = caller;
    return 0;
}

static void walk(struct walker *w, uint64_t bp)
{
    while (w->bt->nframes < BT_MAX_FRAMES) {
        if (bp == 0)
            return;
        int done = (bp & ENCODED_FP_BIT) ? step_frame(w, bp, &bp) : step_regs(w, bp | ENCODED_FP_BIT, &bp);
        if (done)
            return;
    }
    stop(w, "more than %llu frames", BT_MAX_FRAMES);
}

static int walker_init(struct kernel *k, uint64_t task, unsigned cpu, struct backtrace *bt, struct walker *w, ks_err *err)
{
    memset(bt, 0, sizeof *bt);
    bt->task = task;
    bt->cpu = cpu;
    *w = (struct walker){.k = k, .bt = bt};
    if (task_stacks(k, task, cpu, &bt->stacks, err))
        return -1;
    w->pt_regs_size = ktype_size(k, "struct pt_regs");
    if (!w->pt_regs_size)
        return ks_fail(err, "the vmlinux DWARF has no struct pt_regs");
    /* thread.sp0 is the top of the task's stack below the i386 padding: task_pt_regs() lies under it. */
    uint64_t sp0;
    /* No readable sp0: the walk has no last-frame marker and ends where the frames do. */
    if (kread_member(k, task, "struct task_struct", "thread.sp0", &sp0, KS_MISSING_OK) == 0 && sp0 > bt->stacks.s[0].begin &&
        sp0 <= bt->stacks.s[0].end)
        w->last_regs = sp0 - w->pt_regs_size;
    return 0;
}

int unwind_from_regs(struct kernel *k, uint64_t task, unsigned cpu, const struct cpu_regs *regs, struct backtrace *bt,
                     ks_err *err)
{
    struct walker w;
    if (walker_init(k, task, cpu, bt, &w, err))
        return -1;
    bt->start = "registers";
    bt->exc[bt->nexc++] = (struct bt_exception){.regs = *regs, .user = i386_user_mode(regs), .start = true};
    if (i386_user_mode(regs))
        return 0;
    const struct arch_stack *shape = &k->arch->stack;
    unsigned word = k->arch->word_size;
    w.cur = stack_holding(&bt->stacks, regs->r[REG_ESP], word);
    if (!w.cur)
        w.cur = stack_holding(&bt->stacks, regs->r[REG_EBP], shape->frame_size);
    if (!w.cur)
        return ks_fail(err, "the registers' stack pointer %#llx is on none of the task's stacks",
                       (unsigned long long)regs->r[REG_ESP]);
    w.prev = regs->r[REG_ESP] - word;
    add_frame(&w, regs->r[REG_ESP], regs->r[REG_EIP], 0, true, -1);
    walk(&w, regs->r[REG_EBP]);
    return 0;
}

/* A sleeping task: thread.sp points at the struct inactive_task_frame __switch_to_asm pushed. Its
 * bp member is a frame like any other: the saved frame pointer, then the return into __schedule. */
static int unwind_blocked(struct kernel *k, uint64_t task, unsigned cpu, struct backtrace *bt, ks_err *err)
{
    struct walker w;
    uint64_t sp, bp_off;
    if (walker_init(k, task, cpu, bt, &w, err))
        return -1;
    bt->start = "saved switch frame";
    if (kread_member(k, task, "struct task_struct", "thread.sp", &sp, err))
        return -1;
    if (kmember_off(k, "struct inactive_task_frame", "bp", &bp_off, err))
        return -1;
    if (!stack_holding(&bt->stacks, sp, k->arch->word_size))
        return ks_fail(err, "thread.sp %#llx is outside the task's stack", (unsigned long long)sp);
    walk(&w, sp + bp_off);
    return 0;
}

int unwind_task(struct kernel *k, uint64_t task, unsigned cpu, bool on_cpu, struct backtrace *bt, ks_err *err)
{
    const struct cpu_regs *regs = on_cpu ? cpu_note_regs(k, cpu) : NULL;
    if (!regs)
        return unwind_blocked(k, task, cpu, bt, err);
    int rc = unwind_from_regs(k, task, cpu, regs, bt, err);
    bt->start = k->dump->cpu[cpu].has_cr3 ? "CPU registers (QEMU note)" : "CPU registers (NT_PRSTATUS)";
    return rc;
}
