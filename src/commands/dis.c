/*
 * dis — disassemble kernel code from the dump, as crash does (AT&T syntax, like gdb):
 *   0xc1205d90 <schedule+0>:      push   %ebp
 * The bytes are read through the kernel's own page tables, so module code and KASLR kernels
 * need nothing more; names come from the vmlinux symbols or a module's kallsyms. The decoding
 * is capstone's (src/arch/i386/disasm.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../arch/i386/disasm.h"
#include "../kernel/module_object.h"
#include "commands.h"

#define DIS_MAX_INSNS    100000u
#define DIS_MAX_FUNCTION (1u << 20)

struct dis_args {
    bool lines, reverse;
    const char *where;
    uint64_t addr, count;
    bool have_count;
};

static int parse_args(struct session *s, int argc, char **argv, struct dis_args *a, ks_err *err)
{
    memset(a, 0, sizeof *a);
    const char *count = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-l"))
            a->lines = true;
        else if (!strcmp(argv[i], "-r"))
            a->reverse = true;
        else if (argv[i][0] == '-')
            return ks_fail(err, "unknown option %s", argv[i]);
        else if (!a->where)
            a->where = argv[i];
        else if (!count)
            count = argv[i];
        else
            return ks_fail(err, "too many arguments");
    }
    if (!a->where)
        return ks_fail(err, "usage: dis [-l] [-r] ADDRESS|SYMBOL[+OFFSET] [COUNT]");
    if (cmd_parse_addr(s, a->where, &a->addr, err))
        return -1;
    if (count && (!parse_u64(count, 10, &a->count) || !a->count || a->count > DIS_MAX_INSNS))
        return ks_fail(err, "bad count %s (1 to %u instructions)", count, DIS_MAX_INSNS);
    a->have_count = count != NULL;
    return 0;
}

/* The range to decode: [start, end) and at most max instructions. */
static int choose_range(struct session *s, const struct dis_args *a, uint64_t *start, uint64_t *end, uint64_t *max, ks_err *err)
{
    struct ksym_where w;
    bool known = ksym_where(&s->k, a->addr, &w) && w.text;
    *start = a->addr;
    *end = UINT64_MAX;
    *max = a->have_count ? a->count : 1;
    if (a->reverse) {
        if (!known)
            return ks_fail(err, "%#llx is in no known function: -r needs one", (unsigned long long)a->addr);
        *start = a->addr - w.offset;
        *end = a->addr + 1;
        *max = DIS_MAX_INSNS;
    } else if (known && w.offset == 0 && !a->have_count && w.size) {
        *end = a->addr + KS_MIN(w.size, (uint64_t)DIS_MAX_FUNCTION); /* a whole function */
        *max = DIS_MAX_INSNS;
    }
    return 0;
}

/* gdb's way of naming a branch target: 0xADDRESS <symbol+decimal offset>. */
static void target_text(struct session *s, const struct insn *in, char *out, size_t n)
{
    struct ksym_where w;
    if (!ksym_where(&s->k, in->target, &w))
        snprintf(out, n, "0x%" PRIx64, in->target);
    else if (w.offset)
        snprintf(out, n, "0x%" PRIx64 " <%s+%" PRIu64 ">", in->target, w.name, w.offset);
    else
        snprintf(out, n, "0x%" PRIx64 " <%s>", in->target, w.name);
}

/* Operands as gdb separates them ("%esp,%ebp"); capstone writes ", ". */
static void gdb_operands(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < n; p++) {
        if (p[0] == ',' && p[1] == ' ') {
            out[o++] = ',';
            p++;
            continue;
        }
        out[o++] = *p;
    }
    out[o] = 0;
}

struct dis_line {
    char where[160], text[384], file[512];
    unsigned line;
    bool have_line;
};

static void describe(struct session *s, const struct dis_args *a, const struct insn *in, struct dis_line *d)
{
    struct ksym_where w;
    if (ksym_where(&s->k, in->addr, &w))
        snprintf(d->where, sizeof d->where, "%s+%" PRIu64, w.name, w.offset);
    else
        snprintf(d->where, sizeof d->where, "%s", "?");
    char ops[200];
    if (in->has_target)
        target_text(s, in, ops, sizeof ops);
    else
        gdb_operands(in->operands, ops, sizeof ops);
    snprintf(d->text, sizeof d->text, "%-6s %s", in->mnemonic, ops);
    size_t n = strlen(d->text);
    while (n && d->text[n - 1] == ' ')
        d->text[--n] = 0;
    d->have_line = a->lines && kcode_line(&s->k, in->addr, d->file, sizeof d->file, &d->line, NULL) == 0;
}

/* gdb's line "0xADDRESS <symbol+offset>:\tINSTRUCTION", after "FILE: LINE" when the source line
 * changes; programs get the parts. */
