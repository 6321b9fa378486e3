/*
 * Abbreviation tables of the streaming DIE reader (die_stream.h): parsed once per table offset,
 * every LEB128, code, tag and form checked; a form the reader does not support says so.
 */
#include <libdwarf/dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "die_stream_priv.h"

bool ds_form_known(uint64_t form)
{
    return (form >= DW_FORM_addr && form <= DW_FORM_addrx4 && form != 2) || form == DW_FORM_GNU_addr_index ||
           form == DW_FORM_GNU_str_index || form == DW_FORM_GNU_ref_alt || form == DW_FORM_GNU_strp_alt;
}

bool ds_form_unsupported(uint64_t form)
{
    return form == DW_FORM_ref_sig8 || form == DW_FORM_ref_sup4 || form == DW_FORM_ref_sup8 || form == DW_FORM_strp_sup ||
           form == DW_FORM_GNU_addr_index || form == DW_FORM_GNU_str_index || form == DW_FORM_GNU_ref_alt ||
           form == DW_FORM_GNU_strp_alt;
}

static int by_code(const void *a, const void *b)
{
    const struct ds_abbrev *x = a, *y = b;
    return x->code < y->code ? -1 : x->code > y->code;
}

static int parse_specs(struct cur *c, struct ds_table *t, size_t *capspecs, struct ds_abbrev *a, ks_err *err)
{
    a->first = (uint32_t)t->nspecs;
    for (;;) {
        uint64_t at = uleb(c), form = uleb(c);
        if (c->bad)
            return ds_corrupt(err, "an abbreviation runs past .debug_abbrev");
        if (!at && !form)
            return 0;
        if (!ds_form_known(form) || at > 0xffff)
            return ds_corrupt(err, "an abbreviation names an unknown form");
        if (ds_form_unsupported(form))
            return ds_unsupported(err, "type units, supplementary or split DWARF forms");
        if (++a->nspec > DS_MAX_ATTRS)
            return ds_corrupt(err, "an abbreviation has too many attributes");
        if (t->nspecs == *capspecs)
            t->specs = xrealloc(t->specs, (*capspecs = *capspecs ? *capspecs * 2 : 64) * sizeof *t->specs);
        struct ds_spec *s = &t->specs[t->nspecs++];
        s->at = (uint16_t)at;
        s->form = (uint16_t)form;
        s->implicit = form == DW_FORM_implicit_const ? sleb(c) : 0;
    }
}

int ds_parse_table(const struct ds_blob *sec, uint64_t off, struct ds_table *t, ks_err *err)
{
    memset(t, 0, sizeof *t);
    if (off >= sec->size)
        return ds_corrupt(err, "a unit's abbreviations lie outside .debug_abbrev");
    struct cur c = {sec->p + off, sec->p + sec->size, false};
    size_t cap = 0, capspecs = 0;
    uint64_t maxcode = 0;
    for (;;) {
        uint64_t code = uleb(&c);
        if (c.bad)
            return ds_corrupt(err, "abbreviations run past .debug_abbrev");
        if (!code)
            break;
        if (t->n == cap)
            t->abbrevs = xrealloc(t->abbrevs, (cap = cap ? cap * 2 : 64) * sizeof *t->abbrevs);
        struct ds_abbrev *a = &t->abbrevs[t->n++];
        memset(a, 0, sizeof *a);
        a->code = code;
        uint64_t tag = uleb(&c);
        a->tag = (uint16_t)tag;
        a->children = rd(&c, 1) != 0;
        if (c.bad || tag > 0xffff || !tag)
            return ds_corrupt(err, "a malformed abbreviation");
        int rc = parse_specs(&c, t, &capspecs, a, err);
        if (rc)
            return rc;
        maxcode = KS_MAX(maxcode, code);
    }
    qsort(t->abbrevs, t->n, sizeof *t->abbrevs, by_code);
    for (size_t i = 1; i < t->n; i++)
        if (t->abbrevs[i].code == t->abbrevs[i - 1].code)
            return ds_corrupt(err, "an abbreviation code appears twice");
    if (maxcode <= 2 * t->n + 1024) { /* the usual case: codes 1..n */
        t->ndirect = maxcode + 1;
        t->direct = xcalloc(t->ndirect, sizeof *t->direct);
        for (size_t i = 0; i < t->n; i++)
            t->direct[t->abbrevs[i].code] = &t->abbrevs[i];
    }
    return 0;
}

const struct ds_abbrev *ds_abbrev_of(const struct ds_table *t, uint64_t code)
{
    if (t->direct)
        return code < t->ndirect ? t->direct[code] : NULL;
    struct ds_abbrev key = {.code = code};
    return bsearch(&key, t->abbrevs, t->n, sizeof key, by_code);
}

void ds_free_table(struct ds_table *t)
{
    free(t->abbrevs);
    free(t->specs);
    free(t->direct);
}
