#include "vfs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "klist.h"
#include "ktree.h"

#define S_IFMT_BITS 0170000u

/* ---- names ---- */

/* dentry->d_name, at most n - 1 bytes. */
static int dentry_name(struct kernel *k, uint64_t dentry, char *name, size_t n, ks_err *err)
{
    uint64_t ptr, len;
    if (kread_member(k, dentry, "struct dentry", "d_name.name", &ptr, err) ||
        kread_member(k, dentry, "struct dentry", "d_name.len", &len, err))
        return -1;
    len = KS_MIN(len, (uint64_t)n - 1);
    if (kread(k, ptr, name, (size_t)len, err))
        return ks_wrap(err, "name of dentry %#" PRIx64, dentry);
    name[len] = 0;
    return 0;
}

static int dentry_ino(struct kernel *k, uint64_t dentry, uint64_t *ino, ks_err *err)
{
    uint64_t inode;
    if (kread_member(k, dentry, "struct dentry", "d_inode", &inode, err))
        return -1;
    if (!inode)
        return ks_fail_kind(err, KS_E_CORRUPT, "dentry %#" PRIx64 " has no inode", dentry);
    return kread_member(k, inode, "struct inode", "i_ino", ino, err);
}

/* The d_dname functions whose names /proc/PID/fd shows, by the function's symbol. */
static int dname_of(struct kernel *k, uint64_t dentry, const char *fn, char *out, size_t n, ks_err *err)
{
    char name[256];
    uint64_t ino;
    if (dentry_name(k, dentry, name, sizeof name, err))
        return -1;
    if (!strcmp(fn, "pipefs_dname") || !strcmp(fn, "sockfs_dname")) {
        if (dentry_ino(k, dentry, &ino, err))
            return -1;
        snprintf(out, n, "%s:[%" PRIu64 "]", fn[0] == 'p' ? "pipe" : "socket", ino);
    } else if (!strcmp(fn, "anon_inodefs_dname"))
        snprintf(out, n, "anon_inode:%s", name);
    else if (!strcmp(fn, "simple_dname"))
        snprintf(out, n, "/%s (deleted)", name);
    else
        snprintf(out, n, "%s", name);
    return 0;
}

/* 1 with out set when the dentry's d_op names it (d_dname), 0 when the path is walked. */
static int dentry_dname(struct kernel *k, uint64_t dentry, char *out, size_t n, ks_err *err)
{
    uint64_t ops, fn;
    if (kread_member(k, dentry, "struct dentry", "d_op", &ops, err))
        return -1;
    if (!ops)
        return 0;
    if (kread_member(k, ops, "struct dentry_operations", "d_dname", &fn, err))
        return -1;
    uint64_t delta;
    const struct ksym *sym = fn ? ksym_at(k, fn, &delta) : NULL;
    if (!sym || delta)
        return 0;
    return dname_of(k, dentry, sym->name, out, n, err) ? -1 : 1;
}

/* An unlinked file's dentry is unhashed (d_hash.pprev NULL) but not a root (its own parent). */
static int dentry_deleted(struct kernel *k, uint64_t dentry, bool *deleted, ks_err *err)
{
    uint64_t pprev, parent;
    if (kread_member(k, dentry, "struct dentry", "d_hash.pprev", &pprev, err) ||
        kread_member(k, dentry, "struct dentry", "d_parent", &parent, err))
        return -1;
    *deleted = !pprev && parent != dentry;
    return 0;
}

/* ---- d_path ---- */

struct path_buf {
    char text[VFS_PATH_MAX];
    size_t len; /* the path is text[sizeof text - 1 - len ...] */
};

/* A path past PATH_MAX is no path the kernel could have made: a d_parent chain that loops, most likely. */
static int prepend_name(struct path_buf *p, uint64_t dentry, const char *name, ks_err *err)
{
    size_t n = strlen(name);
    if (p->len + n + 1 >= sizeof p->text - 1)
        return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, dentry, "dentry %#" PRIx64 ": path longer than %d bytes (a loop?)",
                          dentry, VFS_PATH_MAX);
    p->len += n + 1;
    char *at = p->text + sizeof p->text - 1 - p->len;
    at[0] = '/';
    memcpy(at + 1, name, n);
    return 0;
}

/* Up one step: the dentry's parent, or (at its mount's root) the mountpoint in the parent mount.
 * 1 when the namespace's root is reached. */
static int path_up(struct kernel *k, uint64_t *dentry, uint64_t *mount, uint64_t mnt_off, struct path_buf *p, ks_err *err)
{
    uint64_t root = 0, parent;
    if (*mount && kread_member(k, *mount + mnt_off, "struct vfsmount", "mnt_root", &root, err))
        return -1;
    if (*mount && *dentry == root) {
        if (kread_member(k, *mount, "struct mount", "mnt_parent", &parent, err))
            return -1;
        if (parent == *mount)
            return 1;
        if (kread_member(k, *mount, "struct mount", "mnt_mountpoint", dentry, err))
            return -1;
        *mount = parent;
        return 0;
    }
    if (kread_member(k, *dentry, "struct dentry", "d_parent", &parent, err))
        return -1;
    if (parent == *dentry)
        return 1; /* a root that is no mount's: a detached tree */
    char name[256];
    if (dentry_name(k, *dentry, name, sizeof name, err) || prepend_name(p, *dentry, name, err))
        return -1;
    *dentry = parent;
    return 0;
}

