/*
 * The cold type-cache build (private to src/dwarf): one streaming pass over .debug_info
 * (die_stream.h). Each unit's types become compact nodes (typecache_unit.c, following types.c's
 * rules exactly) and are merged into one canonical graph as the pass goes (typecache_merge.c);
 * the unit is then freed. After the last unit, declarations and references to later units are
 * resolved, a partition refinement merges what the per-unit step left apart, and the records are
 * laid out as typecache.h says (typecache_write.c writes the file).
 */
#ifndef KS_TYPECACHE_BUILD_H
#define KS_TYPECACHE_BUILD_H
#include <stdbool.h>
#include <stdint.h>

#include "../util/hashmap.h"
#include "die_stream.h"
#include "dwarf_priv.h"
#include "typecache.h"

/* Node kinds beyond enum kt_kind: a named declaration ("struct foo;") standing for the definition
 * the index names, and a reference to a DIE of a unit not read yet. Both are resolved at the end. */
enum { TN_DECL = 32, TN_FWD = 33 };

/* A reference: TC_REF_VOID, TC_REF_NULL, canonical node + 1, or TN_LOCAL | unit node index. */
#define TN_LOCAL 0x80000000u
#define TN_UNSET 0xfffffffeu

/* Rounds of referents in a node's hash: enough to see through pointer -> function -> pointer ->
 * struct, the usual reason two anonymous nodes differ. */
#define TB_ROUNDS 4

struct tnode {
    uint8_t kind;          /* enum kt_kind, TN_DECL or TN_FWD */
    uint8_t flags;         /* enum tc_flag */
    uint8_t ns;            /* TN_DECL: enum kd_ns */
    uint8_t derived;       /* the size comes from the target at the end (typedefs, qualifiers, arrays) */
    uint32_t name;         /* offset in the string table, or TC_NO_NAME */
    uint32_t target;       /* a reference */
    uint32_t first, nkids; /* members (or enumerators, for an enum) */
    uint32_t chain;        /* canonical nodes: the next with the same hash, + 1 */
    uint64_t size, count, die;
    uint64_t h[TB_ROUNDS + 1]; /* h[0]: shape; h[k]: with k rounds of referents' hashes (h[TB_ROUNDS] is the key) */
};

struct tmember {
    uint32_t name, type;
    uint32_t bit_size, pad;
    uint64_t offset, bit_pos;
};

struct tvec {
    void *p;
    size_t n, cap;
};
/* Room for one more element of size sz; returns its index. */
size_t tv_push(struct tvec *v, size_t sz);
#define TV_AT(v, type, i) (((type *)(v).p)[i])

/* One index entry: a name's first definition (or a variable). ref: the type (for a variable, its
 * type), as a canonical reference once its unit is merged. */
struct tentry {
    uint64_t die;
    uint32_t name, ref;
    uint8_t ns;
};

/* Something of a unit to resolve and, once merged, record: an index entry's type, or (var != 0) a
 * partial unit's variable other units' definitions may name. */
struct tpending {
    uint32_t entry; /* index entry, or the variable's name */
    uint32_t ref;
    uint64_t die; /* the DIE to resolve */
    uint64_t var;
};

struct growbuf {
    uint8_t *p;
    size_t len, cap;
};
size_t gb_add(struct growbuf *b, const void *data, size_t n);

/* The file's sections as they are laid out (typecache_write.c). */
struct tc_out {
    struct growbuf strings, types, members, enums, dies, names, vars;
    struct hashmap string_at; /* string -> offset in strings (each name stored once) */
};
void tc_out_init(struct tc_out *w);
void tc_out_free(struct tc_out *w);
uint32_t tc_str_ref(struct tc_out *w, const char *s);
/* Header and sections in one checksummed buffer. */
struct growbuf tc_assemble(const struct tc_out *w, const char *build_id);

struct tb {
    struct tc_out *out;                /* the string table lives there */
    struct tvec nodes, members, enums; /* the canonical graph: tnode, tmember, tc_enum */
    struct u64map by_hash;             /* key hash -> first canonical node + 1 (chained) */
    struct tvec uf;                    /* uint32_t: canonical nodes proven equal (union-find parents) */
    struct u64map names;               /* ns << 32 | name -> entry index (tb_entry) */
    size_t count[NS_COUNT];            /* entries per namespace */
    struct u64map str_ids;             /* ds_string_key -> name, so a name in .debug_str is hashed once */
    uint32_t *str_direct;              /* the same for .debug_str offsets, as name + 1, when it is not huge */
    size_t str_direct_len;
    const struct ds_reader *r;
    struct tvec entries;         /* tentry */
    struct u64map exported;      /* partial units' DIEs -> canonical ref (dwz's shared types) */
    struct u64map exported_vars; /* partial units' top-level variables -> name << 32 | type ref */
    struct u64map fwd;           /* a later unit's DIE -> its TN_FWD canonical node */
    struct u64map wanted;        /* those DIEs -> canonical ref once read (TN_UNSET before) */
    uint64_t units, unit_nodes;
};

/* The unit being read: its nodes, with raw DIE references until they are resolved. */
struct ub {
    struct tb *b;
    const struct ds_unit *u;
    bool partial;
    struct tvec nodes, members, enums;
    struct tvec tdie, mdie; /* uint64_t: a node's target DIE, a member's type DIE */
    struct tvec fixups;     /* bit-fields whose storage unit size needs the member's type */
    struct tvec pending;    /* index entries of this unit: entry index + DIE to resolve */
    uint32_t *at;           /* DIE offset - unit offset -> node index + 1 (one per byte of the unit) */
    size_t at_cap;
    uint32_t *map, *hyp, *stamp; /* merge state, one per node */
    uint32_t gen;
};

#define TDIE_SET UINT64_MAX /* the node's target is already a reference */

uint32_t tb_intern(struct tb *b, const char *s);
/* The index entry for (ns, name), or false. */
bool tb_entry(const struct tb *b, int ns, uint32_t name, uint64_t *entry);
/* The node for DIE offset die of the unit, or false. */
bool tb_node_at(const struct ub *ub, uint64_t die, uint32_t *node);
/* Read one unit into ub's nodes and the index, references resolved (typecache_unit.c). */
int tb_read_unit(struct ub *ub, ks_err *err);
/* Size as kt_size computes it, for a unit reference or a canonical one (depth-bounded). */
uint64_t tb_size(const struct ub *ub, uint32_t ref, int depth);
/* Merge ub into the canonical graph; ub's pending entries get canonical refs (typecache_merge.c). */
void tb_merge_unit(struct ub *ub);
/* After the last unit: resolve, refine, and lay the records out in out. */
int tb_finish(struct tb *b, ks_err *err);
uint64_t tb_mix(uint64_t h, uint64_t v);
/* The hash of a node's own shape (kind, name, size, count, flags, members' places, enumerators). */
uint64_t tb_shape(const struct tnode *t, const struct tmember *mem, const struct tc_enum *en);

#endif
