/* Shared by the fuzz targets: hand the fuzzer's bytes to ksleuth as a file (a memfd), so the real
 * readers run on them unchanged. */
#ifndef KS_FUZZ_COMMON_H
#define KS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t pathsz)
{
    int fd = memfd_create("ksleuth-fuzz", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (size && write(fd, data, size) != (ssize_t)size) { close(fd); return -1; }
    snprintf(path, pathsz, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
