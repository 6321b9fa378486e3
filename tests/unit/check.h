/* A minimal check harness: CHECK records failures and carries on; check_summary() prints the
 * "N passed, M failed" line ctest users and CI read, and gives main its exit status. */
#ifndef KS_CHECK_H
#define KS_CHECK_H
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) check_passed++;                                                                  \
        else { check_failed++; fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
    do {                                                                                           \
        unsigned long long a_ = (a), b_ = (b);                                                     \
        if (a_ == b_) check_passed++;                                                              \
        else { check_failed++; fprintf(stderr, "%s:%d: %s == %#llx, expected %#llx\n", __FILE__, __LINE__, #a, a_, b_); } \
    } while (0)

/* A run that checked nothing proves nothing: it fails as loudly as a failed check. */
static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    if (!check_passed && !check_failed)
        fprintf(stderr, "no checks ran: nothing was compared\n");
    return check_failed || !check_passed ? 1 : 0;
}

#endif
