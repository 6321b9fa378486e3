/* bt's output, described once as tables of the output model: crash's text layout and the JSON
 * document are two renderings of the same rows. */
#include "bt_render.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/module_object.h"

#define BT_WORDS_MAX 256 /* -f: words shown for one frame at the most */

static const char *stack_marker(enum stack_type t)
{
    return t == STACK_HARDIRQ ? "--- <hard IRQ> ---" : t == STACK_SOFTIRQ ? "--- <soft IRQ> ---" : NULL;
}

/* The address crash shows for a frame: where the CPU was, or the call before the return address. */
static uint64_t frame_at(struct kernel *k, const struct bt_frame *f)
{
    return f->exact ? f->pc : call_site(k, f->pc);
}

/* The function a frame is in. A return address is looked up one byte back, as the kernel's %pB
 * does: after a call to a noreturn function it may already lie past the caller's end. The offset
 * stays the return address's own. */
static bool frame_symbol(struct kernel *k, const struct bt_frame *f, struct ksym_where *w)
{
    if (f->exact)
        return ksym_where(k, f->pc, w);
    if (!ksym_where(k, f->pc - 1, w))
        return false;
    w->offset++;
    return true;
}

/* The source line of a frame; for a return address, the line of the call. */
static bool frame_line(struct kernel *k, const struct bt_frame *f, char *file, size_t n, unsigned *line)
{
    return kcode_line(k, frame_at(k, f), file, n, line, NULL) == 0;
}

/* ---- what bt shows, described once ---- */

/* The task line "PID: 40       TASK: c5a3c000  CPU: 1    COMMAND: "workload"", then the walk. */
static const struct column bt_cols[] = {
    COL_U("PID: ", "pid", 0, -8),
    COL_ADDR("TASK: ", "task", 1, 0),
    COL_U("CPU: ", "cpu", 2, -4),
    COL_QS("COMMAND: ", "command", 1),
    COL_JSON(CT_STR, "start"),
    COL_JSON(CT_STR, "stop"),
    COL_LIST("frames"),
    COL_LIST("exception_frames"),
    COL_LIST("text"),
    COL_LIST("found_exceptions"),
};

/* " #1 [c5a3dea4] schedule at c12120c3 [module]", then "    FILE: LINE" with -l. */
static const struct column frame_cols[] = {
    {.type = CT_UNSIGNED, .title = "", .key = "level", .width = 3, .prefix = "#"},
    COL_MORE(CT_HEX, " [", "sp", 0, 8, COL_ZERO, "]"),
    COL_JSON(CT_HEX, "pc"),
    COL_S(" ", "function", 0, 0),
    COL_X8(" at ", "call_pc", 0),
    COL_JSON(CT_UNSIGNED, "offset"),
    COL_MORE(CT_STR, " [", "module", 0, 0, 0, "]"),
    COL_JSON(CT_STR, "stack"),
    COL_JSON(CT_BOOL, "exact"),
    COLUMN(CT_STR, "", "file", 4, 0, 0, COL_BREAK),
    COL_JSON(CT_UNSIGNED, "line"),
};

/* An entry frame the walk went through: "[exception EIP: ...]" and the registers. */
static const struct column exception_cols[] = {
    COL_JSON(CT_HEX, "address"), COL_JSON(CT_UNSIGNED, "before_level"), COL_JSON(CT_BOOL, "user"),
    COL_JSON(CT_BOOL, "start"),  COL_TEXT(CT_STR, "", "where", 4, 0),   COL_LIST("regs"),
};

/* -e: "  KERNEL-MODE exception frame at c5a3df00:", "[exception EIP: ...]" and the registers. */
static const struct column found_cols[] = {
    COLUMN(CT_BOOL, "", "user", 2, 0, 0, 0),
    COL_MORE(CT_HEX, " exception frame at ", "address", 0, 8, COL_ZERO, ":"),
    COLUMN(CT_STR, "", "where", 4, 0, 0, COL_TEXT_ONLY | COL_BREAK),
    COL_LIST("regs"),
};
#define REG8(title, key, gap)  COL_MORE(CT_HEX, title, key, gap, 8, COL_ZERO, NULL)
#define REG4(title, key, gap)  COL_MORE(CT_HEX, title, key, gap, 4, COL_ZERO, NULL)
#define LINE4(title, key, gap) COL_MORE(CT_HEX, title, key, gap, 4, COL_ZERO | COL_BREAK, NULL)

