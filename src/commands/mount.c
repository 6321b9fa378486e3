/*
 * mount — the mounts of a mount namespace, as crash lists them: MOUNT SUPERBLK TYPE DEVNAME DIRNAME,
 * in the namespace's order (the order of /proc/mounts).
 *   mount [PID|TASK]        (without one, init_task's namespace, the one the system booted with)
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../kernel/vfs.h"
#include "../output/output.h"
#include "commands.h"

/* crash prints TYPE (6 wide) and DEVNAME (9) so that DIRNAME stays in its column when a long TYPE
 * ("devtmpfs") pushes DEVNAME right: people see the two as one cell. */
static const struct column mount_cols[] = {
    COL_ADDR(" MOUNT  ", "mount", 0, 8),
    COL_ADDR(" SUPERBLK", "superblock", 1, 8),
    COL_TEXT(CT_STR, " TYPE   DEVNAME  ", "type_devname", 1, -16),
    COL_JSON(CT_STR, "type"),
    COL_JSON(CT_STR, "devname"),
    COL_S(" DIRNAME", "dirname", 1, 0),
    COL_ERROR("error"),
};

struct mount_ctx {
    struct session *s;
    struct table t;
    unsigned unreadable;
};

/* A mount that cannot be read is one row: its address, what was read, DIRNAME "(unreadable: KIND at
 * ADDRESS)" and an error line; the list goes on (as files does past a bad fd). */
static void show_unreadable(struct mount_ctx *c, const struct mount_info *m)
{
    struct table *t = &c->t;
    if (m->superblock)
        put_u(t, "superblock", m->superblock);
    else
        put_null_as(t, "superblock", "?");
    put_null(t, "type");
    put_null(t, "devname");
    put_s(t, "type_devname", "?");
    put_unreadable(t, "dirname", m->error);
    put_error(t, "error", m->error);
    row_end(t);
    cmd_fail_line(c->s, "mount", "%s", m->error->msg);
    c->unreadable++;
}

static int show_mount(struct kernel *k, const struct mount_info *m, void *arg)
{
    struct mount_ctx *c = arg;
    struct table *t = &c->t;
    (void)k;
    row_begin(t);
    put_u(t, "mount", m->mount);
    if (m->error) {
        show_unreadable(c, m);
        return 0;
    }
    put_u(t, "superblock", m->superblock);
    put_s(t, "type", m->type);
    put_s(t, "devname", m->devname);
    char both[sizeof m->type + sizeof m->devname + 2];
    snprintf(both, sizeof both, "%-6s %s", m->type, m->devname);
    put_s(t, "type_devname", both);
    put_s(t, "dirname", m->dirname);
    row_end(t);
    return 0;
}

static int run_mount(struct session *s, int argc, char **argv)
{
    uint64_t task;
    ks_err err;
    if (argc > 2)
        return cmd_fail(s, argv[0], "usage: mount [PID|TASK]");
    if (argc == 2 ? cmd_parse_task(s, argv[1], &task, &err) : ksym_addr(&s->k, "init_task", &task, &err))
        return cmd_fail_err(s, argv[0], &err);
    struct mount_ctx c = {.s = s};
    table_begin(s, &c.t, "mounts", mount_cols);
    if (table_end(&c.t, for_each_mount(&s->k, task, show_mount, &c, &err)))
        return cmd_fail_err(s, argv[0], &err);
    return c.unreadable ? 1 : 0;
}

const struct command cmd_mount = {
    "mount",
    "mount [PID|TASK]",
    "the mounted file systems: MOUNT SUPERBLK TYPE DEVNAME DIRNAME",
    "One line per mount of the namespace (task->nsproxy->mnt_ns; without PID|TASK, init_task's), in the\n"
    "namespace's order, which /proc/mounts follows: MOUNT (struct mount), SUPERBLK (its super_block),\n"
    "TYPE (the file system type's name), DEVNAME (mnt_devname, \"none\" if unset), DIRNAME (where it is\n"
    "mounted: d_path() of its root).\n"
    "A mount that cannot be read is one row: MOUNT, SUPERBLK if read (else \"?\"), DIRNAME \"(unreadable:\n"
    "KIND at ADDRESS)\", with an error line; the list goes on and the command ends with exit status 1.\n"
    "JSON: {\"mounts\":[{\"mount\",\"superblock\",\"type\",\"devname\",\"dirname\"}]}; an unreadable mount's\n"
    "unread members are null and it has \"error\":{\"message\",\"kind\",\"address\",\"address_space\"}.",
    run_mount,
};
