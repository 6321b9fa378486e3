// SPDX-License-Identifier: GPL-2.0
/*
 * ksleuth_crash: crashes the kernel on demand, from inside a module, so that ksleuth's bt, mod
 * and dis have real module frames to find. Writing a word to /proc/ksleuth_crash:
 *   null   a NULL pointer dereference three module functions deep
 *   bug    BUG() in a module function
 *   timer  a timer whose callback, in softirq context, calls panic()
 * Built out of tree by dumps/recipe/build-kernel.sh against each sample kernel.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/uaccess.h>

struct ksleuth_victim {
	unsigned long magic;
	unsigned long value;
};

static struct ksleuth_victim *volatile ksleuth_null_victim;
static struct timer_list ksleuth_timer;

static noinline unsigned long ksleuth_crash_level3(unsigned long depth)
{
	struct ksleuth_victim *v = ksleuth_null_victim;

	return v->value + depth;
}

static noinline unsigned long ksleuth_crash_level2(unsigned long depth)
{
	return ksleuth_crash_level3(depth + 1) + 1;
}

static noinline unsigned long ksleuth_crash_level1(unsigned long depth)
{
	return ksleuth_crash_level2(depth + 1) + 1;
}

static noinline void ksleuth_crash_bug(void)
{
	BUG();
}

static noinline void ksleuth_timer_fn(struct timer_list *t)
{
	panic("ksleuth_crash: panic from timer callback");
}

static ssize_t ksleuth_crash_write(struct file *file, const char __user *buf, size_t len, loff_t *pos)
{
	char word[16] = { 0 };

	if (copy_from_user(word, buf, min(len, sizeof(word) - 1)))
		return -EFAULT;
	strim(word);
	pr_info("ksleuth_crash: %s\n", word);
	if (!strcmp(word, "null"))
		pr_info("ksleuth_crash: %lu\n", ksleuth_crash_level1(0));
	else if (!strcmp(word, "bug"))
		ksleuth_crash_bug();
	else if (!strcmp(word, "timer"))
		mod_timer(&ksleuth_timer, jiffies + HZ / 10);
	else
		return -EINVAL;
	return len;
}

static const struct proc_ops ksleuth_crash_ops = {
	.proc_write = ksleuth_crash_write,
};

static int __init ksleuth_crash_init(void)
{
	timer_setup(&ksleuth_timer, ksleuth_timer_fn, 0);
	if (!proc_create("ksleuth_crash", 0200, NULL, &ksleuth_crash_ops))
		return -ENOMEM;
	return 0;
}

static void __exit ksleuth_crash_exit(void)
{
	remove_proc_entry("ksleuth_crash", NULL);
	del_timer_sync(&ksleuth_timer);
}

module_init(ksleuth_crash_init);
module_exit(ksleuth_crash_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ksleuth sample dumps: crash the kernel from a module on demand");
