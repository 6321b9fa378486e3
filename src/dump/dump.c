/* Format dispatch and what all formats share: notes, VMCOREINFO, CPU state. */
#define _GNU_SOURCE
#include "dump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "../arch/arch.h"

static const struct dump_format *const formats[] = { &dump_format_elf, &dump_format_kdump };

static int read_head(int fd, uint8_t *head, size_t cap, size_t *n)
{
    ssize_t r = pread(fd, head, cap, 0);
    if (r < 0) return -1;
    *n = (size_t)r;
    return 0;
}

/*
 * A gzip'd dump (as sample dumps are kept in git) is inflated once into an anonymous memory file,
 * so every format reader can seek in it; the .gz itself is only read.
 */
static int open_dump_file(const char *path, ks_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ks_fail_kind(err, KS_E_IO, "%s: %s", path, strerror(errno));
    uint8_t magic[2];
    if (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) return fd;
    int mfd = memfd_create("ksleuth-dump", MFD_CLOEXEC);
    gzFile gz = gzdopen(fd, "rb");     /* takes fd */
    if (mfd < 0 || !gz) {
        if (gz) gzclose(gz); else close(fd);
        if (mfd >= 0) close(mfd);
        return ks_fail_kind(err, KS_E_IO, "%s: cannot inflate: %s", path, strerror(errno));
    }
    uint8_t *buf = xmalloc(1 << 16);
    int n;
    while ((n = gzread(gz, buf, 1 << 16)) > 0)
        if (write(mfd, buf, (size_t)n) != n) { n = -1; break; }
    free(buf);
    /* A truncated .gz ends with a short read and only gzerror() says so. */
    int zerr = Z_OK;
    char zmsg[128];
    snprintf(zmsg, sizeof zmsg, "%s", gzerror(gz, &zerr));   /* gzclose frees gzerror's text */
    if (zerr != Z_OK && zerr != Z_STREAM_END) n = -1;
    gzclose(gz);
    if (n < 0) {
        close(mfd);
        return ks_fail_kind(err, zerr ? KS_E_CORRUPT : KS_E_IO, "%s: corrupt or truncated gzip data (%s)", path,
                            zerr ? zmsg : "write failed");
    }
    return mfd;
}

