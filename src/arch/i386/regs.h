/*
 * i386 registers: the set a CPU note or an exception frame gives. The order is the ELF core
 * ABI's (struct user_regs_struct, the pr_reg of NT_PRSTATUS), which is also how crash prints
 * them; the kernel's struct pt_regs is read by member name from the DWARF, never by position.
 */
#ifndef KS_I386_REGS_H
#define KS_I386_REGS_H
#include <stdbool.h>
#include <stdint.h>

enum i386_reg {
    REG_EBX,
    REG_ECX,
    REG_EDX,
    REG_ESI,
    REG_EDI,
    REG_EBP,
    REG_EAX,
    REG_DS,
    REG_ES,
    REG_FS,
    REG_GS,
    REG_ORIG_EAX,
    REG_EIP,
    REG_CS,
    REG_EFLAGS,
    REG_ESP,
    REG_SS,
    REG_COUNT
};

struct cpu_regs {
    uint64_t r[REG_COUNT];
    bool valid;
};

/* Selectors of the i386 GDT layout (arch/x86/include/asm/segment.h): the kernel's code segment,
 * user code, and the user data segment the entry code loads into DS and ES on every entry. */
#define I386_KERNEL_CS 0x60
#define I386_USER_CS   0x73
#define I386_USER_DS   0x7b

/* The length of the call instruction that ends at a return address, from the 7 bytes before it
 * (e8 rel32; ff /2 through a register, disp8, disp32 or a SIB byte); 0 if none decodes. */
unsigned i386_call_length(const uint8_t before[7]);

/* crash's names: "EAX", "EIP", "ERR" for orig_eax. */
const char *i386_reg_name(enum i386_reg r);
/* The struct pt_regs member that holds it: "ax", "ip", "orig_ax", "cs". */
const char *i386_pt_regs_member(enum i386_reg r);

/* A selector's requested privilege level: 3 is user mode. */
static inline bool i386_user_mode(const struct cpu_regs *regs)
{
    return (regs->r[REG_CS] & 3) == 3;
}

#endif
