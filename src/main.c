/*
 * ksleuth [options] VMLINUX DUMPFILE — open an i386 kernel dump with its vmlinux and answer
 * crash-style commands: interactively, or in batch (-c, -i, or commands on standard input).
 *
 * Exit status in batch: 0 all commands succeeded; 1 some command failed (later ones still ran);
 * 2 usage error; 3 the dump or the vmlinux could not be opened, or they do not match; 130 Ctrl-C.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands/commands.h"
#include "commands/diff.h"
#include "golden.h"
#include "repl.h"
#include "session.h"
#include "util/interrupt.h"

#define KSLEUTH_VERSION "0.1.0"

struct options {
    const char *files[3]; /* the third only with --diff */
    int nfiles;
    const char *commands; /* -c */
    const char *script;   /* -i */
    bool json, raw, no_cache, quiet, update, phys_base_given, diff;
    const char *golden; /* --golden DIR */
    uint64_t phys_base;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ksleuth: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

/* Whether two paths name one file (a script must not be the vmlinux or the dump). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether an open descriptor is one of the input files (standard input redirected from the vmlinux). */
static bool fd_is_file(int fd, const char *path)
{
    struct stat sf, sp;
    return !fstat(fd, &sf) && !stat(path, &sp) && sf.st_dev == sp.st_dev && sf.st_ino == sp.st_ino;
}

/*
 * A descriptor 0-2 that was closed when ksleuth started would be taken by the first file opened,
 * and then the vmlinux would be read as standard input (or the output written into the dump).
 * /dev/null is put there instead, opened read-only: reading finds no command, writing fails and so
 * is reported as an output error instead of vanishing.
 */
static void guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int got = open("/dev/null", O_RDONLY);
        if (got >= 0 && got != fd) {
            dup2(got, fd);
            close(got);
        }
    }
}

static void usage(FILE *f)
{
    fputs("usage: ksleuth [options] VMLINUX DUMPFILE\n"
          "       ksleuth [--json] --diff DUMP_A DUMP_B VMLINUX\n"
          "  -c \"CMD; CMD\"     run the commands and exit\n"
          "  -i FILE           run the commands in FILE and exit\n"
          "  --json            every data command prints one JSON document, on one line\n"
          "  --raw             DUMPFILE is raw physical memory (with --phys-base ADDR, default 0)\n"
          "  --no-cache        do not read or write the DWARF index cache\n"
          "  -q                no start-up banner\n"
          "  --golden DIR [--update]  replay DIR/*/NAME.cmds against the dumps their golden.conf\n"
          "                    names and compare with NAME.out (--update rewrites them)\n"
          "  --diff            what changed from DUMP_A to DUMP_B, two captures of the one kernel\n"
          "                    (as the diff command prints it); exit 3 if either dump is unusable\n"
          "  -h, --help        this text;  --help-all: every command's help;  --version\n"
          "With standard input not a terminal and no -c/-i, commands are read from it.\n"
          "Exit status: 0 ok, 1 a command failed, 2 usage, 3 dump/vmlinux unusable or mismatched,\n"
          "130 Ctrl-C (which in the REPL stops only the running command).\n",
          f);
}

