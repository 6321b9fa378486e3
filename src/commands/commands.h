/*
 * commands: one file per command, each exporting a `struct command`. A command gets the session
 * and its words (argv[0] is its name), prints to s->out, and returns 0, or non-zero after saying
 * what failed with cmd_fail(). In JSON mode a data command prints exactly one JSON document, on
 * one line.
 */
#ifndef KS_COMMANDS_H
#define KS_COMMANDS_H
#include "../session.h"
#include "../util/json.h"

struct command {
    const char *name;
    const char *usage;      /* "vtop [-c PID|TASK] [-u|-k] ADDRESS..." */
    const char *summary;    /* one line for `help` */
    const char *help;       /* the rest of `help CMD`: options, columns, JSON */
    int (*run)(struct session *s, int argc, char **argv);
};

const struct command *command_find(const char *name);
/* NULL-terminated list, in help order. */
const struct command *const *command_all(void);

/* Report an error for this command (stderr line, plus {"error":...} in JSON mode); returns 1. */
int cmd_fail(struct session *s, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
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
 * on the task list), anything else a task_struct address in hex. */
int cmd_parse_task(struct session *s, const char *arg, uint64_t *task, ks_err *err);
/* Parse an address or number argument: symbol names, hex (crash's default) or 0x.. / decimal with d suffix. */
int cmd_parse_addr(struct session *s, const char *arg, uint64_t *out, ks_err *err);

/* crash's struct page line: PAGE PHYSICAL MAPPING INDEX CNT FLAGS (or a JSON object when j is set). */
struct page_info;
#define CMD_PAGE_HEADER "  PAGE    PHYSICAL   MAPPING    INDEX CNT FLAGS\n"
void cmd_page_line(struct session *s, const struct page_info *pi, struct json *j);

extern const struct command cmd_sys, cmd_help, cmd_sym, cmd_struct, cmd_union, cmd_whatis, cmd_p, cmd_rd,
    cmd_vtop, cmd_ptov, cmd_log, cmd_set, cmd_eval, cmd_q, cmd_exit, cmd_ps, cmd_vm, cmd_kmem, cmd_frag, cmd_task,
    cmd_bt, cmd_mod, cmd_dis, cmd_foreach;

#endif
