/* bt's two renderings of one struct backtrace: crash's text layout and the JSON document. */
#include "bt_render.h"

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

static void print_regs(FILE *o, const struct cpu_regs *r)
{
    const uint64_t *v = r->r;
    fprintf(o, "    EAX: %08" PRIx64 "  EBX: %08" PRIx64 "  ECX: %08" PRIx64 "  EDX: %08" PRIx64 "\n", v[REG_EAX], v[REG_EBX],
            v[REG_ECX], v[REG_EDX]);
    fprintf(o, "    DS:  %04" PRIx64 "      ESI: %08" PRIx64 "  ES:  %04" PRIx64 "      EDI: %08" PRIx64 "\n", v[REG_DS],
            v[REG_ESI], v[REG_ES], v[REG_EDI]);
    fprintf(o, "    SS:  %04" PRIx64 "      ESP: %08" PRIx64 "  EBP: %08" PRIx64 "  GS:  %04" PRIx64 "\n", v[REG_SS], v[REG_ESP],
            v[REG_EBP], v[REG_GS]);
    fprintf(o, "    CS:  %04" PRIx64 "      EIP: %08" PRIx64 "  ERR: %08" PRIx64 "  EFLAGS: %08" PRIx64 "\n", v[REG_CS],
            v[REG_EIP], v[REG_ORIG_EAX], v[REG_EFLAGS]);
}

static void print_exception(struct session *s, const struct bt_exception *e)
{
    if (!e->user) {
        char where[160];
        ksym_format(&s->k, e->regs.r[REG_EIP], where, sizeof where);
        fprintf(s->out, "    [%s EIP: %s]\n", e->start ? "registers in the dump:" : "exception", where);
    }
    print_regs(s->out, &e->regs);
}

/* -f: the words of a frame, from its slot up to the next frame on the same stack. */
static void print_words(struct session *s, const struct backtrace *bt, size_t i)
{
    const struct bt_frame *f = &bt->frames[i];
    uint64_t end = f->sp + 16 * 4;
    if (i + 1 < bt->nframes && bt->frames[i + 1].stack == f->stack && bt->frames[i + 1].sp > f->sp)
        end = bt->frames[i + 1].sp;
    if (end - f->sp > BT_WORDS_MAX * 4)
        end = f->sp + BT_WORDS_MAX * 4;
    for (uint64_t a = f->sp; a < end; a += 4) {
        uint64_t v;
        if ((a - f->sp) % 16 == 0)
            fprintf(s->out, "%s    %08" PRIx64 ":", a == f->sp ? "" : "\n", a);
        if (kread_ulong(&s->k, a, &v, NULL)) {
            fputs(" (unreadable)", s->out);
            break;
        }
        fprintf(s->out, " %08" PRIx64 " ", v);
    }
    fputc('\n', s->out);
}

static void print_frame(struct session *s, const struct backtrace *bt, size_t i, const struct bt_opts *o)
{
    const struct bt_frame *f = &bt->frames[i];
    struct ksym_where w;
    const char *name = frame_symbol(&s->k, f, &w) ? w.name : "(unknown)";
    fprintf(s->out, "%s#%zu [%08" PRIx64 "] %s at %08" PRIx64 "%s%s%s\n", i < 10 ? " " : "", i, f->sp, name, frame_at(&s->k, f),
            w.module ? " [" : "", w.module ? w.module : "", w.module ? "]" : "");
    char file[512];
    unsigned line;
    if (o->lines && frame_line(&s->k, f, file, sizeof file, &line))
        fprintf(s->out, "    %s: %u\n", file, line);
    if (o->words)
        print_words(s, bt, i);
}

/* -t / -T: every word on the stack that is a kernel text address. */
static void scan_text(struct session *s, const struct backtrace *bt, enum bt_text_scan how, struct json *j)
{
    const struct stack_info *st = &bt->stacks.s[0];
    uint64_t from = st->begin;
    if (how == BT_TEXT_FROM_SP && bt->nframes && bt->frames[0].stack == STACK_TASK)
        from = bt->frames[0].sp;
    if (j)
        json_arr_begin(j, "text");
    else
        fprintf(s->out, "    text addresses found on the stack from %08" PRIx64 " (by scanning, not unwinding):\n", from);
    for (uint64_t a = from & ~3ull; a + 4 <= st->end; a += 4) {
        uint64_t v;
        struct ksym_where w;
        if (kread_ulong(&s->k, a, &v, NULL))
            break;
        if (v < s->k.page_offset || !ksym_where(&s->k, v, &w) || !w.text || (w.size && w.offset >= w.size))
            continue;
        if (j) {
            json_obj_begin(j, NULL);
            json_hex(j, "sp", a);
            json_hex(j, "value", v);
            json_str(j, "function", w.name);
            json_uint(j, "offset", w.offset);
            json_obj_end(j);
        } else {
            fprintf(s->out, "  [%08" PRIx64 "] %s at %08" PRIx64 "\n", a, w.name, v);
        }
    }
    if (j)
        json_arr_end(j);
}

/* -e: pt_regs-shaped words on the task stack: a kernel or user code selector, DS and ES holding
 * the user data segment (the entry code loads it for kernel and user entries alike), an EIP that
 * is kernel text or user space to match, and EFLAGS with its always-one bit 1. */
