/*
 * module: the loadable modules of the dumped kernel, from its own module list (`modules`), and
 * their symbols from the kallsyms tables each module keeps in memory (mod->kallsyms: an
 * Elf32_Sym array, its string table and, since 5.x, a type per symbol). So module addresses
 * resolve without any .ko file.
 * Where a module's memory is described changed across versions; module_layout_names() in
 * module.c is the one place that chooses, by what the DWARF of struct module has:
 *   6.4+     mem[MOD_TEXT].base / .size (the text region) with the data regions after it
 *   4.5-6.3  core_layout.base / .size / .text_size
 *   older    module_core / core_size / core_text_size
 * Loaded once per kernel, on first use.
 */
#ifndef KS_MODULE_H
#define KS_MODULE_H
#include <stdbool.h>
#include <stdint.h>

#include "kernel.h"

#define MAX_MODULES     4096
#define MAX_MODULE_SYMS 200000

struct kmod_sym {
    uint64_t addr, size;
    const char *name; /* into the module's string copy */
    char type;
};

struct kmodule {
    uint64_t module; /* struct module address */
    char name[64];
    uint64_t base, size; /* the core (text, rodata, data) */
    uint64_t text_size;
    int state;             /* enum module_state */
    struct kmod_sym *syms; /* sorted by address */
    size_t nsyms;
    char *strings;
    char sym_error[KS_ERR_MAX]; /* why no symbols ("" if they were read) */
    /* Loaded with mod -s (module_object.h); NULL until then. Its symbols, when there, are used
     * before the kallsyms ones. */
    struct relobj *object;
    struct kdwarf *dwarf;
    struct kmod_sym *object_syms; /* sorted by address; names point into object */
    size_t nobject_syms;
};

struct kmodules {
    bool ready;
    int status; /* 0, or -1 with msg */
    char msg[KS_ERR_MAX];
    struct kmodule *mods;
    size_t n;
    struct kdwarf **dwarfs; /* the loaded objects' DWARF, for the vmlinux's *_any lookups */
    size_t ndwarfs;
};

/* The module list (loaded on first call): NULL with err when the kernel has no modules support. */
const struct kmodules *kernel_modules(struct kernel *k, ks_err *err);
void kernel_modules_free(struct kernel *k);
/* The module of that name ('-' and '_' alike), or NULL with err. */
struct kmodule *module_by_name(struct kernel *k, const char *name, ks_err *err);
/* Give m the .ko that module_object.c proved is its build (m takes all of them). */
struct relobj;
void module_attach_object(struct kernel *k, struct kmodule *m, struct relobj *o, struct kdwarf *kd,
                          struct kmod_sym *syms, size_t nsyms);
/* Forget what mod -s loaded for m. */
void module_drop_object(struct kernel *k, struct kmodule *m);
/* A module symbol by name (the first module that has it): 0, or -1 if none has it. */
int module_sym_addr(struct kernel *k, const char *name, uint64_t *addr);
/* The module whose core holds addr, and the symbol in it (sym NULL if none). */
const struct kmodule *module_at(struct kernel *k, uint64_t addr, const struct kmod_sym **sym);

#endif