/* crash's register block, four lines; programs get every register by name, FS too. */
static const struct column regs_cols[] = {
    REG8("EAX: ", "eax", 4), REG8("EBX: ", "ebx", 2), REG8("ECX: ", "ecx", 2),      REG8("EDX: ", "edx", 2),
    LINE4("DS:  ", "ds", 4), REG8("ESI: ", "esi", 6), REG4("ES:  ", "es", 2),       REG8("EDI: ", "edi", 6),
    LINE4("SS:  ", "ss", 4), REG8("ESP: ", "esp", 6), REG8("EBP: ", "ebp", 2),      REG4("GS:  ", "gs", 2),
    LINE4("CS:  ", "cs", 4), REG8("EIP: ", "eip", 6), REG8("ERR: ", "orig_eax", 2), REG8("EFLAGS: ", "eflags", 2),
    COL_JSON(CT_HEX, "fs"),
};

/* -t / -T: "  [c5a3de60] schedule at c12120c3". */
static const struct column text_cols[] = {
    COL_MORE(CT_HEX, "[", "sp", 2, 8, COL_ZERO, "]"),
    COL_S(" ", "function", 0, 0),
    COL_X8(" at ", "value", 0),
    COL_JSON(CT_UNSIGNED, "offset"),
};

static void put_regs(struct table *row, const struct cpu_regs *r)
{
    struct table t;
    object_begin_in(row, &t, "regs", regs_cols);
    table_set_style(&t, STYLE_LABELS);
    for (int i = 0; i < REG_COUNT; i++) {
        char key[12];
        const char *n = i == REG_ORIG_EAX ? "orig_eax" : i386_reg_name(i);
        size_t k = 0;
        for (; n[k] && k + 1 < sizeof key; k++)
            key[k] = (char)tolower((unsigned char)n[k]); /* EAX -> eax */
        key[k] = 0;
        put_u(&t, key, r->r[i]);
    }
    table_end(&t, 0);
}

/* What every exception frame shows: where the CPU was (kernel mode), and the registers. */
static void put_exception_body(struct table *row, const struct bt_exception *e)
{
    if (!e->user) {
        char where[160], shown[200];
        ksym_format(&row->s->k, e->regs.r[REG_EIP], where, sizeof where);
        snprintf(shown, sizeof shown, "[%s EIP: %s]", e->start ? "registers in the dump:" : "exception", where);
        put_s(row, "where", shown);
    }
    put_regs(row, &e->regs);
}

/* The entry frames with before in [from, to): for people between the frames, for programs in a
 * list of their own after them. */
static void put_exceptions(struct table *parent, const struct backtrace *bt, size_t *e, size_t to)
{
    struct table t;
    table_begin_in(parent, &t, "exception_frames", exception_cols);
    table_set_style(&t, STYLE_LABELS);
    for (; *e < bt->nexc && bt->exc[*e].before < to; (*e)++) {
        const struct bt_exception *x = &bt->exc[*e];
        row_begin(&t);
        put_u(&t, "address", x->addr);
        put_u(&t, "before_level", x->before);
        put_b(&t, "user", x->user);
        put_b(&t, "start", x->start);
        put_exception_body(&t, x);
        row_end(&t);
    }
    table_end(&t, 0);
}

/* -f: the words of a frame, from its slot up to the next frame on the same stack (people only:
 * programs read the stack themselves from each frame's sp). */
