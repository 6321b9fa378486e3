/* q / exit — leave ksleuth. */
#include "commands.h"

static int run_quit(struct session *s, int argc, char **argv)
{
    (void)argc; (void)argv;
    s->quit = true;
    return 0;
}

const struct command cmd_q = { "q", "q", "quit", "Ends the session (same as exit, or end of input).", run_quit };
const struct command cmd_exit = { "exit", "exit", "quit", "Ends the session (same as q).", run_quit };