const char *dump_sniff(const char *path, ks_err *err)
{
    /* Only the first 4 KB matter here; gzread inflates just that much of a .gz. */
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        ks_fail_kind(err, KS_E_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t head[4096];
    int r = gzread(gz, head, sizeof head);
    gzclose(gz);
    if (r < 0) {
        ks_fail_kind(err, KS_E_IO, "%s: cannot read", path);
        return NULL;
    }
    size_t n = (size_t)r;
    if (n >= 20 && !memcmp(head, "\177ELF", 4) && le16(head + 16) == 2 /* ET_EXEC */) return "elf-exec";
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
        if (formats[i]->probe(head, n)) return "dump";
    if (n == 0) {
        ks_fail_kind(err, KS_E_TRUNCATED, "%s: empty file", path);
        return NULL;
    }
    ks_fail_kind(err, KS_E_UNSUPPORTED,
                 "%s: not a vmlinux or a dump ksleuth knows (ELF core, kdump-compressed; use --raw for raw memory)", path);
    return NULL;
}

struct dump *dump_open(const char *path, const struct dump_open_opts *opts, ks_err *err)
{
    int fd = open_dump_file(path, err);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ks_fail_kind(err, KS_E_IO, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    struct dump *d = xcalloc(1, sizeof *d);
    d->fd = fd;
    d->path = xstrdup(path);
    d->file_size = (uint64_t)st.st_size;
    d->raw_phys_base = opts ? opts->phys_base : 0;

    if (opts && opts->raw) {
        d->fmt = &dump_format_raw;
    } else {
        uint8_t head[4096];
        size_t n = 0;
        if (read_head(fd, head, sizeof head, &n) < 0) n = 0;
        for (size_t i = 0; i < ARRAY_SIZE(formats) && !d->fmt; i++)
            if (formats[i]->probe(head, n)) d->fmt = formats[i];
        if (!d->fmt) {
            ks_fail_kind(err, n == 0 ? KS_E_TRUNCATED : KS_E_UNSUPPORTED, "%s: %s", path,
                         n == 0 ? "empty file" : "not a dump format ksleuth knows (try --raw)");
            dump_close(d);
            return NULL;
        }
    }
    if (d->fmt->open(d, err) != 0) {
        dump_close(d);   /* formats' close copes with half-made state: it all starts zeroed */
        return NULL;
    }
    return d;
}

void dump_close(struct dump *d)
{
    if (!d) return;
    if (d->fmt && d->fmt->close) d->fmt->close(d);
    free(d->priv);
    free(d->vmcoreinfo);
    free(d->path);
    if (d->fd >= 0) close(d->fd);
    free(d);
}

int dump_read_page(struct dump *d, uint64_t pfn, uint8_t *buf, ks_err *err)
{
    if (pfn >= d->max_pfn) {
        ks_fail_at(err, KS_E_NOT_IN_DUMP, KS_AS_PHYS, pfn << KS_PAGE_SHIFT,
                   "physical address %#llx is past the end of the dump's memory (its last byte is at %#llx)",
                   (unsigned long long)(pfn << KS_PAGE_SHIFT), (unsigned long long)((d->max_pfn << KS_PAGE_SHIFT) - 1));
        return DUMP_PAGE_ABSENT;
    }
    return d->fmt->read_page(d, pfn, buf, err);
}

void dump_set_vmcoreinfo(struct dump *d, const char *text, size_t len)
{
    free(d->vmcoreinfo);
    d->vmcoreinfo = xmalloc(len + 1);
    memcpy(d->vmcoreinfo, text, len);
    d->vmcoreinfo[len] = 0;
    /* The note's descriptor may be padded with NULs; keep only the text. */
    d->vmcoreinfo[strnlen(d->vmcoreinfo, len)] = 0;
}

/* struct elf_prstatus: pr_reg (words in the order of enum i386_reg) where arch.h says. */
static void note_prstatus(struct dump *d, int index, const uint8_t *desc, size_t n)
{
    const struct arch *a = &arch_i386;
    size_t at = a->prstatus.pr_reg_offset, word = a->word_size;
    if (index >= DUMP_MAX_CPUS || n < at + a->prstatus.nregs * word) return;
    struct dump_cpu *c = &d->cpu[index];
    if (!c->has_cr3) {   /* QEMU's own note is richer; keep it when both exist */
        for (unsigned r = 0; r < a->prstatus.nregs && r < REG_COUNT; r++) c->regs.r[r] = arch_word(a, desc + at + word * r);
        c->regs.valid = true;
    }
    if (index >= d->ncpus) d->ncpus = index + 1;
}

/* QEMU's "QEMU" note (QEMUCPUState): u32 version, u32 size; rax rbx rcx rdx rsi rdi rsp rbp,
 * r8-r15, rip, rflags (u64 each); the segments cs ds es fs gs ss, ldt, tr, gdt, idt (24 bytes
 * each, the selector first); then cr[0..4] as u64. One note per CPU, in CPU order. */
static void note_qemu(struct dump *d, int index, const uint8_t *desc, size_t n)
{
    static const enum i386_reg gprs[8] = { REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EDI, REG_ESP, REG_EBP };
    static const enum i386_reg segs[6] = { REG_CS, REG_DS, REG_ES, REG_FS, REG_GS, REG_SS };
    const size_t gpr0 = 8, seg0 = 8 + 18 * 8, cr0 = seg0 + 10 * 24;
    if (index >= DUMP_MAX_CPUS || n < cr0 + 5 * 8) return;
    struct dump_cpu *c = &d->cpu[index];
    c->has_cr3 = true;
    c->cr3 = le64(desc + cr0 + 3 * 8);
    for (int i = 0; i < 8; i++) c->regs.r[gprs[i]] = (uint32_t)le64(desc + gpr0 + 8 * i);
    for (int i = 0; i < 6; i++) c->regs.r[segs[i]] = le32(desc + seg0 + 24 * i);
    c->regs.r[REG_EIP] = (uint32_t)le64(desc + gpr0 + 16 * 8);
    c->regs.r[REG_EFLAGS] = (uint32_t)le64(desc + gpr0 + 17 * 8);
    c->regs.r[REG_ORIG_EAX] = 0;     /* not an exception frame */
    c->regs.valid = true;
    if (index >= d->ncpus) d->ncpus = index + 1;
}

void dump_parse_notes(struct dump *d, const uint8_t *p, size_t len)
{
    size_t off = 0;
    int qemu_index = 0, prstatus_index = 0;
    while (off + 12 <= len) {
        uint32_t namesz = le32(p + off), descsz = le32(p + off + 4), type = le32(p + off + 8);
        size_t name_off = off + 12;
        size_t desc_off = name_off + ((namesz + 3u) & ~3u);
        size_t next = desc_off + ((descsz + 3u) & ~3u);
        if (namesz > len || descsz > len || next > len || next <= off) break;   /* corrupt: stop, don't guess */
        const char *name = (const char *)p + name_off;
        if (namesz >= 4 && !strncmp(name, "CORE", 4) && type == 1 /* NT_PRSTATUS */)
            note_prstatus(d, prstatus_index++, p + desc_off, descsz);
        else if (namesz >= 4 && !strncmp(name, "QEMU", 4))
            note_qemu(d, qemu_index++, p + desc_off, descsz);
        else if (namesz >= 10 && !strncmp(name, "VMCOREINFO", 10))
            dump_set_vmcoreinfo(d, (const char *)p + desc_off, descsz);
        off = next;
    }
}
