/*
 * files — a task's open files, as crash shows them: the task line, ROOT and CWD, then one line per
 * open file descriptor: FD FILE DENTRY INODE TYPE PATH.
 *   files [PID|TASK]        (without one, the task chosen with `set`)
 * The walk is kernel/vfs.c's: files->fdt->fd[], each path by d_path() across the mount tree.
 */
#include <inttypes.h>
#include <string.h>

#include "../kernel/vfs.h"
#include "../mm/task.h"
#include "../output/output.h"
#include "commands.h"

static const struct column where_cols[] = {
    COL_S("ROOT: ", "root", 0, 0),
    COL_S("CWD: ", "cwd", 4, 0),
};

static const struct column file_cols[] = {
    COL_U(" FD", "fd", 0, 3),
    COL_ADDR("    FILE", "file", 2, 8),
    COL_ADDR("     DENTRY", "dentry", 2, 8),
    COL_ADDR("    INODE", "inode", 2, 8),
    COL_S("    TYPE", "type", 2, -4),
    COL_S("  PATH", "path", 2, 0),
    COL_ERROR("error"),
};

/* A file that cannot be read is one row, as crash goes on past a bad fd: what was read, then
 * "?" and the error in PATH; its error line is said by the caller. */
struct files_ctx {
    struct session *s;
    uint64_t pid;
    struct table t;
    unsigned unreadable;
};

static void put_addr_or_unknown(struct table *t, const char *key, uint64_t addr)
{
    if (addr)
        put_u(t, key, addr);
    else
        put_null_as(t, key, "?");
}

static int show_file(struct kernel *k, const struct open_file *f, void *arg)
{
    struct files_ctx *c = arg;
    struct table *t = &c->t;
    (void)k;
    row_begin(t);
    put_u(t, "fd", f->fd);
    put_u(t, "file", f->file);
    put_addr_or_unknown(t, "dentry", f->dentry);
    put_addr_or_unknown(t, "inode", f->inode);
    if (f->error) {
        if (f->type[0])
            put_s(t, "type", f->type);
        else
            put_null_as(t, "type", "?");
        put_unreadable(t, "path", f->error);
        put_error(t, "error", f->error);
    } else {
        put_s(t, "type", f->type);
        put_s(t, "path", f->path);
    }
    row_end(t);
    if (f->error) {
        cmd_fail_line(c->s, "files", "PID %" PRIu64 ": %s", c->pid, f->error->msg);
        c->unreadable++;
    }
    return 0;
}

/* ROOT or CWD; one that cannot be read is shown so, with its error line, and the files follow. */
static void put_fs_path(struct files_ctx *c, struct table *where, uint64_t task, bool cwd)
{
    char path[VFS_PATH_MAX];
    ks_err err;
    if (!task_fs_path(&c->s->k, task, cwd, path, sizeof path, &err)) {
        put_s(where, cwd ? "cwd" : "root", path);
        return;
    }
    put_unreadable(where, cwd ? "cwd" : "root", &err);
    cmd_fail_line(c->s, "files", "PID %" PRIu64 ": %s: %s", c->pid, cwd ? "CWD" : "ROOT", err.msg);
    c->unreadable++;
}

/* 1 after the rows when some file (or ROOT/CWD) could not be read, each said on its error line, as
 * runq does for a running task it cannot read; -1 with err when nothing could be listed. */
static int files_of(struct session *s, uint64_t task, ks_err *err)
{
    struct task_info ti;
    if (task_info_read(&s->k, task, &ti, err))
        return -1;
    struct table r, where;
    struct files_ctx c = {.s = s, .pid = ti.pid};
    cmd_task_record(s, &r, &ti);
    table_begin_in(&r, &where, NULL, where_cols);
    table_set_style(&where, STYLE_LABELS);
    row_begin(&where);
    put_fs_path(&c, &where, task, false);
    put_fs_path(&c, &where, task, true);
    row_end(&where);
    table_end(&where, 0);
    table_begin_in(&r, &c.t, "files", file_cols);
    table_set_header(&c.t, HEADER_WITH_ROWS);
    int rc = for_each_open_file(&s->k, task, show_file, &c, err);
    if (!rc && !table_is_json(&c.t) && !c.t.header_shown)
        table_text(&c.t, "No open files\n");
    table_end(&c.t, rc);
    rc = record_end(&r, rc);
    return rc ? rc : c.unreadable ? 1 : 0;
}

