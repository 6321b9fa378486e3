#include "context.h"

#include "../mm/task.h"

int context_mm(struct session *s, uint64_t *mm, ks_err *err)
{
    if (!s->context_task) return ks_fail(err, "no task context: choose one with `set PID`");
    if (task_mm(&s->k, s->context_task, mm, err)) return -1;
    if (!*mm) return ks_fail(err, "the context task is a kernel thread: it has no user memory");
    return 0;
}

int uread_context(struct session *s, uint64_t vaddr, void *buf, size_t len, ks_err *err)
{
    uint64_t mm;
    if (context_mm(s, &mm, err)) return -1;
    return uread(&s->k, mm, vaddr, buf, len, err);
}
