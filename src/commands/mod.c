/*
 * mod — the loaded modules, from the kernel's own module list, in crash's columns:
 *    MODULE   NAME                     BASE      SIZE  OBJECT FILE
 *   d0a4c040  ksleuth_crash          d0a4a000    8192  (not loaded)  [CONFIG_KALLSYMS]
 * Their symbols come from each module's kallsyms table in the dump, so sym, bt and dis name module
 * addresses without any .ko file. `mod -s`/`-S` lay a module's own .ko over it (module_object.h):
 * its symbols, its types for struct/p/whatis, its lines for bt -l and dis -l.
 */
#include <inttypes.h>
#include <string.h>

#include "../dwarf/relobj.h"
#include "../kernel/module.h"
#include "../kernel/module_object.h"
#include "commands.h"

/* enum module_state's values by name, from the DWARF ("MODULE_STATE_LIVE" -> "LIVE"). */
static const char *state_name(struct kernel *k, int state)
{
    static const char *const names[] = {"MODULE_STATE_LIVE", "MODULE_STATE_COMING", "MODULE_STATE_GOING",
                                        "MODULE_STATE_UNFORMED"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        int64_t v;
        if (kdwarf_enumerator(k->dwarf, names[i], &v) && v == state)
            return names[i] + strlen("MODULE_STATE_");
    }
    return "?";
}

/* crash's columns; programs also get the state and where the symbols came from. */
static const struct column mod_cols[] = {
    COL_X8(" MODULE", "module", 0),
    COL_S("   NAME", "name", 2, -20),
    COL_X8("                     BASE", "base", 1),
    COL_U("      SIZE", "size", 2, 8),
    COL_JSON(CT_STR, "state"),
    COL_JSON(CT_UNSIGNED, "symbols"),
    COL_JSON(CT_STR, "symbols_error"),
    COL_S("  OBJECT FILE", "object_file", 2, 0),
};

static void put_module(struct session *s, struct table *t, const struct kmodule *m)
{
    char not_loaded[sizeof m->sym_error + 32];
    snprintf(not_loaded, sizeof not_loaded, "(not loaded)  [%s]", m->sym_error[0] ? m->sym_error : "CONFIG_KALLSYMS");
    row_begin(t);
    put_s(t, "name", m->name);
    put_u(t, "module", m->module);
    put_u(t, "base", m->base);
    put_u(t, "size", m->size);
    put_s(t, "state", state_name(&s->k, m->state));
    put_u(t, "symbols", m->object ? m->nobject_syms : m->nsyms);
    put_s(t, "symbols_error", m->object || !m->sym_error[0] ? NULL : m->sym_error);
    put_s_as(t, "object_file", m->object ? m->object->path : NULL, m->object ? m->object->path : not_loaded);
    row_end(t);
}

/* The modules to show: all, or the one named (NULL). */
static int list_modules(struct session *s, const char *only)
{
    ks_err err;
    const struct kmodules *ms = kernel_modules(&s->k, &err);
    if (!ms)
        return cmd_fail_err(s, "mod", &err);
    struct table t;
    table_begin(s, &t, "modules", mod_cols);
    for (size_t i = 0; i < ms->n; i++)
        if (!only || !strcmp(ms->mods[i].name, only))
            put_module(s, &t, &ms->mods[i]);
    return table_end(&t, 0);
}

/* Where a module's .ko is looked for when no file is named: beside the vmlinux, then where the
 * dumped kernel's release installs its modules. */
