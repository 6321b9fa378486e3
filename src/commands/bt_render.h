/* bt's output, described once: crash's text layout or the JSON document (bt.c, bt_render.c). */
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

/* Render one task's backtrace (text to s->out, or as an object appended to j). */
void bt_render(struct session *s, const struct task_info *ti, const struct backtrace *bt, const struct bt_opts *o,
               struct json *j);
/* "0", "0,1", "0-1" -> want[cpu] = true. */
int parse_cpu_list(const char *list, bool *want, unsigned max, ks_err *err);

#endif
