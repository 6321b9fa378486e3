/* The seed of fuzz_dwarf: a small program whose DWARF has what ksleuth reads from a kernel —
 * structs, unions, anonymous members, bit-fields, enums, typedefs, arrays, pointers, variables.
 * Built with: gcc -m32 -g -gdwarf-4 -O0 -nostdlib -static -o corpus/dwarf/sample dwarf_sample.c
 * (and -gdwarf-5 -o corpus/dwarf/sample-dwarf5, for the streaming reader's DWARF 5 forms) */
enum colour { RED, GREEN = 5, BLUE = -1 };
typedef unsigned long pteval_t;
typedef union { pteval_t pte; pteval_t pte_low; } pte_t;
struct node {
    struct node *next, *prev;
    union { int a; char b[3]; };
    unsigned int flag : 1, kind : 3, level : 12;
    enum colour colour;
    pte_t entries[4][2];
    const char *name;
    void (*fn)(int);
};
struct node sample_node;
pte_t sample_pte;
int sample_array[16];
void _start(void) { for (;;) { } }
