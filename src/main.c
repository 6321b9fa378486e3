/*
 * ksleuth [options] VMLINUX DUMPFILE — open an i386 kernel dump with its vmlinux and answer
 * crash-style commands: interactively, or in batch (-c, -i, or commands on standard input).
 *
 * Exit status in batch: 0 all commands succeeded; 1 some command failed (later ones still ran);
 * 2 usage error; 3 the dump or the vmlinux could not be opened, or they do not match.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/commands.h"
#include "golden.h"
#include "repl.h"
#include "session.h"

#define KSLEUTH_VERSION "0.1.0"

struct options {
    const char *files[2];
    int nfiles;
    const char *commands;     /* -c */
    const char *script;       /* -i */
    bool json, raw, no_cache, quiet, update;
    const char *golden;       /* --golden DIR */
    uint64_t phys_base;
};

static void usage(FILE *f)
{
    fputs("usage: ksleuth [options] VMLINUX DUMPFILE\n"
          "  -c \"CMD; CMD\"     run the commands and exit\n"
          "  -i FILE           run the commands in FILE and exit\n"
          "  --json            every data command prints one JSON document, on one line\n"
          "  --raw             DUMPFILE is raw physical memory (with --phys-base ADDR, default 0)\n"
          "  --no-cache        do not read or write the DWARF index cache\n"
          "  -q                no start-up banner\n"
          "  --golden DIR [--update]  replay DIR/*/NAME.cmds against the dumps their golden.conf\n"
          "                    names and compare with NAME.out (--update rewrites them)\n"
          "  -h, --help        this text;  --help-all: every command's help;  --version\n"
          "With standard input not a terminal and no -c/-i, commands are read from it.\n"
          "Exit status: 0 ok, 1 a command failed, 2 usage, 3 dump/vmlinux unusable or mismatched.\n", f);
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longs[] = {
        { "json", no_argument, NULL, 'j' }, { "raw", no_argument, NULL, 'r' },
        { "phys-base", required_argument, NULL, 'p' }, { "no-cache", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
        { "golden", required_argument, NULL, 'g' }, { "help-all", no_argument, NULL, 'H' }, { "update", no_argument, NULL, 'u' }, { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "c:i:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'c': o->commands = optarg; break;
        case 'i': o->script = optarg; break;
        case 'q': o->quiet = true; break;
        case 'j': o->json = true; break;
        case 'r': o->raw = true; break;
        case 'n': o->no_cache = true; break;
        case 'p':
            if (!parse_u64(optarg, 16, &o->phys_base)) { fprintf(stderr, "ksleuth: bad --phys-base %s\n", optarg); return 2; }
            break;
        case 'g': o->golden = optarg; break;
        case 'u': o->update = true; break;
        case 'h': usage(stdout); exit(0);
        case 'V': printf("ksleuth %s\n", KSLEUTH_VERSION); exit(0);
        case 'H':   /* every command's help, as the manual and man page are built from it */
            for (const struct command *const *cmd = command_all(); *cmd; cmd++)
                printf("@@ %s\n%s\n%s\n%s\n", (*cmd)->name, (*cmd)->summary, (*cmd)->usage, (*cmd)->help);
            exit(0);
        default: usage(stderr); return 2;
        }
    }
    for (; optind < argc; optind++) {
        if (o->nfiles == 2) { fprintf(stderr, "ksleuth: too many file arguments\n"); return 2; }
        o->files[o->nfiles++] = argv[optind];
    }
    if (o->golden) return o->nfiles == 0 ? 0 : (usage(stderr), 2);
    if (o->nfiles != 2) { usage(stderr); return 2; }
    return 0;
}

/* VMLINUX and DUMPFILE may come in either order: tell them apart by content. */
static int order_files(struct options *o, const char **vmlinux, const char **dump)
{
    ks_err err;
    const char *k0 = dump_sniff(o->files[0], &err);
    if (!k0 && !o->raw) { fprintf(stderr, "ksleuth: %s\n", err.msg); return 3; }
    bool first_is_vmlinux = k0 && !strcmp(k0, "elf-exec");
    *vmlinux = first_is_vmlinux ? o->files[0] : o->files[1];
    *dump = first_is_vmlinux ? o->files[1] : o->files[0];
    const char *kv = dump_sniff(*vmlinux, &err);
    if (!kv) { fprintf(stderr, "ksleuth: %s\n", err.msg); return 3; }
    if (strcmp(kv, "elf-exec")) { fprintf(stderr, "ksleuth: neither file is a vmlinux (an ELF executable)\n"); return 3; }
    return 0;
}

/* Run "a; b; c" (semicolons inside quotes do not split). */
static int run_command_string(struct session *s, const char *cmds)
{
    char *copy = xstrdup(cmds), *start = copy, quote = 0;
    int failed = 0;
    for (char *p = copy;; p++) {
        if (quote) { if (*p == quote) quote = 0; else if (*p) continue; }
        else if (*p == '"' || *p == '\'') { quote = *p; continue; }
        if (*p == ';' || *p == 0) {
            bool end = *p == 0;
            *p = 0;
            if (!s->quit && session_run_line(s, start) != 0) failed = 1;
            start = p + 1;
            if (end) break;
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
    while (!s->quit && getline(&line, &cap, in) > 0)
        if (session_run_line(s, line) != 0) failed = 1;
    free(line);
    return failed;
}

int main(int argc, char **argv)
{
    struct options o = { 0 };
    int rc = parse_options(argc, argv, &o);
    if (rc) return rc;
    signal(SIGPIPE, SIG_IGN);    /* `cmd | head` must not kill the session */
    if (o.golden) return golden_run(o.golden, o.update);
    const char *vmlinux, *dumpfile;
    if ((rc = order_files(&o, &vmlinux, &dumpfile))) return rc;

    struct session s = { .out = stdout, .err = stderr, .json = o.json, .radix = 10, .vmlinux_path = vmlinux, .dump_path = dumpfile };
    bool interactive = !o.commands && !o.script && isatty(STDIN_FILENO);
    s.batch = !interactive;
    struct kernel_open_opts ko = {
        .vmlinux = vmlinux, .dumpfile = dumpfile,
        .dump = { .raw = o.raw, .phys_base = o.phys_base },
        .dwarf = { .progress = isatty(STDERR_FILENO), .no_cache = o.no_cache },
    };
    ks_err err = { "" };
    if (kernel_open(&s.k, &ko, &err) != KERNEL_OPEN_OK) {
        fprintf(stderr, "ksleuth: %s\n", err.msg);
        kernel_close(&s.k);
        return 3;
    }
    if (interactive && !o.quiet) {
        printf("ksleuth %s: %s on %s\n", KSLEUTH_VERSION, s.k.release, s.k.dump->desc);
        printf("type help for the commands, q to quit\n\n");
        session_run_line(&s, "sys");
        putchar('\n');
    }
    int failed = 0;
    if (o.commands) failed |= run_command_string(&s, o.commands);
    if (o.script) {
        FILE *f = fopen(o.script, "r");
        if (!f) { fprintf(stderr, "ksleuth: cannot open %s\n", o.script); failed = 1; }
        else { failed |= run_stream(&s, f); fclose(f); }
    }
    if (interactive) repl_run(&s);
    else if (!o.commands && !o.script) failed |= run_stream(&s, stdin);
    fflush(stdout);
    kernel_close(&s.k);
    return failed ? 1 : 0;
}
