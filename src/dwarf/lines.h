/*
 * lines: source file and line of a code address, from the vmlinux's DWARF line tables
 * (.debug_line), for `bt -l` and `dis -l`. The CU holding an address is found through
 * .debug_aranges; its line table is decoded on first use and kept, sorted by address. Addresses
 * are link-time (runtime minus the KASLR offset).
 */
#ifndef KS_LINES_H
#define KS_LINES_H
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"

struct kdwarf;
struct kd_lines;

int kdwarf_line_at(struct kdwarf *kd, uint64_t link_addr, char *file, size_t filesz, unsigned *line, ks_err *err);
/* Frees what kdwarf_line_at() cached (kdwarf_close calls it). */
void kd_lines_free(struct kd_lines *l);

#endif