static void scan_exceptions(struct session *s, const struct backtrace *bt, struct json *j)
{
    const struct stack_info *st = &bt->stacks.s[0];
    uint64_t size = ktype_size(&s->k, "struct pt_regs");
    if (j)
        json_arr_begin(j, "found_exceptions");
    for (uint64_t a = st->begin; size && a + size <= st->end; a += 4) {
        struct cpu_regs r;
        struct ksym_where w;
        if (read_pt_regs(&s->k, a, &r, NULL))
            break;
        uint64_t cs = r.r[REG_CS] & 0xffff, ip = r.r[REG_EIP];
        bool kernel = cs == I386_KERNEL_CS && ip >= s->k.page_offset && ksym_where(&s->k, ip, &w) && w.text;
        bool user = cs == I386_USER_CS && ip < s->k.page_offset && ip && r.r[REG_ESP] < s->k.page_offset;
        bool data_segs = (r.r[REG_DS] & 0xffff) == I386_USER_DS && (r.r[REG_ES] & 0xffff) == I386_USER_DS;
        if ((!kernel && !user) || !data_segs || !(r.r[REG_EFLAGS] & 2) || r.r[REG_EFLAGS] > 0x3fffff)
            continue;
        if (j) {
            json_obj_begin(j, NULL);
            json_hex(j, "address", a);
            json_bool(j, "user", user);
            json_obj_end(j);
            continue;
        }
        fprintf(s->out, "  %s exception frame at %08" PRIx64 ":\n", user ? "USER-MODE" : "KERNEL-MODE", a);
        print_exception(s, &(struct bt_exception){.addr = a, .regs = r, .user = user});
    }
    if (j)
        json_arr_end(j);
}

static void render_text(struct session *s, const struct task_info *ti, const struct backtrace *bt, const struct bt_opts *o)
{
    fprintf(s->out, "PID: %-8" PRIu64 " TASK: %" PRIx64 "  CPU: %-4u COMMAND: \"%s\"\n", ti->pid, bt->task, bt->cpu, ti->comm);
    size_t e = 0;
    for (size_t i = 0; i < bt->nframes; i++) {
        const char *marker = i ? stack_marker(bt->frames[i - 1].stack) : NULL;
        if (marker && bt->frames[i].stack != bt->frames[i - 1].stack)
            fprintf(s->out, "%s\n", marker);
        for (; e < bt->nexc && bt->exc[e].before == i; e++)
            print_exception(s, &bt->exc[e]);
        print_frame(s, bt, i, o);
    }
    for (; e < bt->nexc; e++)
        print_exception(s, &bt->exc[e]);
    if (o->text)
        scan_text(s, bt, o->text, NULL);
    if (o->exceptions)
        scan_exceptions(s, bt, NULL);
}

static void json_regs(struct json *j, const struct cpu_regs *r)
{
    json_obj_begin(j, "regs");
    for (int i = 0; i < REG_COUNT; i++) {
        char name[8];
        const char *n = i386_reg_name(i);
        size_t k = 0;
        for (; n[k] && k + 1 < sizeof name; k++)
            name[k] = (char)(n[k] | 0x20); /* EAX -> eax */
        name[k] = 0;
        json_hex(j, i == REG_ORIG_EAX ? "orig_eax" : name, r->r[i]);
    }
    json_obj_end(j);
}

static void json_frame(struct session *s, struct json *j, const struct backtrace *bt, size_t i, const struct bt_opts *o)
{
    const struct bt_frame *f = &bt->frames[i];
    struct ksym_where w;
    bool known = frame_symbol(&s->k, f, &w);
    json_obj_begin(j, NULL);
    json_uint(j, "level", i);
    json_hex(j, "sp", f->sp);
    json_hex(j, "pc", f->pc);
    json_hex(j, "call_pc", frame_at(&s->k, f));
    json_str(j, "function", known ? w.name : NULL);
    if (known)
        json_uint(j, "offset", w.offset);
    else
        json_null(j, "offset");
    json_str(j, "module", known ? w.module : NULL);
    json_str(j, "stack", stack_type_name(f->stack));
    json_bool(j, "exact", f->exact);
    char file[512];
    unsigned line;
    bool have_line = o->lines && frame_line(&s->k, f, file, sizeof file, &line);
    json_str(j, "file", have_line ? file : NULL);
    if (have_line)
        json_uint(j, "line", line);
    else
        json_null(j, "line");
    json_obj_end(j);
}

static void render_json(struct session *s, const struct task_info *ti, const struct backtrace *bt, const struct bt_opts *o,
                        struct json *j)
{
    json_obj_begin(j, NULL);
    json_uint(j, "pid", ti->pid);
    json_hex(j, "task", bt->task);
    json_uint(j, "cpu", bt->cpu);
    json_str(j, "command", ti->comm);
    json_str(j, "start", bt->start);
    json_str(j, "stop", bt->stop[0] ? bt->stop : NULL);
    json_arr_begin(j, "frames");
    for (size_t i = 0; i < bt->nframes; i++)
        json_frame(s, j, bt, i, o);
    json_arr_end(j);
    json_arr_begin(j, "exception_frames");
    for (size_t e = 0; e < bt->nexc; e++) {
        json_obj_begin(j, NULL);
        json_hex(j, "address", bt->exc[e].addr);
        json_uint(j, "before_level", bt->exc[e].before);
        json_bool(j, "user", bt->exc[e].user);
        json_bool(j, "start", bt->exc[e].start);
        json_regs(j, &bt->exc[e].regs);
        json_obj_end(j);
    }
    json_arr_end(j);
    if (o->text)
        scan_text(s, bt, o->text, j);
    if (o->exceptions)
        scan_exceptions(s, bt, j);
    json_obj_end(j);
}

void bt_render(struct session *s, const struct task_info *ti, const struct backtrace *bt, const struct bt_opts *o, struct json *j)
{
    if (j)
        render_json(s, ti, bt, o, j);
    else
        render_text(s, ti, bt, o);
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
