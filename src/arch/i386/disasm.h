/*
 * disasm: i386 instructions decoded by capstone (32-bit mode, AT&T syntax, as gdb and crash
 * print them). The decoder is a handle the caller owns (struct kernel keeps one); nothing here
 * knows about kernels or symbols: the caller names branch targets.
 */
#ifndef KS_I386_DISASM_H
#define KS_I386_DISASM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../util/util.h"

struct disasm;

struct insn {
    uint64_t addr;
    unsigned len;
    uint8_t bytes[16];
    char mnemonic[32];
    char operands[160];
    bool has_target; /* a direct call or jump */
    bool is_call;
    uint64_t target;
};

struct disasm *disasm_open(ks_err *err);
void disasm_close(struct disasm *d);
/* Decode the instruction at the start of code (n bytes, at address addr). 0, or -1 with err
 * when the bytes are not an instruction. */
int disasm_one(struct disasm *d, const uint8_t *code, size_t n, uint64_t addr, struct insn *out, ks_err *err);

#endif
