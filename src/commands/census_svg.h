/* kmem -c --svg: physical memory as a grid of cells coloured by census class, with a legend and
 * the zone boundaries (census_svg.c). Plain SVG 1.1, no scripts. */
#ifndef KS_CENSUS_SVG_H
#define KS_CENSUS_SVG_H
#include "../mm/census.h"

/* One task's frames drawn over the census (kmem -c --svg FILE --task PID): those its page tables map. */
struct census_svg_task {
    uint64_t pid;
    char comm[17];
    uint8_t *mapped; /* per frame: 1 if the task maps it */
    uint64_t frames; /* how many distinct frames */
};

/* task may be NULL. */
int census_svg_write(struct kernel *k, const struct census *c, const char *path, const struct census_svg_task *task, ks_err *err);

#endif