/* Usage errors the option parser cannot see: found before any file is opened, exit status 2. */
static int check_options(const struct options *o)
{
    struct stat st;
    if (o->phys_base_given && !o->raw)
        return usage_error("--phys-base is for --raw dumps");
    if (o->phys_base & 0xfff)
        return usage_error("--phys-base %#llx is not page aligned", (unsigned long long)o->phys_base);
    if (!o->script)
        return 0;
    if (stat(o->script, &st))
        return usage_error("-i %s: %s", o->script, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return usage_error("-i %s: is a directory, not a command script", o->script);
    for (int i = 0; i < o->nfiles; i++)
        if (same_file(o->script, o->files[i]))
            return usage_error("-i %s: that is the %s, not a command script", o->script,
                               i ? "second file argument" : "first file argument");
    return 0;
}

/* --diff takes the two dumps and the vmlinux, and no commands: it runs the diff and exits. */
static int check_diff_options(const struct options *o)
{
    if (o->nfiles != 3)
        return usage_error("--diff takes DUMP_A DUMP_B VMLINUX");
    if (o->commands || o->script || o->raw)
        return usage_error("--diff runs alone: no -c, -i or --raw");
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, 'j'},
        {"raw", no_argument, NULL, 'r'},
        {"phys-base", required_argument, NULL, 'p'},
        {"no-cache", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"golden", required_argument, NULL, 'g'},
        {"help-all", no_argument, NULL, 'H'},
        {"update", no_argument, NULL, 'u'},
        {"diff", no_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "c:i:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->commands = optarg;
            break;
        case 'i':
            o->script = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'j':
            o->json = true;
            break;
        case 'r':
            o->raw = true;
            break;
        case 'n':
            o->no_cache = true;
            break;
        case 'p':
            if (!parse_u64(optarg, 16, &o->phys_base)) {
                fprintf(stderr, "ksleuth: bad --phys-base %s\n", optarg);
                return 2;
            }
            o->phys_base_given = true;
            break;
        case 'g':
            o->golden = optarg;
            break;
        case 'u':
            o->update = true;
            break;
        case 'd':
            o->diff = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("ksleuth %s\n", KSLEUTH_VERSION);
            exit(0);
        case 'H': /* every command's help, as the manual and man page are built from it */
            for (const struct command *const *cmd = command_all(); *cmd; cmd++)
                printf("@@ %s\n%s\n%s\n%s\n", (*cmd)->name, (*cmd)->summary, (*cmd)->usage, (*cmd)->help);
            exit(0);
        default:
            usage(stderr);
            return 2;
        }
    }
    for (; optind < argc; optind++) {
        if (o->nfiles == (o->diff ? 3 : 2)) {
            fprintf(stderr, "ksleuth: too many file arguments\n");
            return 2;
        }
        o->files[o->nfiles++] = argv[optind];
    }
    if (o->golden)
        return o->nfiles == 0 ? 0 : (usage(stderr), 2);
    if (o->diff)
        return check_diff_options(o);
    if (o->nfiles != 2) {
        usage(stderr);
        return 2;
    }
    return check_options(o);
}

/* VMLINUX and DUMPFILE may come in either order: tell them apart by content. */
static int order_files(struct options *o, const char **vmlinux, const char **dump)
{
    ks_err err;
    struct stat st;
    for (int i = 0; i < 2; i++)
        if (!stat(o->files[i], &st) && S_ISDIR(st.st_mode)) {
            fprintf(stderr, "ksleuth: %s: is a directory, not a dump or a vmlinux\n", o->files[i]);
            return 3;
        }
    const char *k0 = dump_sniff(o->files[0], &err);
    if (!k0 && !o->raw) {
        fprintf(stderr, "ksleuth: %s\n", err.msg);
        return 3;
    }
    bool first_is_vmlinux = k0 && !strcmp(k0, "elf-exec");
    *vmlinux = first_is_vmlinux ? o->files[0] : o->files[1];
    *dump = first_is_vmlinux ? o->files[1] : o->files[0];
    const char *kv = dump_sniff(*vmlinux, &err);
    if (!kv) {
        fprintf(stderr, "ksleuth: %s\n", err.msg);
        return 3;
    }
    if (strcmp(kv, "elf-exec")) {
        fprintf(stderr, "ksleuth: neither file is a vmlinux (an ELF executable)\n");
        return 3;
    }
    return 0;
}

/*
 * --diff DUMP_A DUMP_B VMLINUX: the vmlinux is told apart by content, as order_files() does; the
 * two dumps keep their order (A, then B). DUMP_B is sniffed here so that an unusable file exits 3
 * before A is opened.
 */
static int order_diff_files(struct options *o, const char **vmlinux, const char **dump_a, const char **dump_b)
{
    ks_err err;
    const char *dumps[3];
    int ndumps = 0;
    *vmlinux = NULL;
    for (int i = 0; i < 3; i++) {
        const char *kind = dump_sniff(o->files[i], &err);
        if (!kind) {
            fprintf(stderr, "ksleuth: %s\n", err.msg);
            return 3;
        }
        if (!strcmp(kind, "elf-exec") && !*vmlinux)
            *vmlinux = o->files[i];
        else
            dumps[ndumps++] = o->files[i];
    }
    if (!*vmlinux) {
        fprintf(stderr, "ksleuth: --diff: none of the three files is a vmlinux (an ELF executable)\n");
        return 3;
    }
    *dump_a = dumps[0];
    *dump_b = dumps[1];
    return 0;
}

/* One batch command. Returns false once batch mode must stop: `q`, or Ctrl-C (the command it
 * arrived in has stopped by now). */
static bool batch_line(struct session *s, const char *line, int *failed)
{
    if (s->quit || ks_interrupted())
        return false;
    if (session_run_line(s, line) != 0)
        *failed = 1;
    return !s->quit && !ks_interrupted();
}