static int find_object(struct session *s, const char *dir, const char *name, char *out, size_t outsz)
{
    if (dir)
        return module_find_object(dir, name, out, outsz);
    char here[4096], installed[4096];
    snprintf(here, sizeof here, "%s", s->vmlinux_path ? s->vmlinux_path : ".");
    char *slash = strrchr(here, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(here, sizeof here, ".");
    snprintf(installed, sizeof installed, "/lib/modules/%s", s->k.release);
    if (module_find_object(here, name, out, outsz) == 0)
        return 0;
    return module_find_object(installed, name, out, outsz);
}

static int load_one(struct session *s, const char *name, const char *file, const char *dir, ks_err *err)
{
    char found[4096];
    if (!file) {
        if (find_object(s, dir, name, found, sizeof found))
            return ks_fail(err, "no %s.ko found %s%s", name, dir ? "below " : "beside the vmlinux or in /lib/modules/",
                           dir ? dir : s->k.release);
        file = found;
    }
    return module_load_object(&s->k, name, file, err);
}

/* mod -S [DIR]: every loaded module whose .ko is found; those not found are named, not fatal. */
static int load_all(struct session *s, const char *dir)
{
    ks_err err;
    const struct kmodules *ms = kernel_modules(&s->k, &err);
    if (!ms)
        return cmd_fail_err(s, "mod", &err);
    int failed = 0;
    for (size_t i = 0; i < ms->n; i++) {
        if (load_one(s, ms->mods[i].name, NULL, dir, &err) == 0)
            continue;
        cmd_fail_line(s, "mod", "%s", err.msg);
        failed++;
    }
    int rc = list_modules(s, NULL);
    return rc ? rc : failed == (int)ms->n && ms->n ? 1 : 0;
}

static int run_mod(struct session *s, int argc, char **argv)
{
    ks_err err;
    const char *opt = argc > 1 ? argv[1] : NULL;
    if (!opt)
        return list_modules(s, NULL);
    if (!strcmp(opt, "-s") && (argc == 3 || argc == 4)) {
        if (load_one(s, argv[2], argc == 4 ? argv[3] : NULL, NULL, &err))
            return cmd_fail_err(s, argv[0], &err);
        return list_modules(s, module_by_name(&s->k, argv[2], NULL)->name);
    }
    if (!strcmp(opt, "-S") && argc <= 3)
        return load_all(s, argc == 3 ? argv[2] : NULL);
    if ((!strcmp(opt, "-d") && argc == 3) || (!strcmp(opt, "-D") && argc == 2)) {
        if (module_unload_object(&s->k, argc == 3 ? argv[2] : NULL, &err))
            return cmd_fail_err(s, argv[0], &err);
        return list_modules(s, NULL);
    }
    return cmd_fail(s, argv[0], "usage: %s", cmd_mod.usage);
}

const struct command cmd_mod = {
    "mod",
    "mod [-s NAME [FILE.ko] | -S [DIR] | -d NAME | -D]",
    "the loaded modules; load a module's .ko for its symbols, types and lines",
    "Walks the kernel's `modules` list. Columns: MODULE (the struct module), NAME, BASE and SIZE (the\n"
    "module's core: core_layout on 4.5-6.3, mem[MOD_TEXT] on 6.4+), OBJECT FILE: the .ko loaded with\n"
    "-s/-S, else \"(not loaded)\" and where the module's symbols came from: [CONFIG_KALLSYMS] when its\n"
    "in-memory kallsyms table was read (sym, bt and dis then name addresses inside it), else why not.\n"
    "  -s NAME [FILE.ko]  load the module's object file: without FILE, NAME.ko is looked for beside the\n"
    "                     vmlinux, then under /lib/modules/RELEASE. The file must be the module's own\n"
    "                     build: the name in its .modinfo, its GNU build-id note against the copy in\n"
    "                     the module's memory, and every function kallsyms also names at the same\n"
    "                     address; otherwise one error line and nothing is loaded. Its sections are\n"
    "                     placed where the kernel recorded them (mod->sect_attrs, as\n"
    "                     /sys/module/NAME/sections shows), its DWARF relocated for those addresses.\n"
    "                     Then sym, bt and dis use its symbols; struct, union, whatis and p see its\n"
    "                     types and variables; bt -l and dis -l give its file:line.\n"
    "  -S [DIR]           the same for every loaded module whose .ko is found below DIR (default as -s);\n"
    "                     a module not found is named on stderr.\n"
    "  -d NAME, -D        forget what -s/-S loaded for NAME, or for every module.\n"
    "JSON: {\"modules\":[{\"name\",\"module\",\"base\",\"size\",\"state\",\"symbols\",\"symbols_error\",\"object_file\"}]}",
    run_mod,
};
