/*
 * The DWARF name index: one pass over the top-level DIEs of every compile unit, recording where
 * each named type, enumerator and global variable is defined. Each struct is repeated in every CU
 * that uses it; the first complete definition wins. The index and every type it reaches are saved
 * as the type cache (typecache.h) in ~/.cache/ksleuth/<build-id>.types (or $KSLEUTH_CACHE_DIR), so
 * the next start skips the pass and libdwarf altogether.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dwarf_priv.h"
#include "symtab.h"
#include "typecache.h"

bool kd_has_attr(Dwarf_Die die, Dwarf_Half at)
{
    Dwarf_Bool has = 0;
    return dwarf_hasattr(die, at, &has, NULL) == DW_DLV_OK && has;
}

/* Interned: a distribution kernel's DWARF names 5 M members while the type cache is built, nearly
 * all of them repeats of one another (every unit's copy of every struct). */
char *kd_name(struct kdwarf *kd, Dwarf_Die die)
{
    char *name = NULL;
    if (dwarf_diename(die, &name, NULL) != DW_DLV_OK || !name) return NULL;
    return (char *)hm_intern(&kd->names, name);
}

static int with_attr(Dwarf_Die die, Dwarf_Half at, Dwarf_Attribute *attr)
{
    return dwarf_attr(die, at, attr, NULL) == DW_DLV_OK ? 0 : -1;
}

int kd_attr_ref(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off)
{
    (void)kd;
    Dwarf_Attribute a;
    if (with_attr(die, at, &a)) return -1;
    int r = dwarf_global_formref(a, off, NULL) == DW_DLV_OK ? 0 : -1;
    dwarf_dealloc_attribute(a);
    return r;
}

int kd_attr_udata(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v)
{
    (void)kd;
    Dwarf_Attribute a;
    if (with_attr(die, at, &a)) return -1;
    int r = dwarf_formudata(a, v, NULL) == DW_DLV_OK ? 0 : -1;
    if (r) {
        Dwarf_Signed s;
        if (dwarf_formsdata(a, &s, NULL) == DW_DLV_OK) { *v = (Dwarf_Unsigned)s; r = 0; }
    }
    dwarf_dealloc_attribute(a);
    return r;
}

int kd_attr_sdata(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half at, Dwarf_Signed *v)
{
    (void)kd;
    Dwarf_Attribute a;
    if (with_attr(die, at, &a)) return -1;
    Dwarf_Half form = 0;
    dwarf_whatform(a, &form, NULL);
    int r;
    if (form == DW_FORM_udata || form == DW_FORM_data1 || form == DW_FORM_data2 || form == DW_FORM_data4 ||
        form == DW_FORM_data8) {
        /* Fixed-size data is sign-less in DWARF; enum values like -1 come as sdata. */
        Dwarf_Unsigned u;
        r = dwarf_formudata(a, &u, NULL) == DW_DLV_OK ? 0 : -1;
        *v = (Dwarf_Signed)u;
    } else {
        r = dwarf_formsdata(a, v, NULL) == DW_DLV_OK ? 0 : -1;
    }
    dwarf_dealloc_attribute(a);
    return r;
}

/* ---- the index pass ---- */

static void index_enumerators(struct kdwarf *kd, Dwarf_Die en, Dwarf_Off en_off)
{
    Dwarf_Die c = NULL;
    if (dwarf_child(en, &c, NULL) != DW_DLV_OK) return;
    while (c) {
        char *name = NULL;
        if (dwarf_diename(c, &name, NULL) == DW_DLV_OK && name) hm_put(&kd->ns[NS_ENUMERATOR], name, en_off);
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(kd->dbg, c, 1, &next, NULL);
        dwarf_dealloc_die(c);
        c = r == DW_DLV_OK ? next : NULL;
    }
}

static void index_var(struct kdwarf *kd, Dwarf_Die die, Dwarf_Off off)
{
    Dwarf_Off spec;
    if (kd_attr_ref(kd, die, DW_AT_specification, &spec) == 0) {
        /* A definition whose name and type live on the declaration it points to. */
        Dwarf_Die decl;
        if (dwarf_offdie_b(kd->dbg, spec, 1, &decl, NULL) != DW_DLV_OK) return;
        char *name = NULL;
        if (dwarf_diename(decl, &name, NULL) == DW_DLV_OK && name) hm_put(&kd->ns[NS_VAR], name, spec);
        dwarf_dealloc_die(decl);
        return;
    }
    char *name = NULL;
    if (dwarf_diename(die, &name, NULL) != DW_DLV_OK || !name || !kd_has_attr(die, DW_AT_type)) return;
    hm_put(&kd->ns[kd_has_attr(die, DW_AT_declaration) ? NS_VARDECL : NS_VAR], name, off);
}

