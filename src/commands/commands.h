/*
 * commands: one file per command, each exporting a `struct command`. A command gets the session
 * and its words (argv[0] is its name), prints to s->out, and returns 0, or non-zero after saying
 * what failed with cmd_fail(). In JSON mode a data command prints exactly one JSON document, on
 * one line.
 */
#ifndef KS_COMMANDS_H
#define KS_COMMANDS_H
#include "../session.h"
#include "../output/output.h"
#include "../util/json.h"
#include "../kernel/printval.h"

struct command {
    const char *name;
    const char *usage;   /* "vtop [-c PID|TASK] [-u|-k] ADDRESS..." */
    const char *summary; /* one line for `help` */
    const char *help;    /* the rest of `help CMD`: options, columns, JSON */
    int (*run)(struct session *s, int argc, char **argv);
};

const struct command *command_find(const char *name);
/* NULL-terminated list, in help order. */
const struct command *const *command_all(void);

/* Report an error for this command (stderr line, plus {"error":...} in JSON mode); returns 1. */
int cmd_fail(struct session *s, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error that keeps its kind and address (ks_err): the same line, and JSON's document says them. */
int cmd_fail_err(struct session *s, const char *cmd, const ks_err *e);
/* The error line alone, for a command whose own output (text or its JSON document) already shows
 * the failure, e.g. a backtrace that stopped early; returns 1. */
int cmd_fail_line(struct session *s, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Print a finished JSON document on its own line. */
void cmd_json_emit(struct session *s, struct json *j);
/* The common document shape {"KEY":[ ... ]}: begin returns j (or NULL in text mode) ready for the
 * items; end closes it, prints it if rc == 0, and returns rc. */
struct json *cmd_json_list_begin(struct session *s, struct json *j, const char *key);
int cmd_json_list_end(struct session *s, struct json *j, int rc);
/* A task named as crash users name one: a decimal number below PAGE_OFFSET is a PID (looked up
 * on the task list), anything else a task_struct address in hex, which must be on the task list
 * too (or a CPU's idle task): bt, vm, task, set and vtop -c never take any other address as a task. */
int cmd_parse_task(struct session *s, const char *arg, uint64_t *task, ks_err *err);
/* Run something with its output (s->out) captured into out, trailing newlines dropped: 0, or 1 if
 * it failed; -1 if nothing could be captured. For commands that gather other commands' documents
 * into one (foreach, kmem with several options). */
int cmd_capture(struct session *s, int (*run)(struct session *s, void *arg), void *arg, strbuf *out);
/* Parse an address or number argument: symbol names, hex (crash's default) or 0x.. / decimal with d suffix. */
int cmd_parse_addr(struct session *s, const char *arg, uint64_t *out, ks_err *err);

/* crash's struct page line: PAGE PHYSICAL MAPPING INDEX CNT FLAGS (or a JSON object when j is set). */
struct page_info;
#define CMD_PAGE_HEADER "  PAGE    PHYSICAL   MAPPING    INDEX CNT FLAGS\n"
void cmd_page_line(struct session *s, const struct page_info *pi, struct json *j);
/* The same as a table of the output model: open it (a list or one object under key), then one
 * cmd_page_row per page; JSON {"page","paddr","mapping","index","count","flags","flag_names"}. */
void cmd_page_table_in(struct table *parent, struct table *t, const char *key, enum table_shape shape);
void cmd_page_table(struct session *s, struct table *t, const char *key);
void cmd_page_row(struct table *t, const struct page_info *pi);

/* crash's VMA line: VMA START END FLAGS FILE; JSON {"vma","start","end","flags","perms","offset",
 * "file"} ("offset" only when with_offset). */
struct vma_info;
void cmd_vma_table_in(struct table *parent, struct table *t, const char *key, enum table_shape shape);
void cmd_vma_row(struct table *t, const struct vma_info *v, bool with_offset);
/* crash's task line "PID: 40     TASK: c5f3c300  CPU: 0   COMMAND: "workload"" as a record's
 * members: pid, task and comm (CPU is for people only). */
struct task_info;
void cmd_task_record(struct session *s, struct table *r, const struct task_info *ti);

/* Blocks per migratetype: for people more columns of the row (" %11u" under " %11s" titles, as
 * crash lines them up), for programs an object by migratetype name (kmem -f, frag). */
struct zone_geometry;
#define CMD_MIGRATE_TITLE_MAX (12 * 8 + 1)
/* cols copied to dst, the "by_migratetype" column titled with the migratetypes' names (kept in title). */
void cmd_migratetype_columns(const struct zone_geometry *g, const struct column *cols, size_t n, struct column *dst,
                             char title[CMD_MIGRATE_TITLE_MAX]);
void cmd_migratetype_counts(struct table *row, const char *key, const struct zone_geometry *g, const uint64_t *counts);

/* -s STRUCT[.MEMBER,...] of list and tree: each entry printed as `struct` does, or only those members
 * ("  a = VALUE," lines; JSON {"value":{...}}). */
struct entry_show {
    struct ktype *type;
    char members[512]; /* "a,b", or "" for the whole struct */
};
int entry_show_parse(struct session *s, char *spec, struct entry_show *e, ks_err *err);
int entry_show_text(struct session *s, const struct entry_show *e, uint64_t addr, ks_err *err);
/* key: the member to write ("value"), or NULL inside an array. */
int entry_show_json(struct kernel *k, struct json *j, const char *key, const struct entry_show *e, uint64_t addr, ks_err *err);
/* A START as list and tree take it: an address, a symbol, or VARIABLE.MEMBER (its address). */
int entry_parse_start(struct session *s, const char *word, uint64_t *addr, ks_err *err);

/* A kernel value as one cell (value_cell.c): printval's gdb text for people, its JSON for programs.
 * In memory (an object at addr, read when rendered) or as the bytes of a value computed elsewhere. */
struct value_cell {
    struct kernel *k;
    struct ktype *type;
    bool in_memory;
    uint64_t addr;
    uint8_t bytes[8];
    int indent; /* text: the column the object's closing brace lines up with */
    struct printval_opts po;
    struct cell_render r;
};
const struct cell_render *value_cell_at(struct value_cell *c, struct kernel *k, struct ktype *t, uint64_t addr, int indent,
                                        const struct printval_opts *po);
const struct cell_render *value_cell_bytes(struct value_cell *c, struct kernel *k, struct ktype *t, const uint8_t bytes[8],
                                           const struct printval_opts *po);
/* A struct/union layout as one cell: `struct NAME [-o]` text for people (declared: the typedef
 * whose definition it is, "typedef struct {...} pte_t;"), {"type","size","members"} merged into the enclosing object for programs. */
struct layout_cell {
    struct kernel *k;
    struct ktype *type;
    bool offsets;
    const char *declared;
    struct cell_render r;
};
const struct cell_render *layout_cell(struct layout_cell *c, struct kernel *k, struct ktype *t, bool offsets,
                                      const char *declared);

extern const struct command cmd_sys, cmd_help, cmd_sym, cmd_struct, cmd_union, cmd_whatis, cmd_p, cmd_rd, cmd_vtop, cmd_ptov,
    cmd_log, cmd_set, cmd_eval, cmd_q, cmd_exit, cmd_ps, cmd_vm, cmd_kmem, cmd_frag, cmd_task, cmd_bt, cmd_mod, cmd_dis, cmd_foreach,
    cmd_search, cmd_list, cmd_tree;
/* issue 11's inspection commands */
extern const struct command cmd_files, cmd_mount, cmd_runq, cmd_ascii, cmd_ptob, cmd_btop;
extern const struct command cmd_diff; /* issue 14 */

#endif
