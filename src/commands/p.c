/*
 * p — print the value of a C expression over the kernel's DWARF types, as gdb (and so crash) does:
 *   p jiffies_64                 a variable
 *   p init_task.mm->pgd[768]     members, pointers (gdb's '.' follows them too), bounds-checked subscripts
 *   p *(struct mm_struct *)ADDR  casts, & and *, sizeof, arithmetic with C's precedence
 *   p/x EXPR, p -x EXPR          integers in hex (/d /u /o /t /c also)
 *   p current_task               a per-CPU variable: its value on every CPU (p -c 1 / current_task:1: one)
 *   p per_cpu(runqueues, 1).nr_running
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../expr/expr_kernel.h"
#include "../kernel/printval.h"
#include "commands.h"

struct p_request {
    struct printval_opts po;
    const char *cpus; /* -c LIST or crash's VARIABLE:LIST, or NULL for every CPU */
    char *text;       /* the expression: every word after the options */
};

/* crash's CPU lists: "a" or "all", "1", "0,2", "1-3". */
static bool cpu_list_valid(const char *spec)
{
    if (!strcmp(spec, "a") || !strcmp(spec, "all"))
        return true;
    size_t n = strspn(spec, "0123456789,-");
    return n && !spec[n] && strchr("0123456789", spec[0]) && strchr("0123456789", spec[n - 1]) && !strstr(spec, ",,") &&
           !strstr(spec, "--");
}

static bool cpu_wanted(const char *spec, unsigned cpu)
{
    if (!spec || !strcmp(spec, "a") || !strcmp(spec, "all"))
        return true;
    for (const char *p = spec; *p;) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        if (*end == '-')
            hi = strtoul(end + 1, &end, 10);
        if (cpu >= lo && cpu <= hi)
            return true;
        p = *end == ',' ? end + 1 : end;
    }
    return false;
}

/* "runqueues:1" -> "runqueues" and the list "1" (not in a ?: expression, whose ':' is C's). */
static void split_cpu_suffix(struct p_request *r)
{
    char *colon = strrchr(r->text, ':');
    if (!colon || strchr(r->text, '?') || colon == r->text || colon[-1] == ' ' || !cpu_list_valid(colon + 1))
        return;
    *colon = 0;
    r->cpus = colon + 1;
}

static int parse_format(const char *f, struct printval_opts *po)
{
    if (strlen(f) != 1 || !strchr("xduotcs", f[0]))
        return -1;
    po->fmt = f[0];
    po->hex = false;
    return 0;
}

static int parse_request(struct session *s, int argc, char **argv, struct p_request *r)
{
    const char *slash = strchr(argv[0], '/');
    if (slash && parse_format(slash + 1, &r->po))
        return cmd_fail(s, "p", "unknown format /%s (x d u o t c s)", slash + 1);
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-x"))
            r->po.hex = true;
        else if (!strcmp(argv[i], "-d"))
            r->po.hex = false;
        else if (argv[i][0] == '/' && i == 1 && !slash) {
            if (parse_format(argv[i] + 1, &r->po))
                return cmd_fail(s, "p", "unknown format %s (x d u o t c s)", argv[i]);
        } else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
            if (!cpu_list_valid(argv[++i]))
                return cmd_fail(s, "p", "-c wants CPUs such as 1, 0,2, 1-3, a or all, not %s", argv[i]);
            r->cpus = argv[i];
        } else if (argv[i][0] == '-' && isalpha((unsigned char)argv[i][1]) && !argv[i][2] && i + 1 < argc) {
            /* "-z x" is an option crash does not know, not the expression "-z x" */
            return cmd_fail(s, "p", "unknown option %s (-x, -d, -c CPUS, /FMT)", argv[i]);
        } else {
            break;
        }
    }
    if (i == argc)
        return cmd_fail(s, "p", "usage: %s", cmd_p.usage);
    strbuf sb;
    sb_init(&sb);
    for (; i < argc; i++) {
        sb_puts(&sb, argv[i]);
        if (i + 1 < argc)
            sb_putc(&sb, ' ');
    }
    r->text = sb_steal(&sb);
    if (!r->cpus)
        split_cpu_suffix(r);
    return 0;
}