/* files -d DENTRY: the dentry, its inode and super block, the type and its path in its file system. */
static const struct column dentry_cols[] = {
    COL_ADDR(" DENTRY ", "dentry", 0, 8), COL_ADDR("   INODE ", "inode", 2, 8), COL_ADDR("  SUPERBLK", "superblock", 2, 8),
    COL_S("  TYPE", "type", 2, -4),       COL_S("  PATH", "path", 2, 0),
};

static int show_dentry(struct session *s, const char *arg, ks_err *err)
{
    uint64_t dentry, inode, sb, mode = 0;
    char path[VFS_PATH_MAX];
    if (cmd_parse_addr(s, arg, &dentry, err) || kread_member(&s->k, dentry, "struct dentry", "d_inode", &inode, err) ||
        kread_member(&s->k, dentry, "struct dentry", "d_sb", &sb, err) ||
        (inode && kread_member(&s->k, inode, "struct inode", "i_mode", &mode, err)) ||
        dentry_path_raw(&s->k, dentry, path, sizeof path, err))
        return -1;
    struct table t;
    table_begin(s, &t, "dentries", dentry_cols);
    row_begin(&t);
    put_u(&t, "dentry", dentry);
    put_u(&t, "inode", inode);
    put_u(&t, "superblock", sb);
    put_s(&t, "type", inode ? inode_type_name(mode) : "");
    put_s(&t, "path", path);
    row_end(&t);
    return table_end(&t, 0);
}

static int run_files(struct session *s, int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "-d")) {
        ks_err err;
        return show_dentry(s, argv[2], &err) ? cmd_fail_err(s, argv[0], &err) : 0;
    }
    uint64_t task = s->context_task;
    ks_err err;
    if (argc > 2)
        return cmd_fail(s, argv[0], "usage: files [PID|TASK] | files -d DENTRY");
    if (argc == 2 && cmd_parse_task(s, argv[1], &task, &err))
        return cmd_fail_err(s, argv[0], &err);
    if (!task)
        return cmd_fail(s, argv[0], "no task context: give a PID or `set PID` first");
    int rc = files_of(s, task, &err);
    return rc < 0 ? cmd_fail_err(s, argv[0], &err) : rc;
}

const struct command cmd_files = {
    "files",
    "files [PID|TASK] | files -d DENTRY",
    "a task's open files: FD FILE DENTRY INODE TYPE PATH",
    "Header: PID, TASK, CPU, COMMAND; ROOT and CWD (task->fs). Then one line per open descriptor in\n"
    "files->fdt->fd[]: FD, FILE (struct file), DENTRY, INODE (file->f_inode), TYPE (from the inode's\n"
    "i_mode: REG DIR CHR BLK FIFO SOCK LNK), PATH as /proc/PID/fd shows it: d_path() up d_parent and\n"
    "across the mount tree; pipes, sockets and anonymous inodes named as their d_dname names them\n"
    "(pipe:[INO], socket:[INO], anon_inode:NAME); \" (deleted)\" after an unlinked file.\n"
    "Without PID|TASK, the task chosen with `set`.\n"
    "A file whose struct file, dentry, inode or path cannot be read is one row of what was read, \"?\"\n"
    "for the rest and PATH \"(unreadable: KIND at ADDRESS)\", with an error line; the walk goes on to the\n"
    "next fd and the command ends with exit status 1 (as runq for a running task it cannot read). The same\n"
    "for ROOT and CWD. Past 32 such files the fd array is taken for wild and the command fails with\n"
    "that error. JSON: such a row's unread members are null and it has \"error\":{\"message\",\"kind\",\n"
    "\"address\",\"address_space\"}.\n"
    "-d DENTRY: that dentry's INODE, SUPERBLK, TYPE and PATH inside its own file system.\n"
    "JSON: -d {\"dentries\":[{\"dentry\",\"inode\",\"superblock\",\"type\",\"path\"}]}; "
    "{\"pid\",\"task\",\"comm\",\"root\",\"cwd\",\"files\":[{\"fd\",\"file\",\"dentry\",\"inode\",\"type\",\"path\"}]}",
    run_files,
};
