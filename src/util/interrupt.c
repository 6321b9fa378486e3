/* The SIGINT (and, in the REPL, SIGPIPE) flag (see interrupt.h). */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

/*
 * The one piece of static state in ksleuth: a signal handler has no argument through which to
 * reach the session, and a volatile sig_atomic_t is the only object C lets it write. It says only
 * "Ctrl-C was pressed" (or "the pipeline's reader has gone"); everything else stays in struct session.
 */
static volatile sig_atomic_t interrupt_pending;

enum { CTRL_C = 1, READER_GONE = 2 };

static void on_sigint(int sig)
{
    (void)sig;
    interrupt_pending = CTRL_C;
}

static void on_sigpipe(int sig)
{
    (void)sig;
    if (!interrupt_pending)
        interrupt_pending = READER_GONE;
}

static void install(int sig, void (*handler)(int), bool restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(sig, &sa, NULL);
}

void ks_interrupt_install(bool restart)
{
    install(SIGINT, on_sigint, restart);
}

void ks_interrupt_on_closed_pipe(void)
{
    install(SIGPIPE, on_sigpipe, true);
}

bool ks_reader_gone(void)
{
    return interrupt_pending == READER_GONE;
}

bool ks_interrupted(void)
{
    return interrupt_pending != 0;
}

void ks_interrupt_clear(void)
{
    interrupt_pending = 0;
}
