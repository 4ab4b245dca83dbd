/* SPDX-License-Identifier: MIT */
/*
 * Prints "KERNEL NETFENCE": the running kernel's Landlock ABI, asked directly
 * (landlock_create_ruleset with LANDLOCK_CREATE_RULESET_VERSION), and the ABI
 * netfence reports (netfence_landlock_abi(), which the test-only
 * NETFENCE_TEST_ABI lowers); each is a negative errno when Landlock is not
 * available. tests/run.sh's kernel-abi check compares them with
 * NETFENCE_EXPECT_ABI.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <netfence.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#define CREATE_RULESET_VERSION 1U /* LANDLOCK_CREATE_RULESET_VERSION */

int main(void)
{
	long kernel = syscall(SYS_landlock_create_ruleset, NULL, 0UL, CREATE_RULESET_VERSION);
	if (kernel < 0)
		kernel = -errno;
	return printf("%ld %d\n", kernel, netfence_landlock_abi()) > 0 ? 0 : 1;
}
