/*
 * ascii — a hexadecimal value's bytes as text, lowest byte first as memory holds them (crash's
 * ascii): "62696c2f7273752f: /usr/lib". Control characters by name (<LF>), others above 0x7e in
 * hex (<c3>). Without a value, the ASCII chart.
 */
#include <inttypes.h>
#include <string.h>

#include "../output/output.h"
#include "commands.h"

static const struct column ascii_cols[] = {
    COL_TEXT(CT_STR, "", "shown", 0, 0), /* zero-padded to the unsigned long's width, as crash does */
    COL_JSON(CT_HEX, "value"),
    COL_S("", "ascii", 1, 0),
};

/* The control characters by their ASCII names. */
static const char *const control_names[32] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS",  "HT",  "LF",
                                              "VT",  "FF",  "CR",  "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
                                              "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};

static void to_text(uint64_t v, unsigned bytes, strbuf *out)
{
    for (unsigned i = 0; i < bytes; i++) {
        unsigned c = (unsigned)(v >> (8 * i)) & 0xff;
        if (c < 32)
            sb_printf(out, "<%s>", control_names[c]);
        else if (c == 0x7f)
            sb_puts(out, "<DEL>");
        else if (c > 0x7f)
            sb_printf(out, "<%02x>", c);
        else
            sb_putc(out, (char)c);
    }
}

/* The chart: rows by the low hex digit, columns by the high one, as crash draws it. */
static void chart(struct session *s)
{
    fprintf(s->out, "        0   1   2   3   4   5   6   7\n    +--------------------------------\n");
    for (unsigned lo = 0; lo < 16; lo++) {
        fprintf(s->out, "  %X |", lo);
        for (unsigned hi = 0; hi < 8; hi++) {
            unsigned c = hi << 4 | lo;
            char cell[8];
            if (c < 32)
                snprintf(cell, sizeof cell, "%s", control_names[c]);
            else if (c == 0x20)
                snprintf(cell, sizeof cell, "SP");
            else if (c == 0x7f)
                snprintf(cell, sizeof cell, "DEL");
            else
                snprintf(cell, sizeof cell, "%c", (char)c);
            fprintf(s->out, " %3s", cell);
        }
        fputc('\n', s->out);
    }
}

static int run_ascii(struct session *s, int argc, char **argv)
{
    if (argc == 1) {
        if (s->json)
            return cmd_fail(s, argv[0], "the chart has no JSON form: give a value");
        chart(s);
        return 0;
    }
    struct table t;
    table_begin(s, &t, "values", ascii_cols);
    table_set_header(&t, HEADER_NONE);
    for (int i = 1; i < argc; i++) {
        uint64_t v;
        if (!parse_u64(argv[i], 16, &v))
            return table_end(&t, cmd_fail(s, argv[0], "not a hexadecimal value: %s", argv[i]));
        unsigned bytes = v >> 32 ? 8 : 4; /* an unsigned long, or a long long when it needs one */
        strbuf text, shown;
        sb_init(&text);
        sb_init(&shown);
        to_text(v, bytes, &text);
        sb_printf(&shown, "%0*" PRIx64 ":", (int)bytes * 2, v);
        row_begin(&t);
        put_s(&t, "shown", shown.buf);
        put_u(&t, "value", v);
        put_s(&t, "ascii", text.buf ? text.buf : "");
        row_end(&t);
        sb_free(&text);
        sb_free(&shown);
    }
    return table_end(&t, 0);
}

const struct command cmd_ascii = {
    "ascii",
    "ascii [VALUE...]",
    "a hexadecimal value as ASCII text, or the ASCII chart",
    "Each VALUE (hexadecimal) is read as the bytes of an unsigned long (a long long when it needs 64\n"
    "bits), lowest first as they lie in memory: \"62696c2f7273752f: /usr/lib\". Control characters are\n"
    "named (<NUL>, <LF>, <DEL>), bytes above 0x7e shown in hex (<c3>). Without a VALUE, the ASCII chart.\n"
    "JSON: {\"values\":[{\"value\",\"ascii\"}]}",
    run_ascii,
};
