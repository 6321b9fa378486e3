/*
 * Errors keep their kind and address from where they happen to where they are reported: ks_err's
 * own helpers; the dump readers (truncated, corrupt, not in the dump) on hand-built ELF cores and
 * raw images; the page walk (not mapped, with the kernel virtual address) through hand-built page
 * tables; and, given a vmlinux and its dump, the DWARF and symbol lookups (no such type, member,
 * symbol) and the probes that say "absent" without an error; given a plain kdump file, its reader
 * on copies cut short or damaged.
 *
 *   test_err [VMLINUX DUMP [PLAIN-KDUMP]]
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "util/json.h"
#include "check.h"

#define IMAGE_SIZE (64u * 4096u)

/* A temporary file holding bytes; removed at exit of each case. */
static void write_file(char *path, size_t pathsz, const void *bytes, size_t n)
{
    snprintf(path, pathsz, "/tmp/ksleuth-err-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, bytes, n) != (ssize_t)n) {
        perror("temp file");
        exit(2);
    }
    close(fd);
}

static void test_helpers(void)
{
    ks_err e = {""};
    CHECK(ks_fail(NULL, "nothing %d", 1) == -1);
    CHECK(ks_fail_at(NULL, KS_E_NOT_MAPPED, KS_AS_KVIRT, 1, "x") == -1);
    CHECK(ks_wrap(NULL, "context") == -1);

    CHECK(ks_fail_at(&e, KS_E_NOT_MAPPED, KS_AS_KVIRT, 0xc0401000, "kernel virtual address %#x is not mapped", 0xc0401000) == -1);
    CHECK(ks_err_is(&e, KS_E_NOT_MAPPED));
    CHECK(!ks_err_is(&e, KS_E_GENERIC));
    CHECK(!ks_err_is(NULL, KS_E_NOT_MAPPED));
    CHECK_EQ_U64(e.space, KS_AS_KVIRT);
    CHECK_EQ_U64(e.addr, 0xc0401000);

    /* Context in front, kind and address kept. */
    ks_wrap(&e, "task list broken after task %#x", 0xc1000000);
    CHECK(!strcmp(e.msg, "task list broken after task 0xc1000000: kernel virtual address 0xc0401000 is not mapped"));
    CHECK(ks_err_is(&e, KS_E_NOT_MAPPED));
    CHECK_EQ_U64(e.addr, 0xc0401000);

    /* ks_fail is the generic error: no kind, no address, whatever came before. */
    ks_fail(&e, "plain %s", "words");
    CHECK(!strcmp(e.msg, "plain words"));
    CHECK(ks_err_is(&e, KS_E_GENERIC));
    CHECK_EQ_U64(e.space, KS_AS_NONE);
    CHECK_EQ_U64(e.addr, 0);

    /* A message may quote the one it replaces. */
    ks_fail_kind(&e, KS_E_NO_MEMBER, "struct x has no member y");
    ks_fail(&e, "outer: %s", e.msg);
    CHECK(!strcmp(e.msg, "outer: struct x has no member y"));

    ks_err caught, out;
    ks_fail_kind(&caught, KS_E_NO_SYMBOL, "unknown symbol: nope");
    CHECK(ks_err_absent(&caught));
    CHECK(ks_pass(&out, &caught) == -1);
    CHECK(ks_err_is(&out, KS_E_NO_SYMBOL) && !strcmp(out.msg, "unknown symbol: nope"));
    CHECK(ks_pass(NULL, &caught) == -1);
    ks_fail_kind(&caught, KS_E_IO, "read failed");
    CHECK(!ks_err_absent(&caught));

    /* Every kind has its own name. */
    for (int a = 0; a < KS_E_KIND_COUNT; a++)
        for (int b = a + 1; b < KS_E_KIND_COUNT; b++)
            CHECK(strcmp(ks_err_kind_name((enum ks_err_kind)a), ks_err_kind_name((enum ks_err_kind)b)) != 0);
    CHECK(!strcmp(ks_err_kind_name(KS_E_NOT_IN_DUMP), "not_in_dump"));
    CHECK(!strcmp(ks_addr_space_name(KS_AS_PHYS), "physical"));

    /* Long messages are cut, not overrun. */
    char big[2 * KS_ERR_MAX];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    ks_fail_kind(&e, KS_E_CORRUPT, "%s", big);
    ks_wrap(&e, "%s", big);
    CHECK(strlen(e.msg) == KS_ERR_MAX - 1);
    CHECK(ks_err_is(&e, KS_E_CORRUPT));
}

