/* placement: find the KASLR offset and prove the vmlinux belongs to the dump (see placement.c). */
#ifndef KS_PLACEMENT_H
#define KS_PLACEMENT_H
#include "kernel.h"

/* Sets k->kaslr_offset, k->kaslr_source, k->pgd_paddr, k->banner, k->release. */
int kernel_place(struct kernel *k, ks_err *err);

#endif
