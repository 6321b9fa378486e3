/*
 * Writing the type cache: the records' sections (built by typecache_finish.c) laid out behind a
 * checksummed header (typecache.h). The file is written under a name only this process uses and
 * renamed into place, so two ksleuths building the same cache at once each publish a whole file
 * and a reader never sees half of one.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "typecache_build.h"

size_t gb_add(struct growbuf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    size_t at = b->len;
    if (n)
        memcpy(b->p + at, data, n);
    b->len += n;
    return at;
}

void tc_out_init(struct tc_out *w)
{
    memset(w, 0, sizeof *w);
    hm_init(&w->string_at);
    tc_str_ref(w, ""); /* the table is never empty and ends with a NUL */
}

void tc_out_free(struct tc_out *w)
{
    struct growbuf *all[] = {&w->strings, &w->types, &w->members, &w->enums, &w->dies, &w->names, &w->vars};
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        free(all[i]->p);
    hm_free(&w->string_at);
}

uint32_t tc_str_ref(struct tc_out *w, const char *s)
{
    uint64_t at;
    if (!s)
        return TC_NO_NAME;
    if (hm_get(&w->string_at, s, &at))
        return (uint32_t)at;
    at = gb_add(&w->strings, s, strlen(s) + 1);
    hm_put(&w->string_at, s, at);
    return (uint32_t)at;
}

static void pad8(struct growbuf *b)
{
    static const uint8_t zero[8];
    gb_add(b, zero, (8 - b->len % 8) % 8);
}

/* Header and sections in one buffer, checksummed. */
struct growbuf tc_assemble(const struct tc_out *w, const char *build_id)
{
    struct growbuf out = {0};
    struct tc_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, TC_MAGIC, sizeof TC_MAGIC);
    h.version = TC_VERSION;
    h.header_size = sizeof h;
    snprintf(h.build_id, sizeof h.build_id, "%s", build_id);
    gb_add(&out, &h, sizeof h);
    const struct growbuf *secs[TC_NSEC] = {&w->strings, &w->types, &w->members, &w->enums, &w->dies, &w->names, &w->vars};
    static const size_t recsize[TC_NSEC] = {1,
                                            sizeof(struct tc_type),
                                            sizeof(struct tc_member),
                                            sizeof(struct tc_enum),
                                            sizeof(struct tc_die),
                                            sizeof(struct tc_name),
                                            sizeof(struct tc_var)};
    for (int s = 0; s < TC_NSEC; s++) {
        pad8(&out);
        h.sec[s].off = out.len;
        h.sec[s].count = secs[s]->len / recsize[s];
        if (secs[s]->len)
            gb_add(&out, secs[s]->p, secs[s]->len);
    }
    pad8(&out);
    h.file_size = out.len;
    h.checksum = tc_checksum(out.p + sizeof h, out.len - sizeof h);
    memcpy(out.p, &h, sizeof h);
    return out;
}

static void mkdir_parents(const char *path)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(dir, 0755);
        *p = '/';
    }
}

/* A temporary name no other process uses, then rename: the file appears whole or not at all. */
int tc_publish(const uint8_t *p, size_t len, const char *path)
{
    char tmp[1100];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int n = snprintf(tmp, sizeof tmp, "%s.%d.%ld.tmp", path, (int)getpid(), ts.tv_nsec);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -1; /* a cut name could clash with another writer's or rename the wrong file: no cache */
    mkdir_parents(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1; /* a read-only cache directory is fine: the types are built again next time */
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (close(fd) == 0 && done == len && rename(tmp, path) == 0)
        return 0;
    unlink(tmp);
    return -1;
}