static void test_json(void)
{
    ks_err e;
    struct json j;
    json_init(&j);
    json_obj_begin(&j, NULL);
    ks_fail_at(&e, KS_E_NOT_IN_DUMP, KS_AS_PHYS, 0x5fb1000, "physical page 0x5fb1000 is not in the dump");
    json_err_fields(&j, &e);
    json_obj_end(&j);
    CHECK(!strcmp(j.sb.buf, "{\"kind\":\"not_in_dump\",\"address\":\"0x5fb1000\",\"address_space\":\"physical\"}"));
    json_free(&j);

    json_init(&j);
    json_obj_begin(&j, NULL);
    ks_fail(&e, "generic");
    json_err_fields(&j, &e);
    json_obj_end(&j);
    CHECK(!strcmp(j.sb.buf, "{\"kind\":\"error\",\"address\":null,\"address_space\":\"none\"}"));
    json_free(&j);
}

static void test_pread(void)
{
    char path[64];
    uint8_t bytes[100] = {0}, buf[200];
    write_file(path, sizeof path, bytes, sizeof bytes);
    int fd = open(path, 0);
    ks_err e;
    CHECK(pread_full(fd, buf, 200, 0, &e, "f") == -1);
    CHECK(ks_err_is(&e, KS_E_TRUNCATED));
    CHECK_EQ_U64(e.space, KS_AS_FILE);
    CHECK_EQ_U64(e.addr, 100);
    close(fd);
    CHECK(pread_full(fd, buf, 10, 0, &e, "f") == -1); /* closed: the system says no */
    CHECK(ks_err_is(&e, KS_E_IO));
    unlink(path);
}

/* ELF32 core: header, two program headers, PT_LOADs for physical [0, 0x1000) and [0x3000, 0x4000). */
static size_t make_elf(uint8_t *f, uint16_t machine, uint32_t second_filesz)
{
    memset(f, 0, 0x3000);
    memcpy(f, "\177ELF\1\1\1", 7);
    f[16] = 4; /* ET_CORE */
    memcpy(f + 18, &machine, 2);
    uint32_t phoff = 52;
    uint16_t phentsize = 32, phnum = 2;
    memcpy(f + 28, &phoff, 4);
    memcpy(f + 42, &phentsize, 2);
    memcpy(f + 44, &phnum, 2);
    uint32_t ph[2][8] = {{1, 0x1000, 0, 0, 0x1000, 0x1000, 7, 0}, {1, 0x2000, 0, 0x3000, second_filesz, second_filesz, 7, 0}};
    memcpy(f + phoff, ph, sizeof ph);
    memset(f + 0x1000, 0xaa, 0x2000);
    return 0x3000;
}

static struct dump *open_bytes(const uint8_t *bytes, size_t n, bool raw, uint64_t base, ks_err *e)
{
    char path[64];
    write_file(path, sizeof path, bytes, n);
    struct dump_open_opts o = {.raw = raw, .phys_base = base};
    struct dump *d = dump_open(path, &o, e);
    unlink(path); /* the open file stays readable */
    return d;
}

static void test_dump_readers(void)
{
    static uint8_t f[0x3000];
    uint8_t page[KS_PAGE_SIZE];
    ks_err e;

    struct dump *d = open_bytes(f, make_elf(f, 3, 0x1000), false, 0, &e);
    CHECK(d != NULL);
    if (d) {
        CHECK(dump_read_page(d, 0, page, &e) == DUMP_PAGE_OK);
        CHECK(dump_read_page(d, 1, page, &e) == DUMP_PAGE_ABSENT); /* between the segments */
        CHECK(ks_err_is(&e, KS_E_NOT_IN_DUMP));
        CHECK_EQ_U64(e.space, KS_AS_PHYS);
        CHECK_EQ_U64(e.addr, 0x1000);
        CHECK(dump_read_page(d, 9, page, &e) == DUMP_PAGE_ABSENT); /* past the last frame */
        CHECK(ks_err_is(&e, KS_E_NOT_IN_DUMP));
        CHECK_EQ_U64(e.addr, 0x9000);
        dump_close(d);
    }
    CHECK(open_bytes(f, make_elf(f, 62, 0x1000), false, 0, &e) == NULL);
    CHECK(ks_err_is(&e, KS_E_UNSUPPORTED));
    CHECK(open_bytes(f, make_elf(f, 3, 0x8000), false, 0, &e) == NULL); /* a segment past the end */
    CHECK(ks_err_is(&e, KS_E_TRUNCATED));
    CHECK(strstr(e.msg, "truncated: a PT_LOAD segment ends at") != NULL);
    CHECK(open_bytes(f, 30, false, 0, &e) == NULL);
    CHECK(ks_err_is(&e, KS_E_TRUNCATED));
    f[4] = 9; /* ELF class */
    CHECK(open_bytes(f, 0x3000, false, 0, &e) == NULL);
    CHECK(ks_err_is(&e, KS_E_CORRUPT));

    CHECK(open_bytes(f, 100, true, 0, &e) == NULL);
    CHECK(ks_err_is(&e, KS_E_TRUNCATED));
    d = open_bytes(f, 0x3000, true, 0x10000, &e);
    CHECK(d != NULL);
    if (d) {
        CHECK(dump_read_page(d, 0xf, page, &e) == DUMP_PAGE_ABSENT);
        CHECK(ks_err_is(&e, KS_E_NOT_IN_DUMP));
        CHECK_EQ_U64(e.addr, 0xf000);
        dump_close(d);
    }
}

