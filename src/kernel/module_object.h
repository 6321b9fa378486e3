/*
 * module_object: a module's .ko file laid over the module the dump holds (crash's `mod -s`).
 *
 * Promise: a .ko is attached to a loaded module only when it provably is that module's build: the
 * name in its .modinfo is the module's, its GNU build-id note equals the note the loader copied into
 * the module's memory, and every function symbol that both it and the module's in-memory kallsyms
 * know lands at the same address. Its sections are placed where the kernel recorded them
 * (mod->sect_attrs, what /sys/module/NAME/sections shows); its symbols then name module addresses,
 * its DWARF gives the module's own types and variables to struct/p/whatis, and its line tables give
 * bt -l and dis -l their file:line.
 * Where a section's name is kept changed across versions; sect_attr_name_path() decides, by the
 * DWARF of struct module_sect_attr: battr.attr.name (5.8+) or name.
 */
#ifndef KS_MODULE_OBJECT_H
#define KS_MODULE_OBJECT_H
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* Attach FILE to the loaded module NAME ('-' and '_' alike). */
int module_load_object(struct kernel *k, const char *name, const char *file, ks_err *err);
/* Drop what mod -s loaded for NAME (NULL: for every module); -1 if NAME is not loaded. */
int module_unload_object(struct kernel *k, const char *name, ks_err *err);
/* Look for NAME.ko (either spelling of '-' and '_') below dir, a few levels deep. */
int module_find_object(const char *dir, const char *name, char *out, size_t outsz);
/* A variable as a user names it (p): the vmlinux's, else one of a module loaded with mod -s (its
 * DWARF type, its symbol's address). Kernel-layout probes use kvar_addr(), which sees the vmlinux
 * alone. */
int kuser_var_addr(struct kernel *k, const char *var, const char *path, uint64_t *addr, struct ktype **type, ks_err *err);
/* file:line of a runtime code address: a module's when its .ko is loaded, else the vmlinux's. */
int kcode_line(struct kernel *k, uint64_t addr, char *file, size_t filesz, unsigned *line, ks_err *err);

#endif
