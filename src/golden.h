/*
 * golden: pin a dump's expected output, for ksleuth's own tests and for users' CI.
 *
 *   ksleuth --golden DIR [--update]
 *
 * DIR is one dump's folder, or holds one folder per dump, each with a golden.conf (vmlinux=PATH, dump=PATH, optional
 * options=--raw / --json, paths relative to the folder) and any number of NAME.cmds files (one
 * command per line). Each .cmds is replayed in batch against that dump; its transcript — every
 * command as "ksleuth> CMD" followed by what it printed, errors included — must equal NAME.out.
 * --update rewrites the .out files instead (review the diff before committing them).
 * Prints one line per file and "N passed, M failed"; exits 1 if any differ.
 */
#ifndef KS_GOLDEN_H
#define KS_GOLDEN_H
#include <stdbool.h>

int golden_run(const char *dir, bool update);

#endif