/* The value's bytes when it is not (simply) in memory: an rvalue, or a bit-field. */
static int scalar_bytes(struct expr_ctx *x, const struct expr_value *v, uint8_t bytes[8], ks_err *err)
{
    uint64_t bits;
    if (expr_scalar(x, v, &bits, err))
        return -1;
    for (int i = 0; i < 8; i++)
        bytes[i] = (uint8_t)(bits >> (8 * i));
    return 0;
}

static bool in_memory(const struct expr_value *v)
{
    return v->lvalue && !v->bit_size;
}

/* "EXPR = VALUE" (gdb's line); programs get the value's type and address too. A per-CPU variable
 * is one such line per CPU, labelled per_cpu(EXPR, CPU) as crash labels them. */
static const struct column p_cols[] = {
    COL_S("", "expr", 0, 0),      COL_JSON(CT_STR, "type"), COL_JSON(CT_HEX, "address"),
    COL_VALUE(" = ", "value", 0), COL_LIST("per_cpu"),
};

static const struct column cpu_cols[] = {
    COL_TEXT(CT_STR, "", "label", 0, 0), COL_JSON(CT_UNSIGNED, "cpu"), COL_JSON(CT_STR, "type"),
    COL_JSON(CT_HEX, "address"),         COL_VALUE(" = ", "value", 0),
};

/* The value's type, address and the value itself, once the expression is evaluated. */
static int put_result(struct table *t, struct expr_ctx *x, const struct expr_node *root, const struct printval_opts *po,
                      ks_err *err)
{
    struct kernel *k = &t->s->k;
    struct expr_value v;
    if (expr_eval(x, root, &v, err))
        return -1;
    char tn[512];
    kt_name(k->dwarf, v.type, tn, sizeof tn);
    put_s(t, "type", tn);
    if (v.lvalue)
        put_u(t, "address", v.addr);
    else
        put_null(t, "address");
    struct value_cell cell;
    if (in_memory(&v))
        return put_rendered(t, "value", value_cell_at(&cell, k, v.type, v.addr, 0, po), err);
    uint8_t bytes[8];
    if (kt_size(v.type) > 8)
        return ks_fail(err, "a value of %" PRIu64 " bytes not in memory", kt_size(v.type));
    if (scalar_bytes(x, &v, bytes, err))
        return -1;
    return put_rendered(t, "value", value_cell_bytes(&cell, k, v.type, bytes, po), err);
}

/* The CPUs to show: those asked for (any the kernel was built for), else the online ones. */
static unsigned cpu_limit(struct session *s, const struct p_request *r)
{
    return r->cpus ? kpossible_cpus(&s->k) : expr_kernel_cpus(&s->k);
}

/* One row per CPU asked for; a CPU whose copy cannot be read ends the command with its label. */
static int put_per_cpu(struct table *r, struct expr_ctx *x, const struct expr_node *root, const struct p_request *req)
{
    struct session *s = r->s;
    struct table t;
    table_begin_in(r, &t, "per_cpu", cpu_cols);
    table_set_style(&t, STYLE_LABELS);
    unsigned shown = 0;
    int rc = 0;
    for (unsigned cpu = 0; cpu < cpu_limit(s, req) && rc == 0; cpu++) {
        if (!cpu_wanted(req->cpus, cpu))
            continue;
        char label[EXPR_MAX_TEXT + 32];
        snprintf(label, sizeof label, "per_cpu(%s, %u)", req->text, cpu);
        x->cpu = (int)cpu;
        ks_err err;
        row_begin(&t);
        put_s(&t, "label", label);
        put_u(&t, "cpu", cpu);
        if (put_result(&t, x, root, &req->po, &err)) {
            table_drop_line(&t);
            rc = cmd_fail(s, "p", "%s: %s", label, err.msg);
        }
        row_end(&t);
        shown++;
    }
    table_end(&t, rc);
    if (!rc && !shown)
        rc = cmd_fail(s, "p", "no CPU %s: the kernel was built for %u", req->cpus, cpu_limit(s, req));
    return rc;
}

