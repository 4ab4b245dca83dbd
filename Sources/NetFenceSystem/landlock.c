/* SPDX-License-Identifier: MIT */
/* Landlock system calls and the kernel probes (ABI version, errata), and no_new_privs. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sizes and offsets from the kernel's build_check_abi() (ABI 6..9 sizes). */
_Static_assert(sizeof(struct nf_landlock_ruleset_attr) == 24, "ruleset_attr");
_Static_assert(offsetof(struct nf_landlock_ruleset_attr, handled_access_net) == 8, "ruleset_attr.net");
_Static_assert(offsetof(struct nf_landlock_ruleset_attr, scoped) == 16, "ruleset_attr.scoped");
_Static_assert(sizeof(struct nf_landlock_path_beneath_attr) == 12, "path_beneath_attr is packed");
_Static_assert(sizeof(struct nf_landlock_net_port_attr) == 16, "net_port_attr");
_Static_assert(offsetof(struct nf_landlock_net_port_attr, port) == 8, "net_port_attr.port");


int nf_landlock_create_ruleset(const struct nf_landlock_ruleset_attr *attr, size_t size, uint32_t flags)
{
	return nf_result(syscall(SYS_landlock_create_ruleset, attr, size, flags));
}

/* The running kernel's Landlock ABI, probed on first use and cached: > 0, or
 * -ENOSYS / -EOPNOTSUPP. In C, not a Swift lazy global: a first restrict in a
 * freshly forked process then runs none of the Swift runtime's one-time
 * initialisation machinery for it. (Not in a constructor: a process under a
 * seccomp allow-list that kills on unknown syscalls must not die merely for
 * loading the library.) */
static int kernel_abi; /* 0: not probed yet */
static int kernel_errata; /* valid once kernel_abi is set */

static int probe_kernel_abi(void)
{
	int saved_errno = errno;
	int rc = nf_landlock_create_ruleset(NULL, 0, NF_LANDLOCK_CREATE_RULESET_VERSION);
#ifdef NETFENCE_TEST_HOOKS
	if (rc > 0) {
		/* Test build only (make test's tool; never the installed library
		 * or tool, so no environment can weaken them): NETFENCE_TEST_ABI=N
		 * makes netfence behave as on an older kernel (ABI N, never more
		 * than the real one), to test downgrades on the real kernel
		 * (docs/security-testing.md). secure_getenv: never in a setuid or
		 * otherwise privileged program. */
		const char *text = secure_getenv("NETFENCE_TEST_ABI");
		if (text != NULL && text[0] >= '0' && text[0] <= '9') { /* digits only: no sign, no space */
			char *end = NULL;
			errno = 0;
			long value = strtol(text, &end, 10);
			if (errno == 0 && end != text && *end == '\0' && value >= 1 && value < rc)
				rc = (int)value;
		}
	}
#endif
	if (rc <= 0 && rc != -ENOSYS && rc != -EOPNOTSUPP) {
		/* Anything else than "not built" / "disabled" is a kernel we do
		 * not understand: unavailable rather than a guess. */
		rc = -EOPNOTSUPP;
	}
	/* The probe must not change the caller's errno. */
	errno = saved_errno;
	return rc;
}

/* The errata bitmask for the ABI in use: -errno when there is none to ask
 * (no Landlock, or an ABI before 7, whose kernels answer EINVAL). */
static int probe_kernel_errata(int abi)
{
	if (abi <= 0)
		return abi;
	if (abi < 7)
		return -EOPNOTSUPP;
	int saved_errno = errno;
	int rc = nf_landlock_create_ruleset(NULL, 0, NF_LANDLOCK_CREATE_RULESET_ERRATA);
	if (errno != saved_errno)
		errno = saved_errno;
	return rc >= 0 ? rc : -EOPNOTSUPP;
}

int nf_kernel_landlock_abi(void)
{
	int abi = __atomic_load_n(&kernel_abi, __ATOMIC_ACQUIRE);
	if (abi == 0) {
		/* Threads racing here probe alike and store the same values;
		 * the errata are published before the ABI that marks both done. */
		abi = probe_kernel_abi();
		__atomic_store_n(&kernel_errata, probe_kernel_errata(abi), __ATOMIC_RELAXED);
		__atomic_store_n(&kernel_abi, abi, __ATOMIC_RELEASE);
	}
	return abi;
}

int nf_kernel_landlock_errata(void)
{
	(void)nf_kernel_landlock_abi();
	return __atomic_load_n(&kernel_errata, __ATOMIC_RELAXED);
}

int nf_landlock_add_net_port_rule(int ruleset_fd, uint64_t allowed_access, uint64_t port)
{
	const struct nf_landlock_net_port_attr attr = {
		.allowed_access = allowed_access,
		.port = port,
	};
	return nf_result(syscall(SYS_landlock_add_rule, ruleset_fd, NF_LANDLOCK_RULE_NET_PORT, &attr, 0));
}

int nf_landlock_add_path_beneath_rule(int ruleset_fd, uint64_t allowed_access, int parent_fd)
{
	const struct nf_landlock_path_beneath_attr attr = {
		.allowed_access = allowed_access,
		.parent_fd = parent_fd,
	};
	return nf_result(syscall(SYS_landlock_add_rule, ruleset_fd, NF_LANDLOCK_RULE_PATH_BENEATH, &attr, 0));
}


int nf_set_no_new_privs(void)
{
	return nf_result(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

int nf_get_no_new_privs(void)
{
	return nf_result(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}
