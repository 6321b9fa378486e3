/* The diff of two captures, for the `diff` command and `ksleuth --diff DUMP_A DUMP_B VMLINUX`. */
#ifndef KSLEUTH_COMMANDS_DIFF_H
#define KSLEUTH_COMMANDS_DIFF_H

#include <stdbool.h>

#include "../session.h"

/* Print what changed from this session's dump (A) to DUMP_B, opened with the session's vmlinux.
 * Returns 0, or non-zero after one error line; *b_unusable says DUMP_B itself could not be opened
 * or does not belong to the vmlinux (batch exit 3 rather than 1). */
int diff_dumps(struct session *s, const char *dump_b, bool *b_unusable);

#endif
