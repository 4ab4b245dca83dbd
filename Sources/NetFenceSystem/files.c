/* SPDX-License-Identifier: MIT */
/* Paths, descriptors and errno texts. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nf_open_path(const char *path, int *is_dir)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	*is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
	return fd;
}

void nf_close(int fd)
{
	/* Linux always releases the descriptor, even when close fails with
	 * EINTR, so retrying would be wrong. */
	(void)close(fd);
}

const char *nf_strerror(int errnum)
{
	return strerrordesc_np(errnum) ? strerrordesc_np(errnum) : "unknown error";
}

const char *nf_errno_name(int errnum)
{
	return strerrorname_np(errnum);
}
