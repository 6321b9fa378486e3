/* frag's picture: an SVG of each zone's pageblocks and free blocks (frag_svg.c). The document is
 * built in memory and written at the end, when its height is known. */
#ifndef KS_FRAG_H
#define KS_FRAG_H
#include <stdio.h>

#include "../mm/buddy.h"

struct frag_svg {
    strbuf body;
    unsigned height;
};

void frag_svg_init(struct frag_svg *svg);
void frag_svg_zone(struct frag_svg *svg, const struct zone_info *z, const struct zone_geometry *g, const struct buddy_census *c);
int frag_svg_write(struct frag_svg *svg, FILE *f);
void frag_svg_free(struct frag_svg *svg);

#endif
