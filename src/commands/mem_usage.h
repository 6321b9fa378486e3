/*
 * mem_usage: ps -m and vm -m, what each address space maps (mm/pss.h): RSS split into anonymous,
 * file and shmem, PSS, USS and swap entries, per task or per VMA.
 */
#ifndef KS_MEM_USAGE_H
#define KS_MEM_USAGE_H
#include <stdint.h>

#include "commands.h"

/* Is the task one of want (PIDs or task addresses; NULL: every task)? ps's selection. */
struct task_info;
bool cmd_task_wanted(const uint64_t *want, int nwant, const struct task_info *ti);
/* ps -m [-u] [PID|TASK...]: want (nwant entries; NULL for all) as ps takes them. */
int ps_memory(struct session *s, const char *cmd, const uint64_t *want, int nwant);
/* vm -m: the task's usage, then one row per VMA. */
int vm_memory(struct session *s, const char *cmd, uint64_t task);

#endif
