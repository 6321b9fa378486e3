/* help [CMD] — the command list, or one command's usage, options, output columns and JSON. */
#include <string.h>

#include "commands.h"

static void list_json(struct session *s)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_arr_begin(&j, "commands");
    for (const struct command *const *c = command_all(); *c; c++) {
        json_obj_begin(&j, NULL);
        json_str(&j, "name", (*c)->name);
        json_str(&j, "summary", (*c)->summary);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
}

static void command_json(struct session *s, const struct command *c)
{
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    json_str(&j, "name", c->name);
    json_str(&j, "summary", c->summary);
    json_str(&j, "usage", c->usage);
    json_str(&j, "help", c->help);
    json_obj_end(&j);
    cmd_json_emit(s, &j);
    json_free(&j);
}

static int run_help(struct session *s, int argc, char **argv)
{
    if (argc > 2)
        return cmd_fail(s, argv[0], "one command at a time: help COMMAND");
    const struct command *c = argc == 2 ? command_find(argv[1]) : NULL;
    if (argc == 2 && !c)
        return cmd_fail(s, argv[0], "no command %s", argv[1]);
    if (s->json && c)
        command_json(s, c);
    else if (s->json)
        list_json(s);
    else if (c)
        fprintf(s->out, "NAME\n  %s - %s\n\nUSAGE\n  %s\n\n%s\n", c->name, c->summary, c->usage, c->help);
    else {
        for (const struct command *const *all = command_all(); *all; all++)
            fprintf(s->out, "%-8s %s\n", (*all)->name, (*all)->summary);
        fputs("\nhelp CMD shows one command. Any command can end in \"| shell pipeline\" or \"> file\".\n", s->out);
    }
    return 0;
}

const struct command cmd_help = {
    "help",
    "help [COMMAND]",
    "list the commands, or explain one",
    "With no argument, one line per command. With a command name: its usage, options, the columns\n"
    "it prints and its JSON form.\n"
    "Output: \"CMD | PIPELINE\" sends it through the shell, \"CMD > FILE\" writes FILE (quote a name with\n"
    "spaces), \">> FILE\" appends; one file per command. As in crash, a > or | outside parentheses is\n"
    "always plumbing, also in eval: \"eval 1 > 2\" writes 1 to a file named 2, as crash does;\n"
    "\"eval (1 >> 2)\" keeps the operator in the expression.\n"
    "A write error, or a pipeline that exits non-zero, fails the command. Ctrl-C stops a command\n"
    "(\"interrupted\") and returns to the prompt; in batch mode it ends the batch (exit status 130).\n"
    "JSON: help {\"commands\":[{\"name\",\"summary\"}]}; help CMD {\"name\",\"summary\",\"usage\",\"help\"}",
    run_help,
};