int d_path(struct kernel *k, uint64_t dentry, uint64_t vfsmnt, char *out, size_t outsz, ks_err *err)
{
    int named = dentry_dname(k, dentry, out, outsz, err);
    if (named)
        return named < 0 ? -1 : 0;
    uint64_t mnt_off;
    bool deleted;
    if (kmember_off(k, "struct mount", "mnt", &mnt_off, err) || dentry_deleted(k, dentry, &deleted, err))
        return -1;
    struct path_buf p = {.len = 0};
    uint64_t mount = vfsmnt ? vfsmnt - mnt_off : 0; /* real_mount(): container_of(vfsmnt, struct mount, mnt) */
    int done = 0;
    for (int depth = 0; !done; depth++) {
        if (depth == VFS_MAX_DEPTH * 2)
            return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, dentry, "dentry %#" PRIx64 ": path deeper than %d (a loop?)",
                              dentry, VFS_MAX_DEPTH);
        done = path_up(k, &dentry, &mount, mnt_off, &p, err);
        if (done < 0)
            return -1;
    }
    p.text[sizeof p.text - 1] = 0;
    snprintf(out, outsz, "%s%s", p.len ? p.text + sizeof p.text - 1 - p.len : "/", deleted ? " (deleted)" : "");
    return 0;
}

int dentry_path_raw(struct kernel *k, uint64_t dentry, char *out, size_t outsz, ks_err *err)
{
    return d_path(k, dentry, 0, out, outsz, err);
}

int file_path(struct kernel *k, uint64_t file, char *out, size_t outsz, ks_err *err)
{
    uint64_t dentry, vfsmnt;
    if (kread_member(k, file, "struct file", "f_path.dentry", &dentry, err) ||
        kread_member(k, file, "struct file", "f_path.mnt", &vfsmnt, err))
        return -1;
    return d_path(k, dentry, vfsmnt, out, outsz, err);
}

const char *inode_type_name(uint64_t i_mode)
{
    static const struct {
        unsigned bits;
        const char *name;
    } types[] = {
        {0100000, "REG"},  {0040000, "DIR"},  {0020000, "CHR"}, {0060000, "BLK"},
        {0010000, "FIFO"}, {0140000, "SOCK"}, {0120000, "LNK"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(types); i++)
        if ((i_mode & S_IFMT_BITS) == types[i].bits)
            return types[i].name;
    return "UNKN";
}

/* ---- open files ---- */

static int open_file_read(struct kernel *k, unsigned fd, uint64_t file, struct open_file *f, ks_err *err)
{
    uint64_t mode;
    memset(f, 0, sizeof *f);
    f->fd = fd;
    f->file = file;
    if (kread_member(k, file, "struct file", "f_path.dentry", &f->dentry, err) ||
        kread_member(k, file, "struct file", "f_path.mnt", &f->vfsmnt, err) ||
        kread_member(k, file, "struct file", "f_inode", &f->inode, err))
        return ks_wrap(err, "fd %u", fd);
    if (f->inode && kread_member(k, f->inode, "struct inode", "i_mode", &mode, err))
        return ks_wrap(err, "fd %u", fd);
    snprintf(f->type, sizeof f->type, "%s", f->inode ? inode_type_name(mode) : "UNKN");
    if (d_path(k, f->dentry, f->vfsmnt, f->path, sizeof f->path, err))
        return ks_wrap(err, "fd %u", fd);
    return 0;
}

/* files->fdt's array and size; 1 for a task without a files_struct (an exited one). */
static int fd_table(struct kernel *k, uint64_t task, uint64_t *max_fds, uint64_t *fd_array, ks_err *err)
{
    uint64_t files, fdt;
    if (kread_member(k, task, "struct task_struct", "files", &files, err))
        return -1;
    if (!files)
        return 1;
    if (kread_member(k, files, "struct files_struct", "fdt", &fdt, err) ||
        kread_member(k, fdt, "struct fdtable", "max_fds", max_fds, err) ||
        kread_member(k, fdt, "struct fdtable", "fd", fd_array, err))
        return -1;
    if (*max_fds > VFS_MAX_FDS)
        return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, fdt, "fdtable %#" PRIx64 ": max_fds %" PRIu64 " is not believable", fdt,
                          *max_fds);
    return 0;
}

