/*
 * ksleuth sample-dump workloads, run inside the i386 guest (gcc -m32 -static).
 *
 *   workload MODE [ARG]
 *
 * Each mode sets up a memory picture that ksleuth must later see in the dump, prints
 * one line "WORKLOAD mode=... pid=... key=value ..." describing what it made (addresses
 * the tests look up), touches the file named by $READY_FILE, and then sleeps forever so
 * that the picture is still there when QEMU stops the guest.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096u

/* The word written at the start of page i of a pattern region: easy to check in a dump. */
static uint32_t pattern_word(uint32_t tag, unsigned i) { return tag ^ (i * 0x01010101u); }

static void fill_pages(char *base, unsigned npages, uint32_t tag)
{
    for (unsigned i = 0; i < npages; i++) {
        uint32_t *w = (uint32_t *)(base + (size_t)i * PAGE);
        for (unsigned j = 0; j < PAGE / 4; j++)
            w[j] = pattern_word(tag, i);
    }
}

static void touch_ready_file(void)
{
    const char *f = getenv("READY_FILE");
    fflush(stdout);
    if (f) {
        char path[256];
        snprintf(path, sizeof path, "%s.%d", f, getpid());
        int fd = open(path, O_CREAT | O_WRONLY, 0644);
        if (fd >= 0) close(fd);
    }
}

static void announce_ready(void)
{
    touch_ready_file();
    for (;;) pause();
}

static void *map_anon(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(1); }
    return p;
}

/* Seed 000's experiment: a stack variable holding 0xDEADBEEF, found again through vtop. */
static void mode_deadbeef(void)
{
    volatile uint32_t marker = 0xDEADBEEFu;
    printf("WORKLOAD mode=deadbeef pid=%d stack_var=%p value=0x%x\n", getpid(), (void *)&marker, marker);
    announce_ready();
}

static void mode_heap(unsigned npages)
{
    char *p = map_anon((size_t)npages * PAGE);
    fill_pages(p, npages, 0x5EED0000u);
    printf("WORKLOAD mode=heap pid=%d base=%p pages=%u tag=0x5eed0000\n", getpid(), (void *)p, npages);
    announce_ready();
}

/* Parent and child share pages copy-on-write; the child rewrites the even pages only. */
static void mode_cow(unsigned npages)
{
    char *p = map_anon((size_t)npages * PAGE);
    fill_pages(p, npages, 0xC0C00000u);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        for (unsigned i = 0; i < npages; i += 2)
            *(uint32_t *)(p + (size_t)i * PAGE) = pattern_word(0xC4110000u, i);
        printf("WORKLOAD mode=cow-child pid=%d ppid=%d base=%p pages=%u rewritten=even tag=0xc4110000\n",
               getpid(), getppid(), (void *)p, npages);
        announce_ready();
    }
    printf("WORKLOAD mode=cow-parent pid=%d child=%d base=%p pages=%u tag=0xc0c00000\n",
           getpid(), child, (void *)p, npages);
    announce_ready();
}

static void mode_shmfile(unsigned npages)
{
    const char *path = "/tmp/ksleuth-shared";
    int fd = open(path, O_CREAT | O_RDWR, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)npages * PAGE) != 0) { perror(path); exit(1); }
    char *p = mmap(NULL, (size_t)npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { perror("mmap shared"); exit(1); }
    fill_pages(p, npages, 0x5BA40000u);
    printf("WORKLOAD mode=shmfile pid=%d base=%p pages=%u file=%s tag=0x5ba40000\n",
           getpid(), (void *)p, npages, path);
    announce_ready();
}

/* Alternating protections split one mapping into thousands of VMAs: a deep maple tree. */
static void mode_manyvma(unsigned nvmas)
{
    char *p = map_anon((size_t)nvmas * PAGE);
    for (unsigned i = 0; i < nvmas; i++)
        p[(size_t)i * PAGE] = (char)i;
    for (unsigned i = 1; i < nvmas; i += 2)
        if (mprotect(p + (size_t)i * PAGE, PAGE, PROT_READ) != 0) { perror("mprotect"); exit(1); }
    printf("WORKLOAD mode=manyvma pid=%d base=%p vmas=%u\n", getpid(), (void *)p, nvmas);
    announce_ready();
}

