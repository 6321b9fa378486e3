/*
 * vmcoreinfo: the kernel's own KEY=VALUE description of itself (OSRELEASE, PAGESIZE,
 * SYMBOL(name), SIZE(type), OFFSET(type.member), NUMBER(name), KERNELOFFSET, CRASHTIME, ...).
 * Lookups are by exact key; values are returned as text or parsed numbers.
 */
#ifndef KS_VMCOREINFO_H
#define KS_VMCOREINFO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the value of KEY into out (NUL-terminated); false if the key is absent. */
bool vmcoreinfo_value(const char *text, const char *key, char *out, size_t outsz);
/* Numeric value: base 16 for SYMBOL()/KERNELOFFSET/phys_base, 10 otherwise (as the kernel prints them). */
bool vmcoreinfo_number(const char *text, const char *key, uint64_t *out);

#endif
