#define _GNU_SOURCE
#include "golden.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/module_object.h"
#include "session.h"

struct golden_conf {
    char vmlinux[1024], dump[1024];
    bool raw, json;
};

/* golden.conf must name both files: a folder that names none would otherwise pass on nothing. */
static int read_conf(const char *path, struct golden_conf *c, ks_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ks_fail(err, "cannot read %s: %s", path, strerror(errno));
    memset(c, 0, sizeof *c);
    char line[1000];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "vmlinux=", 8))
            snprintf(c->vmlinux, sizeof c->vmlinux, "%s", line + 8);
        else if (!strncmp(line, "dump=", 5))
            snprintf(c->dump, sizeof c->dump, "%s", line + 5);
        else if (!strncmp(line, "options=", 8)) {
            c->raw = strstr(line, "--raw") != NULL;
            c->json = strstr(line, "--json") != NULL;
        }
    }
    fclose(f);
    if (!c->vmlinux[0])
        return ks_fail(err, "%s has no vmlinux=PATH line", path);
    if (!c->dump[0])
        return ks_fail(err, "%s has no dump=PATH line", path);
    return 0;
}

/* The transcript of one .cmds file: each command echoed, then its output and errors, in order. */
static char *transcript(struct session *s, const char *cmds_path, int *ncmds)
{
    FILE *in = fopen(cmds_path, "r");
    if (!in)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char line[4096];
    s->out = out;
    s->err = out; /* errors land where they happen, between the outputs */
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        fprintf(out, "ksleuth> %s\n", line);
        (*ncmds)++;
        session_run_line(s, line);
        fflush(out);
    }
    fclose(in);
    fclose(out);
    s->out = stdout;
    s->err = stderr;
    return buf;
}

/* The whole of a regular file; NULL with err set otherwise (a directory reads as nothing, not as ""). */
static char *slurp(const char *path, ks_err *err)
{
    FILE *f = fopen(path, "r");
    struct stat st = {0};
    if (!f) {
        ks_fail(err, "%s", strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) { /* a directory, or /dev/zero that never ends */
        ks_fail(err, "%s", S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
        fclose(f);
        return NULL;
    }
    strbuf sb;
    sb_init(&sb);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_putn(&sb, chunk, n);
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (e) {
        ks_fail(err, "%s", strerror(e));
        sb_free(&sb);
        return NULL;
    }
    return sb_steal(&sb);
}

/* First differing line, with its number: enough to find it; `diff` does the rest. */
static void report_difference(const char *name, const char *want, const char *got)
{
    int line = 1;
    const char *w = want, *g = got;
    while (*w && *g && *w == *g) {
        if (*w == '\n')
            line++;
        w++;
        g++;
    }
    const char *wl = w, *gl = g;
    while (wl > want && wl[-1] != '\n')
        wl--;
    while (gl > got && gl[-1] != '\n')
        gl--;
    fprintf(stderr, "%s: differs at line %d\n  expected: %.*s\n  got:      %.*s\n", name, line, (int)strcspn(wl, "\n"), wl,
            (int)strcspn(gl, "\n"), gl);
}

struct tally {
    int passed, failed;
};

static void fail(struct tally *t, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct tally *t, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    printf("%-40s FAILED\n", name);
    t->failed++;
}

/* --update: write the new transcript; a file that cannot be written is a failure, not a pass. */
static void update_out(const char *out_path, const char *want, const char *got, struct tally *t)
{
    if (want && !strcmp(want, got)) {
        printf("%-40s unchanged\n", out_path);
        t->passed++;
        return;
    }
    FILE *f = fopen(out_path, "w");
    bool written = f && fputs(got, f) >= 0;
    if (f && fclose(f))
        written = false;
    if (!written) {
        fail(t, out_path, "cannot write: %s", strerror(errno));
        return;
    }
    printf("%-40s UPDATED: review the diff\n", out_path);
    t->passed++;
}

static void compare_out(const char *name, const char *out_path, const char *want, const char *got, const ks_err *err,
                        struct tally *t)
{
    if (!want) {
        fail(t, name, "cannot read %s: %s (run --golden --update to make it)", out_path, err->msg);
    } else if (strcmp(want, got)) {
        report_difference(name, want, got);
        printf("%-40s FAILED\n", name);
        t->failed++;
    } else {
        printf("%-40s ok\n", name);
        t->passed++;
    }
}

static void run_cmds(struct session *s, const char *name, bool update, struct tally *t)
{
    char out_path[1100];
    snprintf(out_path, sizeof out_path, "%.*s.out", (int)(strlen(name) - 5), name);
    int ncmds = 0;
    char *got = transcript(s, name, &ncmds);
    ks_err err = {""};
    char *want = got ? slurp(out_path, &err) : NULL;
    if (!got)
        fail(t, name, "cannot read: %s", strerror(errno));
    else if (!ncmds)
        fail(t, name, "no commands in it: a transcript of nothing proves nothing");
    else if (update)
        update_out(out_path, want, got, t);
    else
        compare_out(name, out_path, want, got, &err, t);
    free(got);
    free(want);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_CMDS    512
#define MAX_FOLDERS 256

/* The folder's NAME.cmds files, in name order. Returns their count, or -1 if there are too many. */
static int list_cmds(char **names)
{
    DIR *d = opendir(".");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".cmds"))
            continue;
        if (n == MAX_CMDS)
            n = -1;
        if (n < 0)
            break;
        names[n++] = xstrdup(e->d_name);
    }
    if (d)
        closedir(d);
    if (n > 0)
        qsort(names, (size_t)n, sizeof *names, cmp_names);
    return n;
}

