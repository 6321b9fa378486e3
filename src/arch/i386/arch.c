/* i386 as src/arch/arch.h describes an architecture. */
#include "../arch.h"

#include "pagewalk.h"
#include "regs.h"

/* pte_t is 4 bytes with 2-level paging and 8 with PAE (a build-time choice the DWARF records). */
static const struct pt_format *i386_paging_for(unsigned pte_size)
{
    if (pte_size == 4)
        return &pt_i386_2level;
    if (pte_size == 8)
        return &pt_i386_pae;
    return 0;
}

const struct arch arch_i386 = {
    .name = "i386",
    .word_size = 4,
    .vaddr_max = 0xFFFFFFFFull,
    .page_offset_min = 0x40000000ull, /* CONFIG_VMSPLIT_1G; the usual 3G split gives 0xC0000000 */
    /* CONFIG_PHYSICAL_ALIGN is at least 8 KB on i386; a page multiple is checked, the banner proves the rest. */
    .kaslr_align = 4096,
    .paging_for = i386_paging_for,
    /* struct elf_prstatus (i386): siginfo, cursig, sigpend, sighold, pids, four timevals, then pr_reg. */
    .prstatus = {.pr_reg_offset = 72, .nregs = REG_COUNT},
    .stack = {.ret_offset = 4, .frame_size = 8, .thread_align = 4096},
};
