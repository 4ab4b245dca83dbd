/* SPDX-License-Identifier: MIT */
/* Probes of the running system: /proc status fields, seccomp availability. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* A numeric field of a /proc status file ("\nTgid:"), or -errno. The file
 * is a few KiB (more with long Groups or cpu lists): read it whole. */
int nf_proc_status_field(const char *path, const char *field)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[32768];
	size_t used = 0;
	ssize_t n;
	while (used + 1 < sizeof(buf) && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	if (used == 0)
		return -EIO;
	buf[used] = '\0';
	const char *line = strstr(buf, field);
	if (line == NULL)
		return -ENOENT;
	return atoi(line + strlen(field));
}

/* The thread group of a thread id, or -1. */
int nf_thread_group_of(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int tgid = nf_proc_status_field(path, "\nTgid:");
	return tgid > 0 ? tgid : -1;
}

int nf_seccomp_filter_available(void)
{
	/* Kernels with filter support answer EFAULT to a NULL program, others EINVAL. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL);
	return rc < 0 && errno == EFAULT;
}

int nf_seccomp_action_available(uint32_t action)
{
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int nf_read_int_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[32];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return atoi(buf);
}

int nf_seccomp_filter_count(void)
{
	/* The calling thread's filters: that is the chain a new filter joins. */
	return nf_proc_status_field("/proc/thread-self/status", "\nSeccomp_filters:");
}
