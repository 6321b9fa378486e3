/*
 * The i386 unwinder over fuzzed stacks, with real layouts (the np-96m vmlinux's DWARF). The input
 * is memory at init_task; its task->stack is pointed at the input itself, so the first
 * THREAD_SIZE bytes are the task's stack (overlapping its task_struct, which the walk must
 * survive), and thread.sp and a register set come from the input's first words. The walk must
 * end — bounded, never outside the stack — whatever the frame chain says.
 */
#include "fuzz_kernel.h"
#include "kernel/unwind.h"

static struct kernel kern;
static int ready;
static uint64_t stack_off, sp_off, thread_size;

static int setup(void)
{
    if (fuzz_kernel_setup(&kern, "init_task"))
        return -1;
    ks_err err;
    if (kmember_off(&kern, "struct task_struct", "stack", &stack_off, &err))
        return -1;
    if (kmember_off(&kern, "struct task_struct", "thread.sp", &sp_off, &err))
        return -1;
    return kthread_size(&kern, &thread_size, &err);
}

static void put32(uint8_t *p, uint64_t v)
{
    uint32_t w = (uint32_t)v;
    memcpy(p, &w, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        ready = setup() == 0 ? 1 : -1;
    if (ready < 0 || size < 4 + 4 * REG_COUNT || size > (1u << 20))
        return 0;
    size_t total = KS_MAX(size, (size_t)thread_size);
    if (total < stack_off + 4 || total < sp_off + 4)
        return 0;
    uint8_t *mem = calloc(1, total);
    memcpy(mem, data, size);
    uint64_t base = kern.page_offset + KS_PAGE_SIZE; /* where fuzz_kernel_map puts the input */
    put32(mem + stack_off, base);
    put32(mem + sp_off, base + le32(data) % thread_size);
    int fd = fuzz_kernel_map(&kern, mem, total, "init_task");
    free(mem);
    if (fd < 0)
        return 0;
    struct backtrace *bt = calloc(1, sizeof *bt);
    ks_err err;
    uint64_t task = base;
    unwind_task(&kern, task, 0, false, bt, &err);
    struct cpu_regs regs = {.valid = true};
    for (int r = 0; r < REG_COUNT; r++)
        regs.r[r] = le32(data + 4 + 4 * r);
    regs.r[REG_ESP] = base + regs.r[REG_ESP] % thread_size;
    regs.r[REG_EBP] = base + regs.r[REG_EBP] % thread_size;
    unwind_from_regs(&kern, task, 0, &regs, bt, &err);
    free(bt);
    fuzz_kernel_unmap(&kern, fd);
    return 0;
}