static const struct column dis_cols[] = {
    COL_S("", "file", 0, 0),
    COL_JSON(CT_UNSIGNED, "line"),
    COLUMN(CT_HEX, "0x", "address", 0, 0, 0, COL_BREAK),
    COL_JSON(CT_STR, "symbol"),
    COL_JSON(CT_UNSIGNED, "offset"),
    COL_JSON(CT_UNSIGNED, "length"),
    COL_JSON(CT_STR, "mnemonic"),
    COL_MORE(CT_STR, " <", "where", 0, 0, COL_TEXT_ONLY, ">:"),
    COL_S("\t", "text", 0, 0),
    COL_JSON(CT_HEX, "target"),
};

static bool same_line(const struct dis_line *a, const struct dis_line *b)
{
    return b && b->have_line && a->line == b->line && !strcmp(a->file, b->file);
}

static void put_insn(struct session *s, struct table *t, const struct insn *in, const struct dis_line *d,
                     const struct dis_line *prev)
{
    struct ksym_where w;
    bool known = ksym_where(&s->k, in->addr, &w);
    char source[sizeof d->file + 16];
    snprintf(source, sizeof source, "%s: %u", d->file, d->line);
    row_begin(t);
    put_u(t, "address", in->addr);
    put_s(t, "symbol", known ? w.name : NULL);
    if (known)
        put_u(t, "offset", w.offset);
    else
        put_null(t, "offset");
    put_u(t, "length", in->len);
    put_s(t, "mnemonic", in->mnemonic);
    put_s(t, "where", d->where);
    put_s(t, "text", d->text);
    if (in->has_target)
        put_u(t, "target", in->target);
    else
        put_null(t, "target");
    put_s_as(t, "file", d->have_line ? d->file : NULL, d->have_line && !same_line(d, prev) ? source : NULL);
    if (d->have_line)
        put_u(t, "line", d->line);
    else
        put_null(t, "line");
    row_end(t);
}

/* The longest i386 instruction is 15 bytes; near the end of mapped code, only what is left of
 * the page is read, so no byte is decoded that the dump does not hold. */
static int read_code(struct session *s, uint64_t pc, uint8_t *code, size_t *len, ks_err *err)
{
    *len = 16;
    if (kread(&s->k, pc, code, *len, NULL) == 0)
        return 0;
    *len = KS_MIN((size_t)16, (size_t)(KS_PAGE_SIZE - (pc & (KS_PAGE_SIZE - 1))));
    return kread(&s->k, pc, code, *len, err);
}

static int disassemble(struct session *s, const struct dis_args *a, struct table *t, ks_err *err)
{
    uint64_t pc, end, max;
    if (choose_range(s, a, &pc, &end, &max, err))
        return -1;
    if (!s->k.disasm && !(s->k.disasm = disasm_open(err)))
        return -1;
    struct dis_line cur, prev;
    bool have_prev = false;
    for (uint64_t n = 0; n < max && pc < end; n++) {
        uint8_t code[16];
        size_t len;
        struct insn in;
        if (read_code(s, pc, code, &len, err))
            return -1;
        if (disasm_one(s->k.disasm, code, len, pc, &in, err))
            return -1;
        describe(s, a, &in, &cur);
        put_insn(s, t, &in, &cur, have_prev ? &prev : NULL);
        prev = cur;
        have_prev = true;
        pc += in.len;
    }
    return 0;
}

static int run_dis(struct session *s, int argc, char **argv)
{
    struct dis_args a;
    ks_err err;
    if (parse_args(s, argc, argv, &a, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct table t;
    table_begin(s, &t, "instructions", dis_cols);
    table_set_style(&t, STYLE_LABELS);
    return table_end(&t, disassemble(s, &a, &t, &err)) ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_dis = {
    "dis",
    "dis [-l] [-r] ADDRESS|SYMBOL[+OFFSET] [COUNT]",
    "disassemble kernel or module code",
    "Decodes i386 instructions (capstone, AT&T syntax as gdb and crash print them) from the dump's\n"
    "memory, read through the kernel's page tables. Each line: `0xADDRESS <symbol+offset>:` and the\n"
    "instruction; direct calls and jumps name their target as `0xADDRESS <symbol+offset>`. Offsets\n"
    "are decimal and operands comma-separated, as gdb prints them; mnemonics keep capstone's size\n"
    "suffixes (movl, pushl, calll) where gdb leaves out the ones the operands imply.\n"
    "  ADDRESS|SYMBOL  where to start; a function's name (or its first address) with no COUNT\n"
    "                  disassembles the whole function (its ELF symbol size)\n"
    "  COUNT           that many instructions (default 1 from an address inside a function)\n"
    "  -r              from the start of the function up to and including the instruction at\n"
    "                  ADDRESS: the instructions that led to it (e.g. a faulting EIP from bt)\n"
    "  -l              the source file and line (DWARF line tables) before each new line's code\n"
    "Module code is named from the module's kallsyms in the dump (file/line: vmlinux only).\n"
    "JSON: "
    "{\"instructions\":[{\"address\",\"symbol\",\"offset\",\"length\",\"mnemonic\",\"text\",\"target\",\"file\",\"line\"}]}",
    run_dis,
};
