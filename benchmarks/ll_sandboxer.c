/* SPDX-License-Identifier: MIT */
/*
 * The baseline for `netfence sandboxer`: what the kernel's Landlock sample
 * (samples/landlock/sandboxer.c, Landlock ABI 7) does with the same LL_FS_RO,
 * LL_FS_RW, LL_TCP_BIND and LL_TCP_CONNECT variables, in plain C with raw
 * syscalls: handle the filesystem rights of the kernel's ABI (and the TCP
 * rights whose variable is set), one rule per path and per port, unset the
 * variables, no_new_privs, restrict, execute. Usage: bench-ll-sandboxer CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_common.h"

#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define LANDLOCK_RULE_PATH_BENEATH 1
/* The rights of ABI 1 (13 bits), then REFER (2), TRUNCATE (3), IOCTL_DEV (5). */
#define FS_READ ((1ULL << 0) | (1ULL << 2) | (1ULL << 3)) /* execute, read file, read dir */
#define FS_FILE ((1ULL << 0) | (1ULL << 1) | (1ULL << 2) | (1ULL << 14) | (1ULL << 15))

struct path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

extern char **environ;

static uint64_t handled_fs_for(int abi)
{
	uint64_t fs = (1ULL << 13) - 1;
	if (abi >= 2)
		fs |= 1ULL << 13;
	if (abi >= 3)
		fs |= 1ULL << 14;
	if (abi >= 5)
		fs |= 1ULL << 15;
	return fs;
}

/* One rule per colon-separated path; 0 or -1. */
static int add_paths(int ruleset, const char *list, uint64_t allowed)
{
	char *copy = strdup(list), *rest = copy, *path;
	while ((path = strsep(&rest, ":")) != NULL) {
		struct path_beneath rule = {.allowed_access = allowed};
		struct stat st;
		rule.parent_fd = open(path, O_PATH | O_CLOEXEC);
		if (rule.parent_fd < 0)
			continue; /* as the sample: reported and skipped */
		if (fstat(rule.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
			rule.allowed_access &= FS_FILE;
		int rc = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
		close(rule.parent_fd);
		if (rc != 0) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

/* One rule per colon-separated port; 0 or -1. */
static int add_ports(int ruleset, const char *list, uint64_t allowed)
{
	char *copy = strdup(list), *rest = copy, *item;
	while ((item = strsep(&rest, ":")) != NULL) {
		if (*item == '\0')
			continue;
		struct landlock_net_port_attr rule = {.allowed_access = allowed, .port = strtoull(item, NULL, 10)};
		if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_NET_PORT, &rule, 0)) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	const char *ro = getenv("LL_FS_RO"), *rw = getenv("LL_FS_RW");
	const char *bind = getenv("LL_TCP_BIND"), *connect = getenv("LL_TCP_CONNECT");
	if (abi < 1 || ro == NULL || rw == NULL)
		return 1;
	uint64_t fs = handled_fs_for(abi), net = 0;
	if (abi >= 4) {
		net |= bind ? LANDLOCK_ACCESS_NET_BIND_TCP : 0;
		net |= connect ? LANDLOCK_ACCESS_NET_CONNECT_TCP : 0;
	}
	struct {
		uint64_t fs, net, scoped;
	} attr = {fs, net, 0};
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, abi >= 4 ? 16 : 8, 0);
	if (ruleset < 0 || add_paths(ruleset, ro, FS_READ & fs) || add_paths(ruleset, rw, fs))
		return 1;
	if ((net & LANDLOCK_ACCESS_NET_BIND_TCP) && add_ports(ruleset, bind, LANDLOCK_ACCESS_NET_BIND_TCP))
		return 1;
	if ((net & LANDLOCK_ACCESS_NET_CONNECT_TCP) && add_ports(ruleset, connect, LANDLOCK_ACCESS_NET_CONNECT_TCP))
		return 1;
	unsetenv("LL_FS_RO");
	unsetenv("LL_FS_RW");
	unsetenv("LL_TCP_BIND");
	unsetenv("LL_TCP_CONNECT");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, ruleset, 0))
		return 1;
	close(ruleset);
	fprintf(stderr, "Executing the sandboxed command...\n");
	execvpe(argv[1], argv + 1, environ);
	return 127;
}
