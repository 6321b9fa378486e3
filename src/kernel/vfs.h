/*
 * vfs: files and mounts as the kernel's VFS keeps them, named after its own helpers.
 *  - d_path(): a dentry's path, up d_parent to its mount's root, then across the mount tree
 *    (mount.mnt_mountpoint in mount.mnt_parent) to the namespace's root; dentries whose
 *    d_op->d_dname names them (pipes, sockets, anonymous inodes) are named the way that d_dname
 *    does, as /proc/PID/fd shows them; an unhashed dentry (an unlinked file) gets " (deleted)";
 *  - the file type of an inode, from i_mode's S_IFMT bits, in crash's names (REG DIR CHR ...);
 *  - the fd table of a task (files->fdt->fd[0..max_fds)), and the mounts of a mount namespace
 *    (mnt_namespace.list of struct mount.mnt_list; the rbtree of 6.8+ where the DWARF has it).
 * Walks are bounded: a path deeper than VFS_MAX_DEPTH, a table larger than VFS_MAX_FDS or a
 * mount list that does not come back to its head is an error, never a hang.
 */
#ifndef KS_VFS_H
#define KS_VFS_H
#include <stdint.h>

#include "kernel.h"

#define VFS_MAX_DEPTH  256
#define VFS_MAX_FDS    (1u << 20)
#define VFS_MAX_MOUNTS 100000u
#define VFS_PATH_MAX   4096
/* Past this many open files that cannot be read, the fd array itself is taken for wild: the walk
 * ends with an error rather than a row (and an error line) for each of up to VFS_MAX_FDS. */
#define VFS_MAX_UNREADABLE 32

/* The path of dentry seen through vfsmnt (a struct vfsmount *), into out (VFS_PATH_MAX bytes). */
int d_path(struct kernel *k, uint64_t dentry, uint64_t vfsmnt, char *out, size_t outsz, ks_err *err);
/* The dentry's path inside its own file system (no mount known: up d_parent to its root). */
int dentry_path_raw(struct kernel *k, uint64_t dentry, char *out, size_t outsz, ks_err *err);
/* The path of an open struct file (its f_path). */
int file_path(struct kernel *k, uint64_t file, char *out, size_t outsz, ks_err *err);
/* "REG", "DIR", "CHR", "BLK", "FIFO", "SOCK", "LNK", or "UNKN" for a mode no type bit names. */
const char *inode_type_name(uint64_t i_mode);

struct open_file {
    unsigned fd;
    uint64_t file, dentry, inode, vfsmnt; /* 0: not read (error set) */
    char type[8];                         /* "": not read */
    char path[VFS_PATH_MAX];
    const ks_err *error; /* NULL, or why the file (its struct, dentry, inode or path) could not be read */
};
/* Each open file of the task, in fd order; fn returns non-zero to stop. A file that cannot be read
 * is still given to fn, with error set and what was read before it (crash goes on past a bad fd):
 * fn decides whether that stops the walk. A task without a files_struct (an exited one) has no
 * files; a file table that cannot be read, or more than VFS_MAX_UNREADABLE files that cannot, is an
 * error. */
int for_each_open_file(struct kernel *k, uint64_t task, int (*fn)(struct kernel *k, const struct open_file *f, void *arg),
                       void *arg, ks_err *err);
/* The task's root (cwd false) or working directory (task->fs->root or ->pwd) as a path; "(none)"
 * for a task without an fs_struct. */
int task_fs_path(struct kernel *k, uint64_t task, bool cwd, char *out, size_t n, ks_err *err);

struct mount_info {
    uint64_t mount, vfsmnt, superblock; /* superblock 0: not read (error set) */
    char type[32];
    char devname[256];
    char dirname[VFS_PATH_MAX];
    const ks_err *error; /* NULL, or why the mount (super block, type, names, root's path) could not be read */
};
/* The mounts of task's mount namespace (task->nsproxy->mnt_ns), in the namespace's order. A mount
 * that cannot be read is given to fn with error set, as for_each_open_file does; a namespace or a
 * mount list that cannot be walked is an error. */
int for_each_mount(struct kernel *k, uint64_t task, int (*fn)(struct kernel *k, const struct mount_info *m, void *arg), void *arg,
                   ks_err *err);

#endif
