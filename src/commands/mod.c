/*
 * mod — the loaded modules, from the kernel's own module list, in crash's columns:
 *    MODULE   NAME                     BASE      SIZE  OBJECT FILE
 *   d0a4c040  ksleuth_crash          d0a4a000    8192  (not loaded)  [CONFIG_KALLSYMS]
 * Their symbols come from each module's kallsyms table in the dump, so sym, bt and dis name module
 * addresses without any .ko file (OBJECT FILE stays "(not loaded)": ksleuth does not read .ko
 * files yet).
 */
#include <inttypes.h>
#include <string.h>

#include "../kernel/module.h"
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

static void mod_json(struct session *s, struct json *j, const struct kmodule *m)
{
    json_obj_begin(j, NULL);
    json_str(j, "name", m->name);
    json_hex(j, "module", m->module);
    json_hex(j, "base", m->base);
    json_uint(j, "size", m->size);
    json_str(j, "state", state_name(&s->k, m->state));
    json_uint(j, "symbols", m->nsyms);
    json_str(j, "symbols_error", m->sym_error[0] ? m->sym_error : NULL);
    json_null(j, "object_file");
    json_obj_end(j);
}

static int run_mod(struct session *s, int argc, char **argv)
{
    if (argc > 1)
        return cmd_fail(s, argv[0], "%s: options -s/-S (loading .ko files) are not supported; mod takes no arguments", argv[1]);
    ks_err err;
    const struct kmodules *ms = kernel_modules(&s->k, &err);
    if (!ms)
        return cmd_fail(s, argv[0], "%s", err.msg);
    struct json jbuf, *j = cmd_json_list_begin(s, &jbuf, "modules");
    if (!j)
        fprintf(s->out, " MODULE   NAME                     BASE      SIZE  OBJECT FILE\n");
    for (size_t i = 0; i < ms->n; i++) {
        const struct kmodule *m = &ms->mods[i];
        if (j) {
            mod_json(s, j, m);
            continue;
        }
        fprintf(s->out, "%08" PRIx64 "  %-20s %08" PRIx64 "  %8" PRIu64 "  (not loaded)  [%s]\n", m->module, m->name, m->base,
                m->size, m->sym_error[0] ? m->sym_error : "CONFIG_KALLSYMS");
    }
    return cmd_json_list_end(s, j, 0);
}

const struct command cmd_mod = {
    "mod",
    "mod",
    "the loaded modules: name, base, size",
    "Walks the kernel's `modules` list. Columns: MODULE (the struct module), NAME, BASE and SIZE (the\n"
    "module's core: core_layout on 4.5-6.3, mem[MOD_TEXT] on 6.4+), OBJECT FILE (\"(not loaded)\":\n"
    "no .ko is read), and where the module's symbols came from: [CONFIG_KALLSYMS] when its in-memory\n"
    "kallsyms table was read (sym, bt and dis then name addresses inside it), else why not.\n"
    "Loading a .ko's symbols and DWARF (crash's mod -s / -S) is not supported yet.\n"
    "JSON: {\"modules\":[{\"name\",\"module\",\"base\",\"size\",\"state\",\"symbols\",\"symbols_error\",\"object_file\"}]}",
    run_mod,
};