static void put32(uint8_t *im, uint64_t pa, uint32_t v)
{
    memcpy(im + pa, &v, 4);
}

/* 2-level tables: PGD at 0x1000; 0xc0000000 -> PT at 0x2000: page 0 -> 0x3000, page 1 -> a frame
 * past the image; 0xc0400000's PGD entry not present. */
static void test_page_walk(void)
{
    static uint8_t im[IMAGE_SIZE];
    memset(im, 0, sizeof im);
    put32(im, 0x1000 + 0x300 * 4, 0x2000 | 0x3);
    put32(im, 0x2000, 0x3000 | 0x3);
    put32(im, 0x2004, 0x100000 | 0x3);
    put32(im, 0x3000, 0xdeadbeef);
    ks_err e;
    struct kernel k;
    memset(&k, 0, sizeof k);
    k.dump = open_bytes(im, sizeof im, true, 0, &e);
    if (!k.dump) {
        CHECK(k.dump != NULL);
        return;
    }
    physmem_init(&k.mem, k.dump);
    k.arch = &arch_i386;
    k.paging = &pt_i386_2level;
    k.pgd_paddr = 0x1000;
    uint64_t v;
    CHECK(kread_ulong(&k, 0xc0000000, &v, &e) == 0);
    CHECK_EQ_U64(v, 0xdeadbeef);

    CHECK(kread_ulong(&k, 0xc0400010, &v, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NOT_MAPPED));
    CHECK_EQ_U64(e.space, KS_AS_KVIRT);
    CHECK_EQ_U64(e.addr, 0xc0400010);
    CHECK(strstr(e.msg, "kernel virtual address 0xc0400010 is not mapped") != NULL);

    /* Mapped, but to a frame the dump does not hold: the physical address is what is missing. */
    uint8_t b[8];
    CHECK(kread(&k, 0xc0000ffc, b, 8, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NOT_IN_DUMP));
    CHECK_EQ_U64(e.space, KS_AS_PHYS);
    CHECK_EQ_U64(e.addr, 0x100000);

    CHECK(kread(&k, 0x100000000ull, b, 4, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_BAD_ARG));
    CHECK(kread(&k, 0xc0400000, b, 4, NULL) == -1); /* no err: just -1 */

    physmem_fini(&k.mem);
    dump_close(k.dump);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *buf = xmalloc(*n);
    if (fread(buf, 1, *n, f) != *n)
        *n = 0;
    fclose(f);
    return buf;
}

/* makedumpfile -d 31 of np-96m, 32-bit header: block 4096, one sub-header block, two bitmap
 * blocks (at 0x2000), page descriptors at 0x4000; frame 1 is the first one stored, 0xa0 (the VGA
 * hole) is not RAM, 636 is RAM the dump level excluded. */