static volatile sig_atomic_t release_asked;

static void on_release(int sig)
{
    (void)sig;
    release_asked = 1;
}

/* How many of the region's even (kept) pages are resident: the frames a release gives back. */
static unsigned resident_kept_pages(char *base, unsigned npages)
{
    unsigned resident = 0;
    for (unsigned i = 0; i < npages; i += 2) {
        unsigned char in_core = 0;
        if (mincore(base + (size_t)i * PAGE, PAGE, &in_core) == 0 && (in_core & 1))
            resident++;
    }
    return resident;
}

/* The diff pair's phase (SIGUSR1 from init): unmap the whole region, every kept page goes back to
 * the buddy allocator, and say how many in $PHASE_FILE.PID for the guest's truth/phase. */
static void release_all(char *base, unsigned npages)
{
    unsigned freed = resident_kept_pages(base, npages);
    if (munmap(base, (size_t)npages * PAGE) != 0) { perror("munmap"); exit(1); }
    const char *f = getenv("PHASE_FILE");
    if (!f) return;
    char path[256];
    snprintf(path, sizeof path, "%s.%d", f, getpid());
    FILE *out = fopen(path, "w");
    if (!out) { perror(path); return; }
    fprintf(out, "fragmenter_pid=%d freed_pages=%u base=%p\n", getpid(), freed, (void *)base);
    fclose(out);
}

/* Take many pages, then give back every other one: order-0 holes across the free lists. */
static void mode_fragmenter(unsigned npages)
{
    signal(SIGUSR1, on_release);
    char *p = map_anon((size_t)npages * PAGE);
    fill_pages(p, npages, 0xF4A60000u);
    for (unsigned i = 1; i < npages; i += 2)
        munmap(p + (size_t)i * PAGE, PAGE);
    printf("WORKLOAD mode=fragmenter pid=%d base=%p pages=%u kept=even tag=0xf4a60000\n",
           getpid(), (void *)p, npages);
    touch_ready_file();
    for (;;) {
        pause();
        if (release_asked) {
            release_asked = 0;
            release_all(p, npages);
        }
    }
}

/* PID 1's last step: say READY on the console and stay still. For kdump samples, wait until the
 * host (done with its own captures) writes "PANIC" on the second serial port, then crash. */
static void mode_idle(int wait_for_panic, const char *crash_kind)
{
    int fd = open("/dev/console", O_WRONLY);
    if (fd >= 0) { dprintf(fd, "KSLEUTH-READY\n"); close(fd); }
    if (wait_for_panic) {
        int s = open("/dev/ttyS1", O_RDONLY);
        char line[64];
        for (;;) {
            ssize_t n = s >= 0 ? read(s, line, sizeof line - 1) : -1;
            if (n <= 0) { sleep(1); continue; }
            line[n] = 0;
            if (strstr(line, "PANIC")) break;
        }
        /* The panic samples crash inside the test module (ksleuth_crash.ko); the others by sysrq. */
        const char *path = crash_kind ? "/proc/ksleuth_crash" : "/proc/sysrq-trigger";
        const char *word = crash_kind ? crash_kind : "c";
        int t = open(path, O_WRONLY);
        if (t >= 0 && write(t, word, strlen(word)) != (ssize_t)strlen(word)) perror(path);
    }
    for (;;) pause();
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: workload MODE [N]\n"); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 0;
    const char *m = argv[1];
    if (!strcmp(m, "deadbeef")) mode_deadbeef();
    else if (!strcmp(m, "heap")) mode_heap(n ? n : 256);
    else if (!strcmp(m, "cow")) mode_cow(n ? n : 64);
    else if (!strcmp(m, "shmfile")) mode_shmfile(n ? n : 32);
    else if (!strcmp(m, "manyvma")) mode_manyvma(n ? n : 4000);
    else if (!strcmp(m, "fragmenter")) mode_fragmenter(n ? n : 2048);
    else if (!strcmp(m, "idle")) mode_idle(0, NULL);
    else if (!strcmp(m, "idle-panic")) mode_idle(1, argc > 2 ? argv[2] : NULL);
    fprintf(stderr, "unknown mode %s\n", m);
    return 2;
}
