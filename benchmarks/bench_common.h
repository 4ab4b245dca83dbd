/* SPDX-License-Identifier: MIT */
/*
 * Shared by the benchmark programs: timing helpers, the Landlock UAPI bits
 * they need, and the raw baseline of netfence's TCP-bypass seccomp filter
 * (the same rules netfence loads whenever TCP rights are handled).
 */
#ifndef NETFENCE_BENCH_COMMON_H
#define NETFENCE_BENCH_COMMON_H

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Landlock UAPI (Debian 12's <linux/landlock.h> predates network rules). */
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

static inline double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One CPU for the whole run (children inherit it): on a small VM the other
 * CPU takes the host's interrupts and the scheduler migrates short-lived
 * children, which doubled the spread of both sides alike. The last CPU this
 * process may use; left unpinned if that fails. (Needs _GNU_SOURCE.) */
static inline void pin_to_one_cpu(void)
{
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) != 0)
		return;
	int last = -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &cpus))
			last = cpu;
	if (last < 0)
		return;
	CPU_ZERO(&cpus);
	CPU_SET(last, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus) == 0)
		printf("(pinned to CPU %d)\n", last);
}

static inline int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of n values (n <= 512), the values left as they are. */
static inline double median(const double *values, int n)
{
	double copy[512];
	memcpy(copy, values, sizeof(double) * (size_t)n);
	qsort(copy, (size_t)n, sizeof(double), compare);
	return n % 2 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
}

/* The raw Landlock baseline: `handled` TCP rights, `allowed` on ports
 * first..last, no_new_privs, restrict (the kernel sample's logic). 0 or -1. */
static inline int raw_landlock(uint64_t handled, uint64_t allowed, long first, long last)
{
	struct {
		uint64_t fs, net, scoped;
	} attr = {0, handled, 0};
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, 24, 0);
	if (fd < 0)
		return -1;
	struct landlock_net_port_attr port = {.allowed_access = allowed};
	for (long p = first; p <= last; p++) {
		port.port = (uint64_t)p;
		if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_NET_PORT, &port, 0))
			return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, fd, 0))
		return -1;
	close(fd);
	return 0;
}

/* ...and the same seccomp filter netfence adds when TCP is handled (MPTCP,
 * SCTP and SMC denied, io_uring ENOSYS, foreign ABIs killed, and, when
 * CONNECT_TCP is handled, TCP Fast Open refused), via libseccomp. */
static inline int raw_bypass_filter_for(int connect_handled)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (connect_handled) {
		const uint64_t fast_open = 0x20000000; /* MSG_FASTOPEN */
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(sendto), 1,
				 SCMP_A3(SCMP_CMP_MASKED_EQ, fast_open, fast_open));
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(sendmsg), 1,
				 SCMP_A2(SCMP_CMP_MASKED_EQ, fast_open, fast_open));
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EOPNOTSUPP), SCMP_SYS(sendmmsg), 1,
				 SCMP_A3(SCMP_CMP_MASKED_EQ, fast_open, fast_open));
	}
	int calls[2] = {SCMP_SYS(socket), SCMP_SYS(socketpair)};
	int families[2] = {AF_INET, AF_INET6};
	for (int c = 0; c < 2; c++) {
		for (int f = 0; f < 2; f++) {
			uint64_t protocols[3] = {132, 256, 262};
			for (int p = 0; p < 3; p++)
				seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), calls[c], 2,
						 SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, (uint64_t)families[f]),
						 SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffff, protocols[p]));
			seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), calls[c], 3,
					 SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, (uint64_t)families[f]),
					 SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_SEQPACKET), SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffff, 0));
		}
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), calls[c], 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffff, AF_SMC));
	}
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_setup), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_enter), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(io_uring_register), 0);
	int rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}


#endif