static void test_kdump(const char *path)
{
    size_t n = 0;
    uint8_t *f = slurp(path, &n), page[KS_PAGE_SIZE];
    ks_err e;
    if (!f || n < 0x5000) {
        CHECK(!"kdump sample readable");
        free(f);
        return;
    }
    struct dump *d = open_bytes(f, n, false, 0, &e);
    CHECK(d != NULL);
    if (d) {
        CHECK(dump_read_page(d, 0xa0, page, &e) == DUMP_PAGE_ABSENT);
        CHECK(ks_err_is(&e, KS_E_NOT_IN_DUMP) && e.space == KS_AS_PHYS && e.addr == 0xa0000);
        CHECK(dump_read_page(d, 636, page, &e) == DUMP_PAGE_ABSENT);
        CHECK(ks_err_is(&e, KS_E_NOT_IN_DUMP) && strstr(e.msg, "dump level") != NULL);
        dump_close(d);
    }
    CHECK(open_bytes(f, 0x2000 + 100, false, 0, &e) == NULL); /* cut inside the bitmaps */
    CHECK(ks_err_is(&e, KS_E_TRUNCATED));
    uint32_t zero = 0, bad_block = 1234;
    memcpy(f + 0x4000 + 8, &zero, 4); /* frame 1's descriptor: no bytes */
    d = open_bytes(f, n, false, 0, &e);
    CHECK(d != NULL);
    if (d) {
        CHECK(dump_read_page(d, 1, page, &e) == DUMP_PAGE_ERROR);
        CHECK(ks_err_is(&e, KS_E_CORRUPT) && e.space == KS_AS_PHYS && e.addr == 0x1000);
        dump_close(d);
    }
    memcpy(f + 416, &bad_block, 4); /* block_size */
    CHECK(open_bytes(f, n, false, 0, &e) == NULL);
    CHECK(ks_err_is(&e, KS_E_CORRUPT));
    free(f);
}

/* Lookups in a real kernel's DWARF and symbol table, and the probes that ask without failing. */
static void test_kernel(const char *vmlinux, const char *dumpfile)
{
    struct kernel k;
    struct kernel_open_opts o = {.vmlinux = vmlinux, .dumpfile = dumpfile};
    ks_err e;
    if (kernel_open(&k, &o, &e) != KERNEL_OPEN_OK) {
        fprintf(stderr, "%s\n", e.msg);
        CHECK(!"kernel_open");
        return;
    }
    uint64_t v, off;
    CHECK(kmember_off(&k, "struct no_such_struct", "x", &off, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NO_TYPE));
    CHECK(kmember_off(&k, "struct task_struct", "no_such_member", &off, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NO_MEMBER));
    CHECK(ksym_addr(&k, "no_such_symbol", &v, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NO_SYMBOL));
    CHECK(kvar_read_int(&k, "no_such_variable", NULL, &v, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NO_SYMBOL));

    CHECK(kmember_has(&k, "struct task_struct", "tasks"));
    CHECK(!kmember_has(&k, "struct task_struct", "no_such_member"));
    CHECK(!kmember_has(&k, "struct no_such_struct", "tasks"));
    CHECK(ksym_has(&k, "init_task") && !ksym_has(&k, "no_such_symbol"));
    CHECK(kvar_has(&k, "init_task", "tasks.next") && !kvar_has(&k, "init_task", "nope") && !kvar_has(&k, "nope", NULL));
    CHECK(ktype_has(&k, "struct page") && !ktype_has(&k, "struct no_such_struct"));
    /* A remembered absence still says why to a caller that wants to know. */
    CHECK(kmember_off(&k, "struct task_struct", "no_such_member", &off, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NO_MEMBER) && strstr(e.msg, "has no member no_such_member") != NULL);
    const struct member_ref *tasks = kmember_probe(&k, "struct task_struct", "tasks");
    CHECK(tasks != NULL && kmember_off(&k, "struct task_struct", "tasks", &off, &e) == 0 && off == tasks->offset);
    CHECK(kmember_probe(&k, "struct task_struct", "no_such_member") == NULL);

    uint64_t init;
    CHECK(ksym_addr(&k, "init_task", &init, &e) == 0);
    v = 12345;
    CHECK(kread_member_opt(&k, init, "struct task_struct", "no_such_member", &v, &e) == 0);
    CHECK_EQ_U64(v, 12345); /* absent: untouched */
    CHECK(kread_member_opt(&k, init, "struct task_struct", "pid", &v, &e) == 1);
    CHECK_EQ_U64(v, 0); /* the idle task */
    /* Present but unreadable is an error, never "absent". */
    CHECK(kread_member_opt(&k, 0x1000, "struct task_struct", "pid", &v, &e) == -1);
    CHECK(ks_err_is(&e, KS_E_NOT_MAPPED));
    CHECK(kvar_read_int_opt(&k, "no_such_variable", NULL, &v, &e) == 0);
    kernel_close(&k);
}

int main(int argc, char **argv)
{
    test_helpers();
    test_json();
    test_pread();
    test_dump_readers();
    test_page_walk();
    if (argc >= 3)
        test_kernel(argv[1], argv[2]);
    if (argc >= 4)
        test_kdump(argv[3]);
    return check_summary();
}
