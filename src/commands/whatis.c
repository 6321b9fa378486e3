/* whatis NAME — what a name is: a variable's declaration, or a type's definition and size. */
#include <string.h>

#include "../kernel/printval.h"
#include "commands.h"

static int run_whatis(struct session *s, int argc, char **argv)
{
    if (argc < 2) return cmd_fail(s, argv[0], "usage: whatis VARIABLE|TYPE");
    char name[256] = "";
    for (int i = 1; i < argc; i++) {   /* "whatis struct page" arrives as two words */
        strncat(name, argv[i], sizeof name - strlen(name) - 2);
        if (i + 1 < argc) strcat(name, " ");
    }
    struct ktype *t = kdwarf_var_type(s->k.dwarf, name);
    if (t) {
        char decl[400];
        decl_text(&s->k, t, name, decl, sizeof decl);
        fprintf(s->out, "%s;\n", decl);
        return 0;
    }
    t = kdwarf_type(s->k.dwarf, name);
    if (!t) return cmd_fail(s, argv[0], "%s is neither a variable nor a type in the vmlinux DWARF", name);
    struct ktype *st = kt_strip(t);
    if (st && (st->kind == KT_STRUCT || st->kind == KT_UNION)) {
        bool td = t->kind == KT_TYPEDEF;
        if (td) fprintf(s->out, "typedef ");
        print_layout(&s->k, s->out, st, false, 0, 0, td ? t->name : NULL);
        return 0;
    }
    char tn[256];
    kt_name(s->k.dwarf, st, tn, sizeof tn);
    if (st && st->kind == KT_ENUM) {
        fprintf(s->out, "%s {\n", tn);
        for (unsigned i = 0; i < st->nenums; i++) fprintf(s->out, "  %s = %lld,\n", st->enums[i].name, (long long)st->enums[i].value);
        fputs("};\n", s->out);
    } else if (t->kind == KT_TYPEDEF) {
        fprintf(s->out, "typedef %s %s;\n", tn, t->name);
    } else {
        fprintf(s->out, "type = %s\n", tn);
    }
    fprintf(s->out, "SIZE: %llu\n", (unsigned long long)kt_size(t));
    return 0;
}

const struct command cmd_whatis = {
    "whatis", "whatis VARIABLE|TYPE", "declaration of a variable, or definition of a type",
    "A global variable prints as its C declaration; a struct, union, enum or typedef prints its\n"
    "definition and SIZE, from the vmlinux's DWARF.",
    run_whatis,
};