/* Run "a; b; c" (semicolons inside quotes do not split). */
static int run_command_string(struct session *s, const char *cmds)
{
    char *copy = xstrdup(cmds), *start = copy, quote = 0;
    int failed = 0;
    for (char *p = copy;; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            else if (*p)
                continue;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
            continue;
        }
        if (*p == ';' || *p == 0) {
            bool end = *p == 0;
            *p = 0;
            if (!batch_line(s, start, &failed))
                break;
            start = p + 1;
            if (end)
                break;
        }
    }
    free(copy);
    return failed;
}

static int run_stream(struct session *s, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    int failed = 0;
    while (getline(&line, &cap, in) > 0 && batch_line(s, line, &failed)) {
    }
    free(line);
    return failed;
}

static int run_script(struct session *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ksleuth: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    int failed = run_stream(s, f);
    fclose(f);
    return failed;
}

/* Commands come from standard input: it must not be the vmlinux or the dump itself (`< vmlinux`). */
static int check_stdin(const char *vmlinux, const char *dump)
{
    const char *input = fd_is_file(STDIN_FILENO, vmlinux) ? vmlinux : fd_is_file(STDIN_FILENO, dump) ? dump : NULL;
    return input ? usage_error("standard input is %s, not commands", input) : 0;
}

static int open_kernel(struct session *s, const struct options *o)
{
    struct kernel_open_opts ko = {
        .vmlinux = s->vmlinux_path,
        .dumpfile = s->dump_path,
        .dump = {.raw = o->raw, .phys_base = o->phys_base},
        .dwarf = {.progress = isatty(STDERR_FILENO), .no_cache = o->no_cache},
    };
    ks_err err = {""};
    if (kernel_open(&s->k, &ko, &err) == KERNEL_OPEN_OK)
        return 0;
    fprintf(stderr, "ksleuth: %s\n", err.msg);
    kernel_close(&s->k);
    return 3;
}

static void banner(struct session *s)
{
    printf("ksleuth %s: %s on %s\n", KSLEUTH_VERSION, s->k.release, s->k.dump->desc);
    printf("type help for the commands, q to quit\n\n");
    session_run_line(s, "sys");
    putchar('\n');
}

/* The batch's exit status: Ctrl-C wins (as a shell reports it), then any failed command. */
static int batch(struct session *s, const struct options *o)
{
    int failed = 0;
    if (o->commands)
        failed |= run_command_string(s, o->commands);
    if (o->script && !ks_interrupted())
        failed |= run_script(s, o->script);
    if (!o->commands && !o->script)
        failed |= run_stream(s, stdin);
    if (ks_interrupted())
        return 130;
    return failed;
}

/* The exit status of --diff: 3 when DUMP_B is unusable (as for DUMP_A), 1 when the diff failed. */
static int run_diff_option(struct session *s, const char *dump_b)
{
    bool b_unusable = false;
    if (!diff_dumps(s, dump_b, &b_unusable))
        return 0;
    if (ks_interrupted())
        return 130;
    return b_unusable ? 3 : 1;
}

int main(int argc, char **argv)
{
    guard_std_fds();
    struct options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    signal(SIGPIPE, SIG_IGN); /* `cmd | head` must not kill the session */
    /* Output that no terminal watches goes out in 64 KB writes, not stdio's 4 KB (kmem -p writes 86 MB:
     * 20 000 write calls); a terminal keeps its line buffering. glibc takes the size only with a buffer,
     * and stdout is flushed after main returns: hence static. */
    static char stdout_buffer[1 << 16];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
    if (o.golden)
        return golden_run(o.golden, o.update);
    const char *vmlinux, *dumpfile, *dump_b = NULL;
    if ((rc = o.diff ? order_diff_files(&o, &vmlinux, &dumpfile, &dump_b) : order_files(&o, &vmlinux, &dumpfile)))
        return rc;

    struct session s = {
        .out = stdout, .err = stderr, .json = o.json, .radix = 10, .vmlinux_path = vmlinux, .dump_path = dumpfile};
    bool interactive = !o.diff && !o.commands && !o.script && isatty(STDIN_FILENO);
    s.batch = !interactive;
    if (s.batch && !o.diff && !o.commands && !o.script && (rc = check_stdin(vmlinux, dumpfile)))
        return rc;
    if ((rc = open_kernel(&s, &o)))
        return rc;
    /* From here Ctrl-C stops a command, not ksleuth (while the dump is opened it still quits). In
     * batch mode it also ends a wait for the next line of standard input. */
    ks_interrupt_install(interactive);
    if (interactive && !o.quiet)
        banner(&s);
    if (o.diff)
        rc = run_diff_option(&s, dump_b);
    else
        rc = interactive ? repl_run(&s) : batch(&s, &o);
    fflush(stdout);
    kernel_close(&s.k);
    return rc;
}
