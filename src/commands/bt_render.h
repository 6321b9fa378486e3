/* bt's output, described once (output.h): crash's text layout and the JSON document come from the same rows. */
#ifndef KS_BT_RENDER_H
#define KS_BT_RENDER_H
#include "../kernel/unwind.h"
#include "../mm/task.h"
#include "commands.h"

enum bt_text_scan { BT_TEXT_NONE, BT_TEXT_FROM_SP, BT_TEXT_WHOLE };

struct bt_opts {
    bool words, lines, exceptions;
    enum bt_text_scan text;
};

/* bt's document: one task (a record), or a list of tasks ({"tasks":[...]}, -a and -c). */
void bt_table_open(struct session *s, struct table *t, bool list);
/* One task's backtrace as members of the current row of t (between row_begin and row_end). */
void bt_render(struct table *row, const struct task_info *ti, const struct backtrace *bt, const struct bt_opts *o);
/* "0", "0,1", "0-1" -> want[cpu] = true. */
int parse_cpu_list(const char *list, bool *want, unsigned max, ks_err *err);

#endif
