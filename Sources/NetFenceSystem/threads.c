/* SPDX-License-Identifier: MIT */
/* Counting the threads of the calling process (the apply sequence refuses to leave some unrestricted). */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
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
