/* The SIGINT flag (see interrupt.h). */
#include "interrupt.h"

#include <signal.h>
#include <string.h>

/*
 * The one piece of static state in ksleuth: a signal handler has no argument through which to
 * reach the session, and a volatile sig_atomic_t is the only object C lets it write. It says only
 * "Ctrl-C was pressed"; everything else stays in struct session.
 */
static volatile sig_atomic_t interrupt_pending;

static void on_sigint(int sig)
{
    (void)sig;
    interrupt_pending = 1;
}

void ks_interrupt_install(bool restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGINT, &sa, NULL);
}

bool ks_interrupted(void)
{
    return interrupt_pending != 0;
}

void ks_interrupt_clear(void)
{
    interrupt_pending = 0;
}
