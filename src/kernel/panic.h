/*
 * panic: why the kernel died, as the dump itself says it.
 *  - the CPU that panicked: panic_cpu (set by panic() and crash_kexec(); -1 when neither ran);
 *  - the message: the last "Kernel panic - not syncing: ..." record of the log, and the first
 *    oops line of the crash ("BUG: ...", "Oops: ...", "kernel BUG at ...", "general protection
 *    fault ..."), with the log sequence number where the crash report starts.
 */
#ifndef KS_PANIC_H
#define KS_PANIC_H
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

struct panic_info {
    bool have_cpu;
    unsigned cpu;
    char panic[256]; /* the panic() message, "" if none */
    char oops[256];  /* the oops line, "" if none */
    bool have_report;
    uint64_t report_seq; /* first log record of the crash report (oops or panic) */
};

int panic_find(struct kernel *k, struct panic_info *pi, ks_err *err);
/* crash's PANIC: text: the oops line if there was one, else the panic message. */
const char *panic_headline(const struct panic_info *pi);

#endif
