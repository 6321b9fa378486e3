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
};

static int show_file(struct kernel *k, const struct open_file *f, void *arg)
{
    struct table *t = arg;
    (void)k;
    row_begin(t);
    put_u(t, "fd", f->fd);
    put_u(t, "file", f->file);
    put_u(t, "dentry", f->dentry);
    put_u(t, "inode", f->inode);
    put_s(t, "type", f->type);
    put_s(t, "path", f->path);
    row_end(t);
    return 0;
}

static int files_of(struct session *s, uint64_t task, ks_err *err)
{
    struct task_info ti;
    char root[VFS_PATH_MAX], cwd[VFS_PATH_MAX];
    if (task_info_read(&s->k, task, &ti, err) || task_root_cwd(&s->k, task, root, cwd, sizeof root, err))
        return -1;
    struct table r, where, files;
    cmd_task_record(s, &r, &ti);
    table_begin_in(&r, &where, NULL, where_cols);
    table_set_style(&where, STYLE_LABELS);
    row_begin(&where);
    put_s(&where, "root", root);
    put_s(&where, "cwd", cwd);
    row_end(&where);
    table_end(&where, 0);
    table_begin_in(&r, &files, "files", file_cols);
    int rc = for_each_open_file(&s->k, task, show_file, &files, err);
    if (!rc && !table_is_json(&files) && !files.header_shown)
        table_text(&files, "No open files\n");
    table_end(&files, rc);
    return record_end(&r, rc);
}

static int run_files(struct session *s, int argc, char **argv)
{
    uint64_t task = s->context_task;
    ks_err err;
    if (argc > 2)
        return cmd_fail(s, argv[0], "usage: files [PID|TASK]");
    if (argc == 2 && cmd_parse_task(s, argv[1], &task, &err))
        return cmd_fail_err(s, argv[0], &err);
    if (!task)
        return cmd_fail(s, argv[0], "no task context: give a PID or `set PID` first");
    return files_of(s, task, &err) ? cmd_fail_err(s, argv[0], &err) : 0;
}

const struct command cmd_files = {
    "files",
    "files [PID|TASK]",
    "a task's open files: FD FILE DENTRY INODE TYPE PATH",
    "Header: PID, TASK, CPU, COMMAND; ROOT and CWD (task->fs). Then one line per open descriptor in\n"
    "files->fdt->fd[]: FD, FILE (struct file), DENTRY, INODE (file->f_inode), TYPE (from the inode's\n"
    "i_mode: REG DIR CHR BLK FIFO SOCK LNK), PATH as /proc/PID/fd shows it: d_path() up d_parent and\n"
    "across the mount tree; pipes, sockets and anonymous inodes named as their d_dname names them\n"
    "(pipe:[INO], socket:[INO], anon_inode:NAME); \" (deleted)\" after an unlinked file.\n"
    "Without PID|TASK, the task chosen with `set`.\n"
    "JSON: {\"pid\",\"task\",\"comm\",\"root\",\"cwd\",\"files\":[{\"fd\",\"file\",\"dentry\",\"inode\",\"type\",\"path\"}]}",
    run_files,
};
