/* json: a tiny writer for one-line JSON documents. Commas are tracked per nesting level, so
 * callers just say what comes next. */
#ifndef KS_JSON_H
#define KS_JSON_H
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct json {
    strbuf sb;
    int depth;
    bool need_comma[32];
};

void json_init(struct json *j);
void json_free(struct json *j);
void json_obj_begin(struct json *j, const char *key);   /* key NULL inside arrays / at top */
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);   /* v NULL -> null */
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
/* A fixed-point number given in thousandths, written as the kernel prints it: -1000 -> -1.000. */
void json_milli(struct json *j, const char *key, int64_t thousandths);
/* A number with a fixed count of digits after the point: (12.34, 1) -> 12.3. */
void json_fixed(struct json *j, const char *key, double v, int precision);
void json_bool(struct json *j, const char *key, bool v);
void json_hex(struct json *j, const char *key, uint64_t v);      /* "0x..." as a string */
void json_null(struct json *j, const char *key);
/* An error's fields beside a command's "error": "kind" ("not_mapped", ...), "address" ("0x..." or
 * null) and "address_space" ("physical", "kernel_virtual", "user_virtual", "file_offset", "none"). */
void json_err_fields(struct json *j, const ks_err *e);

#endif
