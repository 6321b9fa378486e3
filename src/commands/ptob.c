/*
 * ptob and btop — page frame numbers to bytes and back, as crash's ptob/btop: "512a: 512a000".
 * Both in hex, the page size this kernel's (4 KB on i386).
 */
#include <inttypes.h>
#include <string.h>

#include "../output/output.h"
#include "commands.h"

static const struct column conv_cols[] = {
    COL_TEXT(CT_STR, "", "shown", 0, 0), /* "512a:" */
    COL_JSON(CT_HEX, "input"),
    COL_X("", "output", 1, 0),
};

static int convert(struct session *s, int argc, char **argv, bool to_bytes)
{
    struct table t;
    if (argc < 2)
        return cmd_fail(s, argv[0], "usage: %s VALUE...", argv[0]);
    table_begin(s, &t, "results", conv_cols);
    table_set_header(&t, HEADER_NONE);
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!parse_u64(argv[i], 16, &v))
            return table_end(&t, cmd_fail(s, argv[0], "not a hexadecimal value: %s", argv[i]));
        if (to_bytes && v >> (64 - KS_PAGE_SHIFT))
            return table_end(&t, cmd_fail(s, argv[0], "%s pages do not fit in 64 bits of bytes", argv[i]));
        char shown[24];
        snprintf(shown, sizeof shown, "%" PRIx64 ":", v);
        row_begin(&t);
        put_s(&t, "shown", shown);
        put_u(&t, "input", v);
        put_u(&t, "output", to_bytes ? v << KS_PAGE_SHIFT : v >> KS_PAGE_SHIFT);
        row_end(&t);
    }
    return table_end(&t, 0);
}

static int run_ptob(struct session *s, int argc, char **argv)
{
    return convert(s, argc, argv, true);
}

static int run_btop(struct session *s, int argc, char **argv)
{
    return convert(s, argc, argv, false);
}

const struct command cmd_ptob = {
    "ptob",
    "ptob PFN...",
    "page frame number to bytes (its physical address)",
    "Each PFN (hexadecimal) times the page size: \"512a: 512a000\".\n"
    "JSON: {\"results\":[{\"input\",\"output\"}]}",
    run_ptob,
};

const struct command cmd_btop = {
    "btop",
    "btop ADDRESS...",
    "bytes (an address) to its page frame number",
    "Each ADDRESS (hexadecimal) divided by the page size: \"512a000: 512a\".\n"
    "JSON: {\"results\":[{\"input\",\"output\"}]}",
    run_btop,
};
