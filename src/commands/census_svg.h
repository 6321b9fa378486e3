/* kmem -c --svg: physical memory as a grid of cells coloured by census class, with a legend and
 * the zone boundaries (census_svg.c). Plain SVG 1.1, no scripts. */
#ifndef KS_CENSUS_SVG_H
#define KS_CENSUS_SVG_H
#include "../mm/census.h"

int census_svg_write(struct kernel *k, const struct census *c, const char *path, ks_err *err);

#endif
