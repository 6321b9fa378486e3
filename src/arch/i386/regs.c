/* Register names: crash's for printing, the kernel's pt_regs members for reading frames. */
#include "regs.h"

#include <stddef.h>

static const char *const crash_names[REG_COUNT] = {
    [REG_EBX] = "EBX", [REG_ECX] = "ECX", [REG_EDX] = "EDX",       [REG_ESI] = "ESI", [REG_EDI] = "EDI", [REG_EBP] = "EBP",
    [REG_EAX] = "EAX", [REG_DS] = "DS",   [REG_ES] = "ES",         [REG_FS] = "FS",   [REG_GS] = "GS",   [REG_ORIG_EAX] = "ERR",
    [REG_EIP] = "EIP", [REG_CS] = "CS",   [REG_EFLAGS] = "EFLAGS", [REG_ESP] = "ESP", [REG_SS] = "SS",
};

static const char *const pt_regs_members[REG_COUNT] = {
    [REG_EBX] = "bx", [REG_ECX] = "cx", [REG_EDX] = "dx",       [REG_ESI] = "si", [REG_EDI] = "di", [REG_EBP] = "bp",
    [REG_EAX] = "ax", [REG_DS] = "ds",  [REG_ES] = "es",        [REG_FS] = "fs",  [REG_GS] = "gs",  [REG_ORIG_EAX] = "orig_ax",
    [REG_EIP] = "ip", [REG_CS] = "cs",  [REG_EFLAGS] = "flags", [REG_ESP] = "sp", [REG_SS] = "ss",
};

const char *i386_reg_name(enum i386_reg r)
{
    return (unsigned)r < REG_COUNT ? crash_names[r] : "?";
}

const char *i386_pt_regs_member(enum i386_reg r)
{
    return (unsigned)r < REG_COUNT ? pt_regs_members[r] : NULL;
}

unsigned i386_call_length(const uint8_t b[7])
{
    if (b[2] == 0xe8)
        return 5;
    if (b[5] == 0xff && (b[6] & 0xf8) == 0xd0)
        return 2;
    if (b[4] == 0xff && b[5] == 0x14)
        return 3;
    if (b[4] == 0xff && (b[5] & 0xf8) == 0x50 && (b[5] & 7) != 4)
        return 3;
    if (b[3] == 0xff && b[4] == 0x54)
        return 4;
    if (b[1] == 0xff && ((b[2] & 0xf8) == 0x90 || b[2] == 0x15))
        return 6;
    if (b[0] == 0xff && b[1] == 0x94)
        return 7;
    /* call *table(,%reg,4): SIB with no base register, a 32-bit displacement (5.10's system-call
     * table call in __do_fast_syscall_32: ff 14 95 disp32). */
    if (b[0] == 0xff && b[1] == 0x14 && (b[2] & 7) == 5)
        return 7;
    return 0;
}
