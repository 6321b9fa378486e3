/*
 * The expression evaluator without a dump: a small fake program (struct point, arrays, a pointer,
 * a bit-field, an enumerator, a per-CPU variable) in a memory image, and C's grammar, precedence
 * and integer semantics checked case by case — values, and the exact error for what C refuses.
 * Every bug the evaluator replaced (issue 15) is a case here.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "expr_fake.h"

static int evaluate(const struct expr_env *env, const char *text, int cpu, uint64_t *v, struct ktype **type, ks_err *err)
{
    struct expr_ctx x;
    struct expr_value val;
    expr_init(&x, env);
    x.cpu = cpu;
    int rc = expr_evaluate(&x, text, &val, err) || expr_scalar(&x, &val, v, err) ? -1 : 0;
    if (type)
        *type = val.type;
    expr_free(&x);
    return rc;
}

static void ok_env(const struct expr_env *env, const char *text, uint64_t want, int line)
{
    uint64_t v = 0;
    ks_err err = {""};
    if (evaluate(env, text, -1, &v, NULL, &err) == 0 && v == want) {
        check_passed++;
        return;
    }
    check_failed++;
    fprintf(stderr, "test_expr.c:%d: \"%s\" gave %#llx (%s), expected %#llx\n", line, text, (unsigned long long)v, err.msg,
            (unsigned long long)want);
}

static void bad_env(const struct expr_env *env, const char *text, const char *msg, int line)
{
    uint64_t v = 0;
    ks_err err = {""};
    if (evaluate(env, text, -1, &v, NULL, &err) != 0 && strstr(err.msg, msg)) {
        check_passed++;
        return;
    }
    check_failed++;
    fprintf(stderr, "test_expr.c:%d: \"%s\": wanted error \"%s\", got \"%s\" (value %#llx)\n", line, text, msg, err.msg,
            (unsigned long long)v);
}

#define OK(text, want)  ok_env(&env_c, text, (uint64_t)(want), __LINE__)
#define BAD(text, msg)  bad_env(&env_c, text, msg, __LINE__)
#define OKX(text, want) ok_env(&env_hex, text, (uint64_t)(want), __LINE__)
#define BADX(text, msg) bad_env(&env_hex, text, msg, __LINE__)

static void test_precedence(void)
{
    OK("1+2*3", 7);
    OK("(1+2)*3", 9);
    OK("1|2^3", 1); /* issue 15: eval (1|2^3) gave 0 */
    OK("1<<3+1", 16);
    OK("10-2-3", 5);
    OK("100/10/5", 2);
    OK("7&3==3", 1);
    OK("1<2==1", 1);
    OK("6&3|8", 10);
    OK("1?2:3", 2);
    OK("0?2:3", 3);
    OK("0?1:0?5:6", 6);
    OK("-2*-3", 6);
    OK("!0+!5", 1);
    OK("~0", -1);
    OK("- -1", 1);
    OK("0&&1/0", 0); /* short-circuit: the division is never done */
    OK("1||1/0", 1);
    OK("2&&3", 1);
}

static void test_integers(void)
{
    OK("-5/2", -2);
    OK("-5%3", -2);
    OK("2147483647+1", INT32_MIN); /* int wraps, defined here */
    OK("4294967295u+1", 0);
    OK("2147483648", 2147483648u); /* long long: does not fit int */
    OK("0x80000000", 0x80000000u); /* unsigned int */
    OK("1<<31", INT32_MIN);
    OK("1LL<<63", 0x8000000000000000u);
    OK("(-2147483647-1)/-1", INT32_MIN);
    OK("(-9223372036854775807LL-1)/-1", 0x8000000000000000u);
    OK("(-9223372036854775807LL-1)%-1", 0);
    OK("-1 < 0u", 0);
    OK("-1 < 0", 1);
    OK("-8 >> 1", -4);
    OK("(unsigned)-8 >> 28", 15);
    OK("(unsigned char)300", 44);
    OK("(char)200", -56);
    OK("(short)65535", -1);
    OK("(unsigned long long)-1", UINT64_MAX);
    OK("010", 8);
    OK("0x10", 16);
    OK("'A'", 65);
    OK("'\\n'", 10);
    OK("'\\x41'", 65);
    OK("sizeof(int)", 4);
    OK("sizeof(long)", 4);
    OK("sizeof(long long)", 8);
    OK("sizeof(char *)", 4);
    OK("sizeof(struct point)", 16);
    OK("sizeof(unsigned short)", 2);
    OK("18446744073709551615", UINT64_MAX);
    BAD("1<<32", "shift count 32 is not below the 32 bits of int");
    BAD("1LL<<64", "shift count 64");
    BAD("1<<-1", "negative shift count");
    BAD("1/0", "division by zero");
    BAD("1%0", "division by zero");
    BAD("18446744073709551616", "too large");
    BAD("08", "invalid number");
    BAD("12abc", "invalid number");
    BAD("1lll", "invalid number");
    BAD("(long short)1", "invalid type name");
}

