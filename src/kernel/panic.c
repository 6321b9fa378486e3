/* Why the kernel died: panic_cpu and the crash report in the log (see panic.h). */
#include "panic.h"

#include <stdio.h>
#include <string.h>

#include "printk.h"

#define PANIC_PREFIX "Kernel panic - not syncing: "

/* Lines an oops report starts with (die(), page_fault_oops(), report_bug(), die_general_protection()). */
static const char *const oops_starts[] = {"BUG: ", "Oops: ", "kernel BUG at ", "general protection fault"};
/* Lines a crash report without an oops starts with. */
static const char *const other_starts[] = {PANIC_PREFIX, "sysrq: Trigger a crash"};

static bool has_prefix(const struct printk_record *r, const char *prefix)
{
    size_t n = strlen(prefix);
    return r->len >= n && !memcmp(r->text, prefix, n);
}

static bool has_any_prefix(const struct printk_record *r, const char *const *prefixes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (has_prefix(r, prefixes[i]))
            return true;
    return false;
}

/* The first line of a record, from byte skip on. */
static void copy_line(char *out, size_t n, const struct printk_record *r, size_t skip)
{
    const char *text = r->text + skip;
    size_t len = r->len - skip;
    const char *nl = memchr(text, '\n', len);
    if (nl)
        len = (size_t)(nl - text);
    snprintf(out, n, "%.*s", (int)len, text);
}

static int scan_record(const struct printk_record *r, void *arg)
{
    struct panic_info *pi = arg;
    bool oops = has_any_prefix(r, oops_starts, ARRAY_SIZE(oops_starts));
    if (has_prefix(r, PANIC_PREFIX))
        copy_line(pi->panic, sizeof pi->panic, r, strlen(PANIC_PREFIX));
    if (oops && !pi->oops[0])
        copy_line(pi->oops, sizeof pi->oops, r, 0);
    if (!pi->have_report && (oops || has_any_prefix(r, other_starts, ARRAY_SIZE(other_starts)))) {
        pi->have_report = true;
        pi->report_seq = r->seq;
    }
    return 0;
}

int panic_find(struct kernel *k, struct panic_info *pi, ks_err *err)
{
    memset(pi, 0, sizeof *pi);
    uint64_t cpu;
    /* atomic_t panic_cpu: PANIC_CPU_INVALID (-1) until a CPU panics or starts a crash kexec. */
    int have = kvar_read_int_opt(k, "panic_cpu", "counter", &cpu, err);
    if (have < 0)
        return -1; /* the kernel has panic_cpu, but the dump cannot say its value: no guess */
    if (have && (uint32_t)cpu != 0xffffffffu && cpu < 1024) {
        pi->have_cpu = true;
        pi->cpu = (unsigned)cpu;
    }
    return printk_for_each(k, scan_record, pi, err);
}

const char *panic_headline(const struct panic_info *pi)
{
    return pi->oops[0] ? pi->oops : pi->panic;
}
