/*
 * Attribute queries over a decoded DIE (die_stream.h), answering as the libdwarf calls that
 * dwarf_index.c and types.c make would: which forms count as an unsigned or signed constant, a
 * reference, a name.
 */
#include <libdwarf/dwarf.h>

#include "die_stream.h"

const struct ds_attr *ds_attr(const struct ds_die *d, uint16_t at)
{
    for (unsigned i = 0; i < d->nattr; i++)
        if (d->attr[i].at == at)
            return &d->attr[i];
    return NULL;
}

static bool is_data(uint16_t form)
{
    return form == DW_FORM_data1 || form == DW_FORM_data2 || form == DW_FORM_data4 || form == DW_FORM_data8 ||
           form == DW_FORM_udata;
}

int ds_udata(const struct ds_die *d, uint16_t at, uint64_t *v)
{
    const struct ds_attr *a = ds_attr(d, at);
    if (!a || (!is_data(a->form) && a->form != DW_FORM_sdata && a->form != DW_FORM_implicit_const))
        return -1;
    *v = a->u;
    return 0;
}

int ds_sdata(const struct ds_die *d, uint16_t at, int64_t *v)
{
    const struct ds_attr *a = ds_attr(d, at);
    if (!a || (!is_data(a->form) && a->form != DW_FORM_sdata && a->form != DW_FORM_implicit_const))
        return -1;
    *v = (int64_t)a->u;
    return 0;
}

int ds_ref(const struct ds_die *d, uint16_t at, uint64_t *off)
{
    const struct ds_attr *a = ds_attr(d, at);
    if (!a || (a->form != DW_FORM_ref1 && a->form != DW_FORM_ref2 && a->form != DW_FORM_ref4 && a->form != DW_FORM_ref8 &&
               a->form != DW_FORM_ref_udata && a->form != DW_FORM_ref_addr))
        return -1;
    *off = a->u;
    return 0;
}

const char *ds_name(const struct ds_die *d)
{
    const struct ds_attr *a = ds_attr(d, DW_AT_name);
    return a ? a->str : NULL;
}
