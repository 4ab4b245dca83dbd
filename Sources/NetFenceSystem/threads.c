/* SPDX-License-Identifier: MIT */
/* Counting the threads of the calling process (the apply sequence refuses to leave some unrestricted). */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct nf_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Counts the entries of /proc/self/task. */
static int count_task_entries(void)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Aligned for the dirent records the kernel writes into it. */
	union { char bytes[4096]; uint64_t align; } buf;
	int count = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf.bytes, sizeof(buf.bytes));
		if (n < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			const struct nf_dirent64 *d = (const void *)(buf.bytes + off);
			if (d->d_name[0] != '.')
				count++;
			off += d->d_reclen;
		}
	}
	close(fd);
	return count;
}

/* 1 when the caller is the only thread of its process, 0 when it is not or
 * that cannot be told cheaply. unshare(CLONE_THREAD) unshares nothing: the
 * kernel accepts it exactly when the thread group has no other thread, and
 * refuses it with EINVAL otherwise (check_unshare_flags; unshare(2)). Three
 * syscalls, against a procfs lookup that costs ~7 us in a fresh process.
 * Asked only when no seccomp filter is in place (PR_GET_SECCOMP returns 0),
 * so no filter can kill the process for the unexpected syscall; and the
 * kernel must first refuse a flag it does not know (the canary), so an
 * environment that answers 0 to every unshare (a filter installed by a
 * tracer or a notifying supervisor answering for the process) is not
 * believed. Whoever controls the process's syscalls that way could fake the
 * procfs count as well. */
static int only_thread(void)
{
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
		return 0;
	/* 0x1 is a CSIGNAL bit, never an unshare flag: EINVAL from any kernel. */
	if (syscall(SYS_unshare, 0x1) != -1 || errno != EINVAL)
		return 0;
	return syscall(SYS_unshare, CLONE_THREAD) == 0;
}

int nf_thread_count(void)
{
	if (only_thread())
		return 1;
	/* procfs gives /proc/PID/task a link count of 2 plus the number of
	 * threads (proc_task_getattr, since Linux 2.6): one stat(2), about half
	 * the cost of reading the directory in a fresh process. A count that
	 * does not fit that rule is not trusted: the entries are counted. */
	struct stat st;
	if (stat("/proc/self/task", &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink >= 3 && st.st_nlink - 2 <= INT32_MAX)
		return (int)(st.st_nlink - 2);
	return count_task_entries();
}

/* The directory count and the unshare test alone, for tests that compare
 * them with nf_thread_count. */
int nf_thread_count_by_entries(void)
{
	return count_task_entries();
}

int nf_only_thread(void)
{
	return only_thread();
}

int nf_seccomp_mode(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
}

/* PF_IO_WORKER (include/linux/sched.h): the task is an io_uring kernel
 * thread. The kernel sets it when it creates the thread; the thread's name
 * ("iou-sqp-", "iou-wrk-") comes later, set by the thread itself. */
#define NF_PF_IO_WORKER 0x00000010u

/* The flags field (the 9th) of a /proc/.../stat file, or 0. */
static unsigned long task_flags(const char *tid)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/proc/self/task/%s/stat", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	/* After the name in parentheses (which may hold spaces): state, ppid,
	 * pgrp, session, tty_nr, tpgid, then flags. */
	const char *field = strrchr(text, ')');
	unsigned long flags = 0;
	if (field == NULL || sscanf(field + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return 0;
	return flags;
}

/* The io_uring kernel threads of this process (an SQPOLL ring's thread,
 * async workers). They run the operations of a ring with the credentials it
 * was created with, and no restriction applied afterwards reaches them.
 * Their count, with "name (tid)" items in `names` (cut to `size`), or
 * -errno. */
int nf_io_uring_threads(char *names, size_t size)
{
	DIR *tasks = opendir("/proc/self/task");
	if (tasks == NULL)
		return -errno;
	int count = 0;
	size_t used = 0;
	if (size > 0)
		names[0] = '\0';
	struct dirent *entry;
	while ((entry = readdir(tasks)) != NULL) {
		if (entry->d_name[0] == '.' || !(task_flags(entry->d_name) & NF_PF_IO_WORKER))
			continue;
		char path[64], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", entry->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
		if (fd >= 0)
			close(fd);
		comm[n > 0 ? n : 0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		count++;
		if (used < size) {
			int written = snprintf(names + used, size - used, "%sthread %s (%s)", used ? ", " : "", entry->d_name, comm);
			if (written > 0)
				used += (size_t)written;
		}
	}
	closedir(tasks);
	return count;
}
