/* repl: the interactive loop (readline, history, completion of commands, symbols and types). */
#ifndef KS_REPL_H
#define KS_REPL_H
#include "session.h"

/* Runs until `q`/EOF. Returns 0. */
int repl_run(struct session *s);

#endif
