/*
 * unwind: a task's kernel stack, frame by frame, by the rules of the kernel's own i386
 * frame-pointer unwinder (arch/x86/kernel/unwind_frame.c):
 *  - a frame at address F holds the caller's frame pointer at F and the return address at F+4;
 *  - a frame pointer with bit 31 clear is an entry frame: ENCODE_FRAME_POINTER stored the
 *    address of a struct pt_regs with that bit cleared, and the walk continues from the
 *    registers it holds (regs->ip, regs->bp); user-mode registers end the walk;
 *  - the chain may only go up its stack, and may leave an IRQ stack for the stack it
 *    interrupted, never come back; every address must lie on one of the task's stacks.
 * The start: a CPU's registers from the dump's notes for the task it was running (NT_PRSTATUS
 * of kdump, QEMU's per-CPU state), else the task's saved switch frame (thread.sp points at a
 * struct inactive_task_frame). The walk is bounded; where it stops early it says why.
 */
#ifndef KS_UNWIND_H
#define KS_UNWIND_H
#include <stdbool.h>
#include <stdint.h>

#include "../arch/i386/regs.h"
#include "kernel.h"
#include "stacks.h"

#define BT_MAX_FRAMES 256

struct bt_frame {
    uint64_t sp; /* where the frame lies: the return-address slot, or the stack pointer */
    uint64_t pc; /* a return address, or (exact) the instruction the CPU was at */
    uint64_t fp; /* the frame header (0 for a frame from registers) */
    bool exact;  /* pc came from registers, not from a return address */
    enum stack_type stack;
    int exception; /* >= 0: the index of the exception frame this frame's registers came from */
};

struct bt_exception {
    uint64_t addr; /* of the struct pt_regs */
    struct cpu_regs regs;
    bool user;     /* user-mode registers: where the task entered the kernel */
    bool start;    /* the registers the walk started from (addr 0: not on a stack) */
    size_t before; /* printed before frames[before] (== nframes: after the last) */
};

struct backtrace {
    uint64_t task;
    unsigned cpu;
    const char *start; /* "CPU registers (QEMU note)", "NT_PRSTATUS", "saved switch frame" */
    struct bt_frame frames[BT_MAX_FRAMES];
    size_t nframes;
    struct bt_exception exc[16];
    size_t nexc;
    struct task_stacks stacks;
    char stop[KS_ERR_MAX]; /* "" after a normal end; else why the walk stopped */
};

/* The dump's registers of a CPU, if it has them for this task. */
const struct cpu_regs *cpu_note_regs(struct kernel *k, unsigned cpu);
/* Unwind a task that last ran on cpu; on_cpu: it was that CPU's current task at the dump (its
 * registers then come from the dump's note). Returns -1 only when not even the first frame can
 * be found. */
int unwind_task(struct kernel *k, uint64_t task, unsigned cpu, bool on_cpu, struct backtrace *bt, ks_err *err);
/* Unwind from given registers (an exception frame found on a stack: bt -e). */
int unwind_from_regs(struct kernel *k, uint64_t task, unsigned cpu, const struct cpu_regs *regs, struct backtrace *bt,
                     ks_err *err);
/* Read a struct pt_regs by its DWARF members. */
int read_pt_regs(struct kernel *k, uint64_t addr, struct cpu_regs *regs, ks_err *err);
/* The address of the call instruction a return address follows (i386 call encodings). */
uint64_t call_site(struct kernel *k, uint64_t ret);

#endif