static void put_words(struct table *t, const struct backtrace *bt, size_t i)
{
    struct session *s = t->s;
    const struct bt_frame *f = &bt->frames[i];
    uint64_t end = f->sp + 16 * 4;
    if (i + 1 < bt->nframes && bt->frames[i + 1].stack == f->stack && bt->frames[i + 1].sp > f->sp)
        end = bt->frames[i + 1].sp;
    if (end - f->sp > BT_WORDS_MAX * 4)
        end = f->sp + BT_WORDS_MAX * 4;
    strbuf sb;
    sb_init(&sb);
    for (uint64_t a = f->sp; a < end; a += 4) {
        uint64_t v;
        if ((a - f->sp) % 16 == 0)
            sb_printf(&sb, "%s    %08" PRIx64 ":", a == f->sp ? "" : "\n", a);
        if (kread_ulong(&s->k, a, &v, NULL)) {
            sb_puts(&sb, " (unreadable)");
            break;
        }
        sb_printf(&sb, " %08" PRIx64 " ", v);
    }
    table_text(t, "%s\n", sb.buf ? sb.buf : "");
    sb_free(&sb);
}

static void put_frame(struct table *t, const struct backtrace *bt, size_t i, const struct bt_opts *o)
{
    struct kernel *k = &t->s->k;
    const struct bt_frame *f = &bt->frames[i];
    struct ksym_where w;
    bool known = frame_symbol(k, f, &w);
    char file[512], source[540];
    unsigned line;
    bool have_line = o->lines && frame_line(k, f, file, sizeof file, &line);
    snprintf(source, sizeof source, "%s: %u", file, have_line ? line : 0);
    row_begin(t);
    put_u(t, "level", i);
    put_u(t, "sp", f->sp);
    put_u(t, "pc", f->pc);
    put_u(t, "call_pc", frame_at(k, f));
    put_s_as(t, "function", known ? w.name : NULL, known ? w.name : "(unknown)");
    if (known)
        put_u(t, "offset", w.offset);
    else
        put_null(t, "offset");
    put_s_as(t, "module", known ? w.module : NULL, known ? w.module : NULL);
    put_s(t, "stack", stack_type_name(f->stack));
    put_b(t, "exact", f->exact);
    put_s_as(t, "file", have_line ? file : NULL, have_line ? source : NULL);
    if (have_line)
        put_u(t, "line", line);
    else
        put_null(t, "line");
    row_end(t);
    if (o->words)
        put_words(t, bt, i);
}

/* The frames; people see where the walk left an IRQ stack, and each entry frame before the frame
 * it leads to. */
static void put_frames(struct table *row, const struct backtrace *bt, const struct bt_opts *o)
{
    struct table t;
    bool people = !table_is_json(row);
    size_t e = 0;
    table_begin_in(row, &t, "frames", frame_cols);
    table_set_style(&t, STYLE_LABELS);
    for (size_t i = 0; i < bt->nframes; i++) {
        const char *marker = i ? stack_marker(bt->frames[i - 1].stack) : NULL;
        if (marker && bt->frames[i].stack != bt->frames[i - 1].stack)
            table_text(&t, "%s\n", marker);
        if (people)
            put_exceptions(&t, bt, &e, i + 1);
        put_frame(&t, bt, i, o);
    }
    table_end(&t, 0);
    put_exceptions(row, bt, &e, SIZE_MAX);
}

/* -t / -T: every word on the stack that is a kernel text address. */
static void put_text_scan(struct table *row, const struct backtrace *bt, enum bt_text_scan how)
{
    struct kernel *k = &row->s->k;
    const struct stack_info *st = &bt->stacks.s[0];
    uint64_t from = st->begin;
    if (how == BT_TEXT_FROM_SP && bt->nframes && bt->frames[0].stack == STACK_TASK)
        from = bt->frames[0].sp;
    table_text(row, "    text addresses found on the stack from %08" PRIx64 " (by scanning, not unwinding):\n", from);
    struct table t;
    table_begin_in(row, &t, "text", text_cols);
    table_set_style(&t, STYLE_LABELS);
    for (uint64_t a = from & ~3ull; a + 4 <= st->end; a += 4) {
        uint64_t v;
        struct ksym_where w;
        if (kread_ulong(k, a, &v, NULL))
            break;
        if (v < k->page_offset || !ksym_where(k, v, &w) || !w.text || (w.size && w.offset >= w.size))
            continue;
        row_begin(&t);
        put_u(&t, "sp", a);
        put_u(&t, "value", v);
        put_s(&t, "function", w.name);
        put_u(&t, "offset", w.offset);
        row_end(&t);
    }
    table_end(&t, 0);
}

