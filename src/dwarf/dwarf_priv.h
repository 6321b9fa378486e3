/* Shared between the DWARF index (dwarf_index.c) and the type builder (types.c). Not for other layers. */
#ifndef KS_DWARF_PRIV_H
#define KS_DWARF_PRIV_H
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "../util/hashmap.h"
#include "lines.h"
#include "types.h"

enum kd_ns { NS_STRUCT, NS_UNION, NS_ENUM, NS_TYPEDEF, NS_VAR, NS_VARDECL, NS_ENUMERATOR, NS_COUNT };

struct kdwarf {
    int fd;
    Dwarf_Debug dbg;
    struct hashmap ns[NS_COUNT];     /* name -> DIE offset */
    struct hashmap var_types;        /* variable name -> struct ktype * (looked up once) */
    struct hashmap names;            /* every name of a DWARF-built type or member, each stored once */
    struct u64map by_die;            /* DIE offset -> struct ktype * (several DIEs may share a type) */
    struct hashmap built;            /* "%llx" DIE offset -> struct ktype * (an index: several keys may share a type) */
    struct ktype **owned;            /* every type allocated, freed once at close */
    size_t nowned, capowned;
    unsigned long errors;            /* libdwarf errors met without an error argument */
    char origin[512];
    struct kd_lines *lines;          /* line tables decoded so far (lines.c) */
    struct ktype void_type;
    struct kdwarf *const *extra;     /* modules' DWARF searched by the *_any lookups (not owned) */
    size_t nextra;
    struct tcache *tc;               /* the mapped type cache, or NULL (typecache.h) */
    uint8_t *image;                  /* the cache in memory when it could not be written (tc_attach) */
    char *path;                      /* the vmlinux, for starting libdwarf late */
    bool dwarf_failed;               /* libdwarf was started late and could not read the DWARF */
};

/* libdwarf on kd's file, started now if the type cache let it sleep so far (0 when it runs). */
int kd_need_dwarf(struct kdwarf *kd, ks_err *err);

/* libdwarf on kd->fd (dwarf_start.c); kd_dwarf_stop() ends it. */
int kd_dwarf_start(struct kdwarf *kd, Dwarf_Handler on_error, Dwarf_Error *e);
void kd_dwarf_stop(struct kdwarf *kd);

/* Attribute helpers over libdwarf (0 on success). */
int kd_attr_ref(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *off);
int kd_attr_udata(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half at, Dwarf_Unsigned *v);
int kd_attr_sdata(struct kdwarf *kd, Dwarf_Die die, Dwarf_Half at, Dwarf_Signed *v);
bool kd_has_attr(Dwarf_Die die, Dwarf_Half at);
/* The DIE's name, or NULL: kd's one copy of it (kd->names), never freed by the caller. */
char *kd_name(struct kdwarf *kd, Dwarf_Die die);
/* .debug_rnglists/.debug_loclists headers libdwarf 20210528 would mishandle (list_tables.c). */
int kd_check_list_tables(int fd, const char *file, ks_err *err);
/* A new zeroed type owned by kd. */
struct ktype *kd_new_type(struct kdwarf *kd);
/* The DIE offset of the compile unit whose code holds link_addr (.debug_aranges): lines.c. */
int kd_cu_at(struct kdwarf *kd, uint64_t link_addr, uint64_t *cu_die, ks_err *err);
/* Build (or fetch) the type at a DIE offset: types.c. */
struct ktype *kd_build_type(struct kdwarf *kd, uint64_t die);

#endif