static void index_die(struct kdwarf *kd, Dwarf_Die die)
{
    Dwarf_Half tag;
    Dwarf_Off off;
    if (dwarf_tag(die, &tag, NULL) != DW_DLV_OK || dwarf_dieoffset(die, &off, NULL) != DW_DLV_OK) return;
    if (tag == DW_TAG_variable) { index_var(kd, die, off); return; }
    if (tag == DW_TAG_enumeration_type) index_enumerators(kd, die, off);
    int ns = tag == DW_TAG_structure_type ? NS_STRUCT : tag == DW_TAG_union_type ? NS_UNION
           : tag == DW_TAG_enumeration_type ? NS_ENUM : tag == DW_TAG_typedef || tag == DW_TAG_base_type ? NS_TYPEDEF : -1;
    if (ns < 0) return;
    char *name = NULL;
    if (dwarf_diename(die, &name, NULL) != DW_DLV_OK || !name) return;
    if (kd_has_attr(die, DW_AT_declaration)) return;    /* "struct foo;" says nothing */
    hm_put(&kd->ns[ns], name, off);
}

static void index_cu(struct kdwarf *kd, Dwarf_Die cu)
{
    Dwarf_Die d = NULL;
    if (dwarf_child(cu, &d, NULL) != DW_DLV_OK) return;
    while (d) {
        index_die(kd, d);
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(kd->dbg, d, 1, &next, NULL);
        dwarf_dealloc_die(d);
        d = r == DW_DLV_OK ? next : NULL;
    }
}

static int build_index(struct kdwarf *kd, bool progress, ks_err *err)
{
    unsigned ncu = 0;
    for (;;) {
        Dwarf_Unsigned len, typeoff, next;
        Dwarf_Half ver, asz, lsz, esz, cutype;
        Dwarf_Off abbr;
        Dwarf_Sig8 sig;
        Dwarf_Error e = NULL;
        int r = dwarf_next_cu_header_d(kd->dbg, 1, &len, &ver, &abbr, &asz, &lsz, &esz, &sig, &typeoff, &next, &cutype, &e);
        if (r == DW_DLV_NO_ENTRY) break;
        if (r != DW_DLV_OK) {
            ks_fail(err, "DWARF: cannot read compile unit %u: %s", ncu, e ? dwarf_errmsg(e) : "?");
            if (e) dwarf_dealloc(kd->dbg, e, DW_DLA_ERROR);
            return -1;
        }
        Dwarf_Die cu = NULL;
        r = dwarf_siblingof_b(kd->dbg, NULL, 1, &cu, &e);
        if (r == DW_DLV_ERROR) {
            /* Going on to the next unit after this makes libdwarf 20210528 free its range-list
             * contexts twice (found by fuzz_relobj): a unit that cannot be read ends the index. */
            ks_fail(err, "DWARF: cannot read compile unit %u: %s", ncu, e ? dwarf_errmsg(e) : "?");
            if (e) dwarf_dealloc(kd->dbg, e, DW_DLA_ERROR);
            return -1;
        }
        if (r == DW_DLV_OK) {
            index_cu(kd, cu);
            dwarf_dealloc_die(cu);
        }
        if (progress && ++ncu % 64 == 0) fprintf(stderr, "\rksleuth: indexing DWARF types: %u compile units", ncu);
    }
    if (progress) fprintf(stderr, "\r%60s\r", "");
    if (!kd->ns[NS_STRUCT].len) return ks_fail(err, "vmlinux DWARF has no struct types (built without CONFIG_DEBUG_INFO?)");
    return 0;
}

/* ---- the type cache's place ---- */

