/* kmem's options, one file each: kmem.c (dispatch, -i, -z), kmem_free.c (-f), kmem_page.c (-p and
 * ADDRESS), kmem_slab.c (-s), kmem_sections.c (-n). */
#ifndef KS_KMEM_H
#define KS_KMEM_H
#include "commands.h"

int kmem_info(struct session *s, const char *cmd);
int kmem_zones(struct session *s, const char *cmd);
int kmem_free(struct session *s, const char *cmd);
int kmem_pages(struct session *s, const char *cmd, int argc, char **argv);
int kmem_address(struct session *s, const char *cmd, const char *arg);
int kmem_slabs(struct session *s, const char *cmd);
int kmem_sections(struct session *s, const char *cmd);
/* issue 11: kmem -S [CACHE] (kmem_slab.c), kmem -V (kmem_vmstat.c) */
int kmem_slab_objects(struct session *s, const char *cmd, int argc, char **argv);
int kmem_vmstat(struct session *s, const char *cmd);
/* Issue 14: -t page types (kmem_types.c), -c the census (kmem_census.c). */
int kmem_types(struct session *s, const char *cmd);
int kmem_census(struct session *s, const char *cmd, int argc, char **argv);
/* "12.5 MB"-style size as crash prints it. */
void kmem_size_text(uint64_t bytes, char *out, size_t n);

#endif
