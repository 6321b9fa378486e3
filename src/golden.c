#define _GNU_SOURCE
#include "golden.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/module_object.h"
#include "session.h"

struct golden_conf {
    char vmlinux[1024], dump[1024];
    bool raw, json;
};

static int read_conf(const char *path, struct golden_conf *c)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    memset(c, 0, sizeof *c);
    char line[1000];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!strncmp(line, "vmlinux=", 8)) snprintf(c->vmlinux, sizeof c->vmlinux, "%s", line + 8);
        else if (!strncmp(line, "dump=", 5)) snprintf(c->dump, sizeof c->dump, "%s", line + 5);
        else if (!strncmp(line, "options=", 8)) { c->raw = strstr(line, "--raw") != NULL; c->json = strstr(line, "--json") != NULL; }
    }
    fclose(f);
    return c->vmlinux[0] && c->dump[0] ? 0 : -1;
}

/* The transcript of one .cmds file: each command echoed, then its output and errors, in order. */
static char *transcript(struct session *s, const char *cmds_path)
{
    FILE *in = fopen(cmds_path, "r");
    if (!in) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char line[4096];
    s->out = out;
    s->err = out;          /* errors land where they happen, between the outputs */
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#') continue;
        fprintf(out, "ksleuth> %s\n", line);
        session_run_line(s, line);
        fflush(out);
    }
    fclose(in);
    fclose(out);
    s->out = stdout;
    s->err = stderr;
    return buf;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    strbuf sb;
    sb_init(&sb);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sb_putn(&sb, chunk, n);
    fclose(f);
    return sb_steal(&sb);
}

/* First differing line, with its number: enough to find it; `diff` does the rest. */
static void report_difference(const char *name, const char *want, const char *got)
{
    int line = 1;
    const char *w = want, *g = got;
    while (*w && *g && *w == *g) { if (*w == '\n') line++; w++; g++; }
    const char *wl = w, *gl = g;
    while (wl > want && wl[-1] != '\n') wl--;
    while (gl > got && gl[-1] != '\n') gl--;
    fprintf(stderr, "%s: differs at line %d\n  expected: %.*s\n  got:      %.*s\n", name, line, (int)strcspn(wl, "\n"), wl,
            (int)strcspn(gl, "\n"), gl);
}

static int run_cmds(struct session *s, const char *name, bool update, int *passed, int *failed)
{
    char out_path[1100];
    snprintf(out_path, sizeof out_path, "%.*s.out", (int)(strlen(name) - 5), name);
    char *got = transcript(s, name);
    if (!got) { fprintf(stderr, "%s: cannot read\n", name); (*failed)++; return -1; }
    char *want = slurp(out_path);
    if (update) {
        bool same = want && !strcmp(want, got);
        FILE *f = same ? NULL : fopen(out_path, "w");
        if (f) { fputs(got, f); fclose(f); }
        printf("%-40s %s\n", out_path, same ? "unchanged" : f ? "UPDATED: review the diff" : "CANNOT WRITE");
        (*passed)++;
    } else if (want && !strcmp(want, got)) {
        printf("%-40s ok\n", name);
        (*passed)++;
    } else {
        if (want) report_difference(name, want, got); else fprintf(stderr, "%s: no %s (run --golden --update)\n", name, out_path);
        printf("%-40s FAILED\n", name);
        (*failed)++;
    }
    free(got);
    free(want);
    return 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* One dump's folder: open it once, replay each .cmds in name order. */
static void run_folder(const char *folder, bool update, int *passed, int *failed)
{
    struct golden_conf conf;
    char here[4096];
    if (!getcwd(here, sizeof here) || chdir(folder) != 0) return;
    if (read_conf("golden.conf", &conf) != 0) { if (chdir(here) != 0) {} return; }
    struct session s = { .out = stdout, .err = stderr, .json = conf.json, .radix = 10, .batch = true,
                         .vmlinux_path = conf.vmlinux, .dump_path = conf.dump };
    struct kernel_open_opts ko = { .vmlinux = conf.vmlinux, .dumpfile = conf.dump, .dump = { .raw = conf.raw } };
    ks_err err;
    if (kernel_open(&s.k, &ko, &err) != KERNEL_OPEN_OK) {
        fprintf(stderr, "%s: %s\n", folder, err.msg);
        (*failed)++;
    } else {
        DIR *d = opendir(".");
        char *names[512];
        int n = 0;
        for (struct dirent *e; d && (e = readdir(d)) && n < 512;)
            if (strlen(e->d_name) > 5 && !strcmp(e->d_name + strlen(e->d_name) - 5, ".cmds")) names[n++] = xstrdup(e->d_name);
        if (d) closedir(d);
        qsort(names, (size_t)n, sizeof *names, cmp_names);
        printf("== %s\n", folder);
        for (int i = 0; i < n; i++) {
            s.quit = false;
            s.context_task = 0;
            s.json = conf.json;
            s.radix = 10;
            module_unload_object(&s.k, NULL, NULL); /* each transcript starts with no .ko loaded */
            run_cmds(&s, names[i], update, passed, failed);
            free(names[i]);
        }
    }
    kernel_close(&s.k);
    if (chdir(here) != 0) (*failed)++;
}

int golden_run(const char *dir, bool update)
{
    int passed = 0, failed = 0;
    /* The runner changes directory into each folder; a relative cache path must not follow it. */
    const char *cache = getenv("KSLEUTH_CACHE_DIR");
    char abs_cache[4096];
    if (cache && cache[0] != '/' && getcwd(abs_cache, sizeof abs_cache)) {
        size_t n = strlen(abs_cache);
        snprintf(abs_cache + n, sizeof abs_cache - n, "/%s", cache);
        setenv("KSLEUTH_CACHE_DIR", abs_cache, 1);
    }
    char conf[4096];
    snprintf(conf, sizeof conf, "%s/golden.conf", dir);
    if (access(conf, R_OK) == 0) {           /* DIR is one dump's folder */
        run_folder(dir, update, &passed, &failed);
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    DIR *d = opendir(dir);
    if (!d) { fprintf(stderr, "ksleuth: cannot open golden directory %s\n", dir); return 2; }
    char *folders[256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/golden.conf", dir, e->d_name);
        if (access(path, R_OK) == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            folders[n++] = xstrdup(path);
        }
    }
    closedir(d);
    qsort(folders, (size_t)n, sizeof *folders, cmp_names);
    for (int i = 0; i < n; i++) { run_folder(folders[i], update, &passed, &failed); free(folders[i]); }
    if (!n) { fprintf(stderr, "ksleuth: no folder with a golden.conf in %s\n", dir); return 2; }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
