/*
 * Starting and stopping libdwarf on a kdwarf's file. libdwarf reads the sections it touches into
 * its heap (dwarf_init_b). Handing it the sections of a private mapping instead
 * (dwarf_object_init_b) cut the cold type-cache build on Debian's vmlinux from 1.96 GB to 1.41 GB,
 * but libdwarf 20210528 trusts that interface's answers and crashed on two files fuzz_dwarf made
 * (a section link past the table, then a file whose headers all looked sane), while dwarf_init_b
 * checks the file itself: a wrong vmlinux must give an error, never a signal, so the heap route
 * is the only one.
 */
#include "dwarf_priv.h"

int kd_dwarf_start(struct kdwarf *kd, Dwarf_Handler on_error, Dwarf_Error *e)
{
    return dwarf_init_b(kd->fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, on_error, kd, &kd->dbg, e);
}

void kd_dwarf_stop(struct kdwarf *kd)
{
    if (kd->dbg)
        dwarf_finish(kd->dbg, NULL);
    kd->dbg = NULL;
}
