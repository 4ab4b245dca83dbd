/* SPDX-License-Identifier: MIT */
/*
 * The baseline for `netfence run --bind-tcp PORT -- CMD`: the kernel sample's
 * logic with raw syscalls (Landlock BIND/CONNECT handling, one BIND rule,
 * no_new_privs, restrict) plus the same seccomp filter netfence adds when TCP
 * is handled, then execv. Usage: bench-raw-sandboxer PORT CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_common.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	struct {
		uint64_t fs, net, scoped;
	} attr = {0, LANDLOCK_ACCESS_NET_BIND_TCP, 0};
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, 24, 0);
	struct landlock_net_port_attr port = {.allowed_access = LANDLOCK_ACCESS_NET_BIND_TCP, .port = strtoull(argv[1], NULL, 10)};
	if (fd < 0 || syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_NET_PORT, &port, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, fd, 0))
		return 1;
	close(fd);
	if (raw_bypass_filter_for(0)) /* CONNECT_TCP not handled: no TCP Fast Open rule */
		return 1;
	execv(argv[2], argv + 2);
	return 127;
}