static void test_syntax(void)
{
    BAD("", "empty expression");
    BAD("1 +", "expected a number, a name or '(' at the end (column 4)");
    BAD("(1", "expected ')' at the end");
    BAD("1)", "unexpected text at ')'");
    BAD("1 $ 2", "unexpected character '$'");
    BAD("pt.", "expected a member name");
    BAD("arr[1", "expected ']'");
    BAD("1 ? 2", "expected ':'");
    BAD("(struct nosuch *)0", "no type struct nosuch");
    BAD("per_cpu(pcpu)", "expected ','");
    char deep[700];
    memset(deep, '(', 300);
    strcpy(deep + 300, "1");
    memset(deep + 301, ')', 300);
    deep[601] = 0;
    BAD(deep, "nested more than");
    /* issue 15: a 510-character expression was cut without a word. Long ones work... */
    char *longer = malloc(EXPR_MAX_TEXT + 2);
    strcpy(longer, "1");
    while (strlen(longer) + 2 <= EXPR_MAX_TEXT)
        strcat(longer, "+1");
    OK(longer, (strlen(longer) + 1) / 2);
    /* ...and longer still is refused in so many words. */
    strcat(longer, "+1");
    BAD(longer, "longer than the 4096 accepted");
    free(longer);
}

static void test_objects(void)
{
    OK("pt.x", -3);
    OK("pt.y", 7);
    OK("pt.flags", 5);
    OK("pp->y", 7);
    OK("pp.y", 7); /* gdb lets '.' follow a pointer */
    OK("(*pp).x", -3);
    OK("pt->y", 7);
    OK("arr[2]", 12);
    OK("*(arr+3)", 13);
    OK("&arr[3] - arr", 3);
    OK("&arr[1]", BASE + 0x24);
    OK("grid[1][2]", 105); /* issue 15: [1][2] printed the whole row */
    OK("grid[0][2] + grid[1][0]", 205);
    OK("&pt.y", BASE + 4);
    OK("&((struct point *)0)->y", 4); /* the offsetof idiom */
    OK("((struct point *)0xc0000000)->y", 7);
    OK("pp + 1", BASE + 16); /* scaled by the pointee */
    OK("pp[0].y", 7);
    OK("(pp + 1)[-1].y", 7); /* a negative subscript of a pointer wraps to 32 bits, as on i386 */
    OK("(char *)pp + 1", BASE + 1);
    OK("pp == &pt", 1);
    OK("pp != 0", 1);
    OK("!pp", 0);
    OK("sizeof pt", 16);
    OK("sizeof arr", 16);
    OK("sizeof grid[1]", 12);
    OK("RED", 1);
    OK("RED + 1", 2);
    OK("(color_t)1", 1);
    OK("banner[4]", 'x'); /* an unknown bound is not checked, as in C */
    OK("pcpu", 11);
    OK("per_cpu(pcpu, 1)", 22);
    OK("per_cpu(pcpu, 0) + per_cpu(pcpu, 1)", 33);
    OK("&per_cpu(pcpu, 1)", BASE + 0x100 + PERCPU_STRIDE);
    BAD("arr[4]", "index 4 is out of bounds: the array has 4 elements");
    BAD("arr[-1]", "index -1 is out of bounds");
    BAD("grid[1][3]", "index 3 is out of bounds: the array has 3 elements");
    BAD("grid[99][99]", "index 99 is out of bounds: the array has 2 elements");
    BAD("pt.x[1]", "int is not an array or a pointer"); /* issue 15: char[1][2] read a char */
    BAD("arr[1].nonexistent", "int is not a struct or union: no member nonexistent");
    BAD("pt.nonexistent", "there is no member named nonexistent in struct point");
    BAD("arr[zz]", "no symbol \"zz\""); /* issue 15: gave element 0 */
    BAD("&pt.flags", "address of a bit-field");
    BAD("&1", "cannot take the address");
    BAD("*1", "non-pointer");
    BAD("pt + 1", "not a number or a pointer");
    BAD("pp * 2", "invalid operands");
    BAD("pp + pp", "invalid operands");
    BAD("(struct point)1", "cannot cast to struct point");
    BAD("per_cpu(pcpu, 2)", "no CPU 2");
    BAD("*(int *)0", "cannot read"); /* a failed read is an error, never a value */
}

static void test_percpu(void)
{
    struct expr_ctx x;
    struct expr_node *n;
    ks_err err;
    uint64_t v = 0;
    expr_init(&x, &env_c);
    CHECK(expr_parse(&x, "pcpu + 1", &n, &err) == 0 && expr_uses_percpu(&x, n));
    CHECK(expr_parse(&x, "per_cpu(pcpu, 1)", &n, &err) == 0 && !expr_uses_percpu(&x, n));
    CHECK(expr_parse(&x, "sizeof pcpu", &n, &err) == 0 && !expr_uses_percpu(&x, n));
    expr_free(&x);
    CHECK(evaluate(&env_c, "pcpu * 2", 1, &v, NULL, &err) == 0 && v == 44);
}

static void test_eval_mode(void)
{
    OKX("10", 16);
    OKX("10d", 10);
    OKX("0x10", 16);
    OKX("ff+1", 0x100);
    OKX("abc", 0xabc);
    OKX("-8000000000000000", 0x8000000000000000u); /* issue 15: a signed overflow (UBSan) */
    OKX("1|2^3", 1);
    OKX("(bfc62b4c >> 16d) & 3ff", 0x3c6);
    OKX("ffffffffffffffff + 1", 0);
    OKX("1 << 63d", 0x8000000000000000u);
    BADX("1<<100d", "shift count 100 is not below the 64 bits"); /* issue 15: gave 0x1000000000 */
    BADX("1/0", "division by zero");
    BADX("10000000000000000", "too large");
    BADX("12z", "invalid number");
}

int main(void)
{
    build_program();
    test_precedence();
    test_integers();
    test_syntax();
    test_objects();
    test_percpu();
    test_eval_mode();
    return check_summary();
}
