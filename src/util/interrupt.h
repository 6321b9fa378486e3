/*
 * interrupt: Ctrl-C stops the running command, never the session (crash's behaviour).
 * The SIGINT handler only raises a flag; long walks and loops poll ks_interrupted() and end with
 * the error "interrupted", the front end clears the flag before each command.
 */
#ifndef KS_INTERRUPT_H
#define KS_INTERRUPT_H
#include <stdbool.h>

/* Install the SIGINT handler. restart: whether slow system calls resume after it (SA_RESTART):
 * yes in the REPL, so a write to the terminal is not cut short (readline has its own handler while
 * it waits for a key); no in batch mode, so a wait for the next line of standard input ends too. */
void ks_interrupt_install(bool restart);
/* In the REPL: a pipeline reader that quit (q in less, head that has its lines) stops the command as
 * Ctrl-C does, but quietly: the user asked for no more. Instead of SIGPIPE's SIG_IGN; the write
 * still fails with EPIPE. */
void ks_interrupt_on_closed_pipe(void);
/* Whether the interrupt is that reader leaving, not Ctrl-C. */
bool ks_reader_gone(void);
/* Whether Ctrl-C was pressed (or the reader left) since the last ks_interrupt_clear(). */
bool ks_interrupted(void);
void ks_interrupt_clear(void);

#endif