static void cache_path(const struct symtab *st, char *out, size_t outsz)
{
    char id[130];
    symtab_build_id_hex(st, id, sizeof id);
    const char *dir = getenv("KSLEUTH_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (!id[0]) { out[0] = 0; return; }
    if (dir)
        snprintf(out, outsz, "%s/%s.types", dir, id);
    else if (xdg)
        snprintf(out, outsz, "%s/ksleuth/%s.types", xdg, id);
    else if (home)
        snprintf(out, outsz, "%s/.cache/ksleuth/%s.types", home, id);
    else out[0] = 0;
}

/* libdwarf calls this for an error met in a call made without an error argument. Without a handler
 * it would abort(); with one, the call returns DW_DLV_ERROR and we treat it as "attribute absent". */
static void on_dwarf_error(Dwarf_Error e, Dwarf_Ptr arg)
{
    struct kdwarf *kd = arg;
    if (!kd->errors++ && getenv("KSLEUTH_DEBUG")) fprintf(stderr, "ksleuth: libdwarf: %s\n", dwarf_errmsg(e));
}

static struct kdwarf *kdwarf_new(void)
{
    struct kdwarf *kd = xcalloc(1, sizeof *kd);
    for (int i = 0; i < NS_COUNT; i++)
        hm_init(&kd->ns[i]);
    hm_init(&kd->built);
    u64_init(&kd->by_die);
    hm_init(&kd->names);
    hm_init(&kd->var_types);
    kd->void_type.kind = KT_VOID;
    kd->void_type.name = "void";
    kd->fd = -1;
    return kd;
}

/* libdwarf on an open file (kd takes the fd). */
static int kdwarf_init(struct kdwarf *kd, int fd, const char *name, ks_err *err)
{
    kd->fd = fd;
    /* A linked vmlinux may keep .rel.debug_* (emit-relocs); its values are final already. A module's
     * copy is relocated by relobj.c before it gets here. */
    dwarf_set_reloc_application(0);
    if (kd_check_list_tables(fd, name, err))
        return -1;
    Dwarf_Error e = NULL;
    if (kd_dwarf_start(kd, on_dwarf_error, &e) != DW_DLV_OK) {
        ks_fail(err, "%s: libdwarf cannot read its DWARF: %s", name, e ? dwarf_errmsg(e) : "no DWARF");
        if (e) dwarf_dealloc(NULL, e, DW_DLA_ERROR);    /* made without a Dwarf_Debug: freed without one */
        kd->dbg = NULL;
        return -1;
    }
    return 0;
}

/* Index every name, saying how long it took in kd->origin. */
static int kdwarf_build(struct kdwarf *kd, bool progress, ks_err *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (build_index(kd, progress, err) != 0) return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    size_t n = 0;
    for (int i = 0; i < NS_COUNT; i++) n += kd->ns[i].len;
    snprintf(kd->origin, sizeof kd->origin, "built (%zu names, %.1f s)", n,
             (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

int kd_need_dwarf(struct kdwarf *kd, ks_err *err)
{
    if (kd->dbg)
        return 0;
    if (kd->dwarf_failed || kd->fd < 0)
        return ks_fail(err, "%s: its DWARF cannot be read", kd->path ? kd->path : "vmlinux");
    if (kdwarf_init(kd, kd->fd, kd->path, err) == 0)
        return 0;
    kd->dwarf_failed = true;
    return -1;
}

/* A failed cache leaves no names behind (tc_attach forgets its own on failure; this is for the rest). */
static void forget_index(struct kdwarf *kd)
{
    tc_close(kd->tc);
    kd->tc = NULL;
    free(kd->image);
    kd->image = NULL;
    for (int i = 0; i < NS_COUNT; i++) {
        hm_free(&kd->ns[i]);
        hm_init(&kd->ns[i]);
    }
}

/* Answer from the type cache if there is a good one: 0 when kd now uses it. */
static int try_cache(struct kdwarf *kd, const char *path, const char *build_id)
{
    struct tc_why why;
    int r = tc_open(kd, path, build_id, &why);
    if (r == 0) {
        snprintf(kd->origin, sizeof kd->origin, "cache %s", path);
        return 0;
    }
    if (r < 0)
        fprintf(stderr, "ksleuth: type cache %s: %s; rebuilding it\n", path, why.text);
    return -1;
}

/* The cold start: one streaming pass over the DWARF builds the cache (typecache_build.h), which
 * is written and then serves this session exactly as it serves a warm start. If the file cannot
 * be written or read back, the session answers from the image in memory. 0 when kd uses it. */
static int stream_cache(struct kdwarf *kd, const char *path, const char *id, bool progress, ks_err *err)
{
    struct timespec t0, t1;
    struct tc_image image;
    struct tc_why why;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = tc_stream_build(kd->fd, kd->path, id, progress, &image, err);
    if (r)
        return r;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (tc_publish(image.p, image.len, path) == 0 && tc_open(kd, path, id, &why) == 0) {
        free(image.p);
    } else if (tc_attach(kd, image.p, image.len, id, &why) == 0) {
        kd->image = image.p;
    } else {
        free(image.p);
        return ks_fail(err, "type cache: %s", why.text);
    }
    snprintf(kd->origin, sizeof kd->origin, "built (%zu names, %.1f s)", image.names,
             (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

int kdwarf_open(struct kdwarf **out, const char *vmlinux, const struct symtab *st, const struct kdwarf_opts *o, ks_err *err)
{
    struct kdwarf *kd = *out = kdwarf_new();
    if (!st->has_debug_info) return ks_fail(err, "%s: no DWARF debug info (need a vmlinux built with CONFIG_DEBUG_INFO)", vmlinux);
    int fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ks_fail(err, "%s: %s", vmlinux, strerror(errno));
    kd->fd = fd;
    kd->path = xstrdup(vmlinux);
    char path[1024], id[130];
    cache_path(st, path, sizeof path);
    symtab_build_id_hex(st, id, sizeof id);
    if (!o->no_cache && path[0] && try_cache(kd, path, id) == 0)
        return 0;
    ks_err why;
    bool fallback = false;
    if (!o->no_cache && path[0]) {
        if (stream_cache(kd, path, id, o->progress, &why) == 0)
            return 0;
        forget_index(kd);
        fallback = true;
    }
    /* libdwarf reads what the stream does not support (or found damaged), without a cache. If it
     * cannot either, the stream's reason is the one error line. */
    if (kdwarf_init(kd, fd, vmlinux, err) || kdwarf_build(kd, o->progress, err))
        return fallback ? ks_fail(err, "%s: %s", vmlinux, why.msg) : -1;
    if (fallback)
        fprintf(stderr, "ksleuth: %s; types read through libdwarf, without a type cache\n", why.msg);
    return 0;
}

int kdwarf_open_cache_buffer(struct kdwarf **out, const uint8_t *buf, size_t len, const char *build_id, ks_err *err)
{
    struct kdwarf *kd = *out = kdwarf_new();
    struct tc_why why;
    if (tc_attach(kd, buf, len, build_id, &why) == 0)
        return 0;
    kdwarf_close(kd);
    *out = NULL;
    return ks_fail(err, "type cache: %s", why.text);
}

int kdwarf_open_fd(struct kdwarf **out, int fd, const char *name, ks_err *err)
{
    struct kdwarf *kd = *out = kdwarf_new();
    if (kdwarf_init(kd, fd, name, err) || kdwarf_build(kd, false, err)) {
        kdwarf_close(kd);
        *out = NULL;
        return -1;
    }
    return 0;
}

const char *kdwarf_index_origin(const struct kdwarf *kd) { return kd->origin; }

static void free_type(struct ktype *t)
{
    /* Names belong to the owner's pool (kd->names) or to the mapped type cache. */
    free(t->members);
    free(t->enums);
    free(t);
}

struct ktype *kd_new_type(struct kdwarf *kd)
{
    if (kd->nowned == kd->capowned) kd->owned = xrealloc(kd->owned, (kd->capowned = kd->capowned ? kd->capowned * 2 : 256) * sizeof *kd->owned);
    struct ktype *t = xcalloc(1, sizeof(struct ktype));
    t->owner = kd;
    return kd->owned[kd->nowned++] = t;
}

void kdwarf_close(struct kdwarf *kd)
{
    if (!kd) return;
    for (size_t i = 0; i < kd->nowned; i++) free_type(kd->owned[i]);
    free(kd->owned);
    hm_free(&kd->built);
    u64_free(&kd->by_die);
    hm_free(&kd->names);
    hm_free(&kd->var_types);
    for (int i = 0; i < NS_COUNT; i++) hm_free(&kd->ns[i]);
    kd_lines_free(kd->lines);
    tc_close(kd->tc);
    free(kd->image);
    free(kd->path);
    kd_dwarf_stop(kd);
    if (kd->fd >= 0) close(kd->fd);
    free(kd);
}