int for_each_open_file(struct kernel *k, uint64_t task, int (*fn)(struct kernel *k, const struct open_file *f, void *arg),
                       void *arg, ks_err *err)
{
    uint64_t max_fds, fd_array;
    int none = fd_table(k, task, &max_fds, &fd_array, err);
    if (none)
        return none < 0 ? -1 : 0;
    unsigned unreadable = 0;
    for (unsigned fd = 0; fd < max_fds; fd++) {
        uint64_t file;
        struct open_file f;
        ks_err file_err;
        if (kread_ulong(k, fd_array + (uint64_t)k->arch->word_size * fd, &file, err))
            return ks_wrap(err, "fd table of task %#" PRIx64, task);
        if (!file)
            continue;
        if (open_file_read(k, fd, file, &f, &file_err)) {
            if (++unreadable > VFS_MAX_UNREADABLE)
                return ks_fail_at(err, KS_E_CORRUPT, KS_AS_KVIRT, fd_array,
                                  "fd array %#" PRIx64 ": more than %d open files cannot be read (a wild array?)", fd_array,
                                  VFS_MAX_UNREADABLE);
            f.error = &file_err;
        }
        int stop = fn(k, &f, arg);
        if (stop)
            return stop < 0 ? -1 : 0;
    }
    return 0;
}

int task_fs_path(struct kernel *k, uint64_t task, bool cwd, char *out, size_t n, ks_err *err)
{
    uint64_t fs, dentry, vfsmnt;
    if (kread_member(k, task, "struct task_struct", "fs", &fs, err))
        return -1;
    if (!fs) {
        snprintf(out, n, "(none)");
        return 0;
    }
    if (kread_member(k, fs, "struct fs_struct", cwd ? "pwd.dentry" : "root.dentry", &dentry, err) ||
        kread_member(k, fs, "struct fs_struct", cwd ? "pwd.mnt" : "root.mnt", &vfsmnt, err))
        return -1;
    return d_path(k, dentry, vfsmnt, out, n, err);
}

/* ---- mounts ---- */

struct mount_walk {
    int (*fn)(struct kernel *k, const struct mount_info *m, void *arg);
    void *arg;
    uint64_t mnt_off;
    ks_err *err;
};

static int mount_read(struct kernel *k, uint64_t mount, uint64_t mnt_off, struct mount_info *m, ks_err *err)
{
    uint64_t devname, s_type, type_name, root;
    memset(m, 0, sizeof *m);
    m->mount = mount;
    m->vfsmnt = mount + mnt_off;
    if (kread_member(k, m->vfsmnt, "struct vfsmount", "mnt_sb", &m->superblock, err) ||
        kread_member(k, m->vfsmnt, "struct vfsmount", "mnt_root", &root, err) ||
        kread_member(k, mount, "struct mount", "mnt_devname", &devname, err) ||
        kread_member(k, m->superblock, "struct super_block", "s_type", &s_type, err) ||
        kread_member(k, s_type, "struct file_system_type", "name", &type_name, err) ||
        kread_string(k, type_name, m->type, sizeof m->type, err))
        return ks_wrap(err, "mount %#" PRIx64, mount);
    if (!devname)
        snprintf(m->devname, sizeof m->devname, "none");
    else if (kread_string(k, devname, m->devname, sizeof m->devname, err))
        return ks_wrap(err, "mount %#" PRIx64, mount);
    return d_path(k, root, m->vfsmnt, m->dirname, sizeof m->dirname, err) ? ks_wrap(err, "mount %#" PRIx64, mount) : 0;
}

static int mount_visit(struct kernel *k, uint64_t mount, void *arg)
{
    struct mount_walk *w = arg;
    struct mount_info m;
    ks_err mount_err;
    if (mount_read(k, mount, w->mnt_off, &m, &mount_err))
        m.error = &mount_err;
    return w->fn(k, &m, w->arg);
}

static int rb_mount_visit(struct kernel *k, uint64_t node, void *arg)
{
    uint64_t node_off;
    struct mount_walk *w = arg;
    if (kmember_off(k, "struct mount", "mnt_node", &node_off, w->err))
        return -1;
    return mount_visit(k, node - node_off, arg);
}

int for_each_mount(struct kernel *k, uint64_t task, int (*fn)(struct kernel *k, const struct mount_info *m, void *arg), void *arg,
                   ks_err *err)
{
    uint64_t nsproxy, ns, head_off, link_off;
    struct mount_walk w = {fn, arg, 0, err};
    if (kread_member(k, task, "struct task_struct", "nsproxy", &nsproxy, err) ||
        kread_member(k, nsproxy, "struct nsproxy", "mnt_ns", &ns, err) || kmember_off(k, "struct mount", "mnt", &w.mnt_off, err))
        return -1;
    /* 6.8 keeps a namespace's mounts in an rbtree (mnt_namespace.mounts); before, a list. */
    if (!kmember_has(k, "struct mnt_namespace", "list")) {
        if (kmember_off(k, "struct mnt_namespace", "mounts", &head_off, err))
            return -1;
        return rbtree_for_each(k, ns + head_off, rb_mount_visit, &w, err);
    }
    if (kmember_off(k, "struct mnt_namespace", "list", &head_off, err) ||
        kmember_off(k, "struct mount", "mnt_list", &link_off, err))
        return -1;
    return klist_for_each(k, ns + head_off, link_off, VFS_MAX_MOUNTS, "mount list", mount_visit, &w, err);
}