/* Replay each .cmds of the current folder against the opened dump. */
static void replay_folder(struct session *s, const struct golden_conf *conf, const char *folder, bool update, struct tally *t)
{
    char *names[MAX_CMDS];
    int n = list_cmds(names);
    if (n < 0) {
        fail(t, folder, "more than %d .cmds files", MAX_CMDS);
        return;
    }
    if (!n)
        fail(t, folder, "no NAME.cmds file: nothing to replay");
    for (int i = 0; i < n; i++) {
        s->quit = false;
        s->context_task = 0;
        s->json = conf->json;
        s->radix = 10;
        module_unload_object(&s->k, NULL, NULL); /* each transcript starts with no .ko loaded */
        run_cmds(s, names[i], update, t);
        free(names[i]);
    }
}

/* One dump's folder: open it once, replay each .cmds in name order. */
static void run_folder(const char *folder, bool update, struct tally *t)
{
    struct golden_conf conf;
    char here[4096];
    ks_err err;
    if (!getcwd(here, sizeof here) || chdir(folder) != 0) {
        fail(t, folder, "cannot enter: %s", strerror(errno));
        return;
    }
    printf("== %s\n", folder);
    if (read_conf("golden.conf", &conf, &err)) {
        fail(t, folder, "%s", err.msg);
    } else {
        struct session s = {.out = stdout,
                            .err = stderr,
                            .json = conf.json,
                            .radix = 10,
                            .batch = true,
                            .vmlinux_path = conf.vmlinux,
                            .dump_path = conf.dump};
        struct kernel_open_opts ko = {.vmlinux = conf.vmlinux, .dumpfile = conf.dump, .dump = {.raw = conf.raw}};
        if (kernel_open(&s.k, &ko, &err) != KERNEL_OPEN_OK)
            fail(t, folder, "%s", err.msg);
        else
            replay_folder(&s, &conf, folder, update, t);
        kernel_close(&s.k);
    }
    if (chdir(here) != 0)
        fail(t, folder, "cannot return to %s: %s", here, strerror(errno));
}

/* The folders of DIR that have a golden.conf (readable or not: a broken one is a failure, not a skip). */
static int list_folders(const char *dir, char **folders)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < MAX_FOLDERS;) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/golden.conf", dir, e->d_name);
        if (access(path, F_OK) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        folders[n++] = xstrdup(path);
    }
    closedir(d);
    qsort(folders, (size_t)n, sizeof *folders, cmp_names);
    return n;
}

static int summary(const struct tally *t)
{
    printf("%d passed, %d failed\n", t->passed, t->failed);
    if (!t->passed && !t->failed)
        fprintf(stderr, "ksleuth: no transcript was compared\n");
    return t->failed || !t->passed ? 1 : 0;
}

/* The runner changes directory into each folder; a relative cache path must not follow it. */
static void absolute_cache_dir(void)
{
    const char *cache = getenv("KSLEUTH_CACHE_DIR");
    char abs_cache[4096];
    if (cache && cache[0] != '/' && getcwd(abs_cache, sizeof abs_cache)) {
        size_t n = strlen(abs_cache);
        snprintf(abs_cache + n, sizeof abs_cache - n, "/%s", cache);
        setenv("KSLEUTH_CACHE_DIR", abs_cache, 1);
    }
}

int golden_run(const char *dir, bool update)
{
    struct tally t = {0, 0};
    absolute_cache_dir();
    char conf[4096];
    snprintf(conf, sizeof conf, "%s/golden.conf", dir);
    if (access(conf, F_OK) == 0) { /* DIR is one dump's folder */
        run_folder(dir, update, &t);
        return summary(&t);
    }
    char *folders[MAX_FOLDERS];
    int n = list_folders(dir, folders);
    if (n < 0) {
        fprintf(stderr, "ksleuth: cannot open golden directory %s: %s\n", dir, strerror(errno));
        return 2;
    }
    if (!n) {
        fprintf(stderr, "ksleuth: no folder with a golden.conf in %s\n", dir);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        run_folder(folders[i], update, &t);
        free(folders[i]);
    }
    return summary(&t);
}
