/* help [CMD] — the command list, or one command's usage, options, output columns and JSON. */
#include <string.h>

#include "commands.h"

static int run_help(struct session *s, int argc, char **argv)
{
    if (argc == 1) {
        for (const struct command *const *c = command_all(); *c; c++) fprintf(s->out, "%-8s %s\n", (*c)->name, (*c)->summary);
        fputs("\nhelp CMD shows one command. Any command can end in \"| shell pipeline\" or \"> file\".\n", s->out);
        return 0;
    }
    const struct command *c = command_find(argv[1]);
    if (!c) return cmd_fail(s, argv[0], "no command %s", argv[1]);
    fprintf(s->out, "NAME\n  %s - %s\n\nUSAGE\n  %s\n\n%s\n", c->name, c->summary, c->usage, c->help);
    return 0;
}

const struct command cmd_help = {
    "help", "help [COMMAND]", "list the commands, or explain one",
    "With no argument, one line per command. With a command name: its usage, options, the columns\n"
    "it prints and its JSON form.",
    run_help,
};