/* -e: pt_regs-shaped words on the task stack: a kernel or user code selector, DS and ES holding
 * the user data segment (the entry code loads it for kernel and user entries alike), an EIP that
 * is kernel text or user space to match, and EFLAGS with its always-one bit 1. */
static bool looks_like_pt_regs(struct kernel *k, const struct cpu_regs *r, bool *user)
{
    struct ksym_where w;
    uint64_t cs = r->r[REG_CS] & 0xffff, ip = r->r[REG_EIP];
    bool kernel = cs == I386_KERNEL_CS && ip >= k->page_offset && ksym_where(k, ip, &w) && w.text;
    *user = cs == I386_USER_CS && ip < k->page_offset && ip && r->r[REG_ESP] < k->page_offset;
    bool data_segs = (r->r[REG_DS] & 0xffff) == I386_USER_DS && (r->r[REG_ES] & 0xffff) == I386_USER_DS;
    return (kernel || *user) && data_segs && (r->r[REG_EFLAGS] & 2) && r->r[REG_EFLAGS] <= 0x3fffff;
}

static void put_exception_scan(struct table *row, const struct backtrace *bt)
{
    struct kernel *k = &row->s->k;
    const struct stack_info *st = &bt->stacks.s[0];
    uint64_t size = ktype_size(k, "struct pt_regs");
    struct table t;
    table_begin_in(row, &t, "found_exceptions", found_cols);
    table_set_style(&t, STYLE_LABELS);
    for (uint64_t a = st->begin; size && a + size <= st->end; a += 4) {
        struct cpu_regs r;
        bool user;
        if (read_pt_regs(k, a, &r, NULL))
            break;
        if (!looks_like_pt_regs(k, &r, &user))
            continue;
        row_begin(&t);
        put_u(&t, "address", a);
        put_b_as(&t, "user", user, user ? "USER-MODE" : "KERNEL-MODE");
        put_exception_body(&t, &(struct bt_exception){.addr = a, .regs = r, .user = user});
        row_end(&t);
    }
    table_end(&t, 0);
}

void bt_table_open(struct session *s, struct table *t, bool list)
{
    table_open(s, t, list ? "tasks" : NULL, list ? SHAPE_LIST : SHAPE_OBJECT, bt_cols, ARRAY_SIZE(bt_cols));
    table_set_style(t, STYLE_LABELS);
}

void bt_render(struct table *row, const struct task_info *ti, const struct backtrace *bt, const struct bt_opts *o)
{
    put_u(row, "pid", ti->pid);
    put_u(row, "task", bt->task);
    put_u(row, "cpu", bt->cpu);
    put_s(row, "command", ti->comm);
    put_s(row, "start", bt->start);
    put_s(row, "stop", bt->stop[0] ? bt->stop : NULL);
    put_frames(row, bt, o);
    if (o->text)
        put_text_scan(row, bt, o->text);
    if (o->exceptions)
        put_exception_scan(row, bt);
}

int parse_cpu_list(const char *list, bool *want, unsigned max, ks_err *err)
{
    const char *p = list;
    while (*p) {
        char *end;
        unsigned long a = strtoul(p, &end, 10), b = a;
        if (end == p)
            return ks_fail(err, "bad CPU list %s", list);
        if (*end == '-') {
            p = end + 1;
            b = strtoul(p, &end, 10);
            if (end == p || b < a)
                return ks_fail(err, "bad CPU list %s", list);
        }
        if (b >= max)
            return ks_fail(err, "CPU %lu is out of range", b);
        for (unsigned long c = a; c <= b; c++)
            want[c] = true;
        if (*end == ',')
            end++;
        else if (*end)
            return ks_fail(err, "bad CPU list %s", list);
        p = end;
    }
    return 0;
}
