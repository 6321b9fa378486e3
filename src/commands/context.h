/* context: the task `set` chose (or -c gave), and reads of its user memory. */
#ifndef KS_CONTEXT_H
#define KS_CONTEXT_H
#include "../session.h"

/* The context task's mm (error if no context is set or it is a kernel thread). */
int context_mm(struct session *s, uint64_t *mm, ks_err *err);
int uread_context(struct session *s, uint64_t vaddr, void *buf, size_t len, ks_err *err);

#endif
