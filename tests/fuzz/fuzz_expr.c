/* The C expression parser and evaluator on arbitrary text: the input's first line is the
 * expression, evaluated in gdb's C mode and in crash's eval mode over the unit test's fake program;
 * the rest of the input becomes that program's memory. */
#include <stdlib.h>
#include <string.h>

#include "../unit/expr_fake.h"

static void evaluate_in(const struct expr_env *env, const char *text)
{
    struct expr_ctx x;
    struct expr_node *root;
    struct expr_value v;
    uint64_t n;
    ks_err err;
    expr_init(&x, env);
    if (expr_parse(&x, text, &root, &err) == 0) {
        bool percpu = expr_uses_percpu(&x, root);
        for (int cpu = -1; cpu < (percpu ? 2 : 0); cpu++) {
            x.cpu = cpu;
            if (expr_eval(&x, root, &v, &err) == 0)
                expr_scalar(&x, &v, &n, &err);
        }
    }
    expr_free(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool built;
    if (!built) {
        build_program();
        built = true;
    }
    const uint8_t *nl = memchr(data, '\n', size);
    size_t len = nl ? (size_t)(nl - data) : size;
    char *text = malloc(len + 1);
    memcpy(text, data, len);
    text[len] = 0;
    if (nl)
        memcpy(F.mem, nl + 1, KS_MIN(size - len - 1, (size_t)MEM_SIZE));
    evaluate_in(&env_c, text);
    evaluate_in(&env_hex, text);
    free(text);
    return 0;
}
