/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
/*
 * Runs a command as if on a kernel without Landlock: a seccomp filter makes
 * landlock_create_ruleset/add_rule/restrict_self (444-446) fail with ENOSYS
 * ("not built") or EOPNOTSUPP ("disabled at boot"), like such kernels do.
 * Usage: fake-kernel enosys|eopnotsupp COMMAND [ARGS...]
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	unsigned int error = strcmp(argv[1], "enosys") == 0 ? ENOSYS : EOPNOTSUPP;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 444, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 446, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | error),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		perror("fake-kernel");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("fake-kernel: exec");
	return 127;
}
