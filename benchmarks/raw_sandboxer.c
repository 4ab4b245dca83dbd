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

/* Landlock UAPI (Debian 12's <linux/landlock.h> predates network rules). */
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

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
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	int calls[2] = {SCMP_SYS(socket), SCMP_SYS(socketpair)};
	for (int c = 0; c < 2; c++) {
		for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
			uint64_t protocols[3] = {132, 256, 262};
			for (int p = 0; p < 3; p++)
				seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), calls[c], 2,
						 SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, (uint64_t)family),
						 SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffff, protocols[p]));
			seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), calls[c], 3,
					 SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, (uint64_t)family),
					 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_SEQPACKET), SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffff, 0));
		}
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), calls[c], 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, AF_SMC));
	}
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_enter), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_register), 0);
	if (seccomp_load(ctx))
		return 1;
	seccomp_release(ctx);
	execv(argv[2], argv + 2);
	return 127;
}