static int run_expr(struct session *s, struct expr_ctx *x, const struct expr_node *root, const struct p_request *r, bool percpu)
{
    struct table t;
    record_begin(s, &t, p_cols);
    if (percpu) {
        put_s_as(&t, "expr", r->text, NULL); /* people see each CPU's label instead */
        return record_end(&t, put_per_cpu(&t, x, root, r));
    }
    ks_err err;
    put_s(&t, "expr", r->text);
    int rc = put_result(&t, x, root, &r->po, &err);
    if (rc)
        table_drop_line(&t);
    return record_end(&t, rc) ? cmd_fail_err(s, "p", &err) : 0;
}

static int run_p(struct session *s, int argc, char **argv)
{
    struct p_request r = {.po = {.hex = s->radix == 16}};
    if (parse_request(s, argc, argv, &r))
        return 1;
    struct expr_kernel kx;
    struct expr_ctx x;
    struct expr_node *root;
    ks_err err;
    expr_kernel_init(&kx, &s->k, false);
    expr_init(&x, &kx.env);
    int rc;
    if (expr_parse(&x, r.text, &root, &err)) {
        rc = cmd_fail_err(s, "p", &err);
    } else {
        bool percpu = expr_uses_percpu(&x, root);
        if (r.cpus && !percpu)
            rc = cmd_fail(s, "p", "%s names no per-CPU variable: a CPU cannot be chosen", r.text);
        else
            rc = run_expr(s, &x, root, &r, percpu);
    }
    expr_free(&x);
    free(r.text);
    return rc;
}

const struct command cmd_p = {
    "p",
    "p[/FMT] [-x|-d] [-c CPUS] EXPRESSION[:CPUS]",
    "print a kernel variable with its type",
    "Evaluates a C expression over the vmlinux's DWARF types, as gdb's print does, and prints its\n"
    "value read from the dump: structs member by member, pointers in hex (function pointers with\n"
    "their symbol), char arrays as strings, enums by name, functions as {TYPE} ADDRESS <SYMBOL>.\n"
    "Expressions: variables, enumerators and symbols; members with . and -> (. also follows a\n"
    "pointer); subscripts, checked against the DWARF array bounds; unary - ~ ! * & and casts such as\n"
    "(struct task_struct *)0xc1a2b3c0; sizeof(TYPE) and sizeof EXPR; &((struct page *)0)->lru;\n"
    "* / % + - << >> < <= > >= == != & ^ | && || ?: with C's precedence; pointer arithmetic scaled\n"
    "by the pointee. Numbers are C's (decimal, 0x hex, 0 octal); arithmetic wraps to the C type\n"
    "(i386: int and long are 32 bits); a shift by the type's width or more and a division by zero are\n"
    "errors. Outside parentheses > and | redirect the output, as for any command (-> is C's). Quotes\n"
    "group words, so a character constant is quoted twice: p \"'A'\" + 1.\n"
    "A per-CPU variable prints once per CPU, as crash does: per_cpu(current_task, 0) = ...;\n"
    "-c CPUS or crash's VARIABLE:CPUS picks CPUs (1, 0,2, 1-3, a or all), and per_cpu(VARIABLE, CPU)\n"
    "names one copy inside an expression.\n"
    "  -x, -d     integers in hex / decimal (crash's flags; char arrays stay strings)\n"
    "  /FMT       gdb's formats: x hex, d signed, u unsigned, o octal, t binary, c char, s string\n"
    "A value that cannot be read is an error, never printed.\n"
    "JSON: {\"expr\",\"type\",\"address\",\"value\"} (address null for a computed value; structs as\n"
    "objects, pointers as \"0x..\"); a per-CPU variable: {\"expr\",\"per_cpu\":[{\"cpu\",\"type\",\"address\",\"value\"}]}.",
    run_p,
};
