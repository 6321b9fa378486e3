/*
 * interrupt: Ctrl-C stops the running command, never the session (crash's behaviour).
 * The SIGINT handler only raises a flag; long walks and loops poll ks_interrupted() and end with
 * the error "interrupted", the front end clears the flag before each command.
 */
#ifndef KS_INTERRUPT_H
#define KS_INTERRUPT_H
#include <stdbool.h>

/* Install the SIGINT handler. restart: whether slow system calls resume after it (SA_RESTART):
 * yes while a command runs, so a write to the terminal is not cut short; no while waiting for
 * input, so the wait itself ends and the front end can act on the interrupt. */
void ks_interrupt_install(bool restart);
/* Whether Ctrl-C was pressed since the last ks_interrupt_clear(). */
bool ks_interrupted(void);
void ks_interrupt_clear(void);

#endif
