/* i386 decoding through capstone (see disasm.h). */
#include "disasm.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct disasm {
    csh handle;
    cs_insn *insn; /* capstone's scratch instruction, reused */
};

struct disasm *disasm_open(ks_err *err)
{
    struct disasm *d = xcalloc(1, sizeof *d);
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &d->handle) != CS_ERR_OK) {
        free(d);
        ks_fail(err, "capstone cannot open an x86-32 decoder");
        return NULL;
    }
    cs_option(d->handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
    cs_option(d->handle, CS_OPT_DETAIL, CS_OPT_ON);
    d->insn = cs_malloc(d->handle);
    return d;
}

void disasm_close(struct disasm *d)
{
    if (!d)
        return;
    cs_free(d->insn, 1);
    cs_close(&d->handle);
    free(d);
}

/* A direct branch: one immediate operand and a jump or call group. */
static void branch_target(const cs_insn *ci, struct insn *out)
{
    const cs_detail *det = ci->detail;
    bool jump = false;
    for (unsigned g = 0; det && g < det->groups_count; g++) {
        if (det->groups[g] == X86_GRP_CALL)
            out->is_call = jump = true;
        if (det->groups[g] == X86_GRP_JUMP)
            jump = true;
    }
    if (jump && det->x86.op_count == 1 && det->x86.operands[0].type == X86_OP_IMM) {
        out->has_target = true;
        out->target = (uint32_t)det->x86.operands[0].imm;
    }
}

/* The WAITPKG instructions capstone 4 does not know (66/f2/f3 0f ae /6 with a register operand:
 * tpause, umwait, umonitor), which kernels since 5.16 and 5.10's stable updates have in
 * delay_halt_tpause. Returns 0 when the bytes are one of them. */
static int decode_waitpkg(const uint8_t *code, size_t n, uint64_t addr, struct insn *out)
{
    static const char *const regs[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    if (n < 4 || code[1] != 0x0f || code[2] != 0xae || (code[3] & 0xf8) != 0xf0)
        return -1;
    const char *name = code[0] == 0x66 ? "tpause" : code[0] == 0xf2 ? "umwait" : code[0] == 0xf3 ? "umonitor" : NULL;
    if (!name)
        return -1;
    out->addr = addr;
    out->len = 4;
    memcpy(out->bytes, code, 4);
    snprintf(out->mnemonic, sizeof out->mnemonic, "%s", name);
    snprintf(out->operands, sizeof out->operands, "%%%s", regs[code[3] & 7]);
    return 0;
}

int disasm_one(struct disasm *d, const uint8_t *code, size_t n, uint64_t addr, struct insn *out, ks_err *err)
{
    const uint8_t *p = code;
    size_t left = n;
    uint64_t at = addr;
    memset(out, 0, sizeof *out);
    if (!cs_disasm_iter(d->handle, &p, &left, &at, d->insn)) {
        if (decode_waitpkg(code, n, addr, out) == 0)
            return 0;
        return ks_fail(err, "no instruction at %#llx (bytes %02x %02x ...)", (unsigned long long)addr, n ? code[0] : 0,
                       n > 1 ? code[1] : 0);
    }
    const cs_insn *ci = d->insn;
    out->addr = addr;
    out->len = ci->size;
    memcpy(out->bytes, ci->bytes, KS_MIN(sizeof out->bytes, (size_t)ci->size));
    snprintf(out->mnemonic, sizeof out->mnemonic, "%s", ci->mnemonic);
    snprintf(out->operands, sizeof out->operands, "%s", ci->op_str);
    branch_target(ci, out);
    return 0;
}
