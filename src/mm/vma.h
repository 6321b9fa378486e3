/*
 * vma: a process's memory regions, as /proc/PID/maps lists them.
 *  - for_each_vma(): in address order. 6.1+ keeps them in the maple tree mm->mm_mt; older kernels in
 *    the mm->mmap list linked by vm_next. Which one is decided in one place (vma.c: vma_source()),
 *    by what the DWARF says struct mm_struct has.
 *  - each region's name: the mapped file's path (d_path across mounts), or [heap], [stack],
 *    [vdso], [vvar] by the same rules as fs/proc/task_mmu.c.
 * Walks are bounded: a corrupt tree or list gives an error, never a hang.
 */
#ifndef KS_VMA_H
#define KS_VMA_H
#include <stdint.h>

#include "../kernel/kernel.h"
#include "../kernel/vfs.h" /* file_path() */

#define VM_READ 0x1ull
#define VM_WRITE 0x2ull
#define VM_EXEC 0x4ull
#define VM_MAYSHARE 0x80ull

struct vma_info {
    uint64_t vma, start, end, flags, pgoff, file;
    char perms[5];          /* "rw-p" */
    char name[512];         /* path, [heap]..., or "" */
};

int for_each_vma(struct kernel *k, uint64_t mm, int (*fn)(struct kernel *k, const struct vma_info *v, void *arg), void *arg,
                 ks_err *err);
/* The VMA holding addr (result 1), none (0), or error (-1). */
int find_vma(struct kernel *k, uint64_t mm, uint64_t addr, struct vma_info *out, ks_err *err);

#endif
