/* SPDX-License-Identifier: MIT */
/*
 * The program of the escape suite's setuid case. escape.c installs a
 * setuid-root copy of it and executes it as uid 65534, without and then
 * with the sandbox. It needs nothing but libc (tests/run.sh links it
 * statically when it can), so that it runs whoever executes it from
 * wherever: when it runs, it says so on stdout with the user IDs it got, and
 * exits with HELPER_RAN. Any other exit status, or no such line, means it
 * did not run, which the case counts as a failure, never as a denial.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#define HELPER_RAN 73 /* the same in escape.c */

int main(void)
{
	uid_t ruid = 0, euid = 0, suid = 0;
	if (getresuid(&ruid, &euid, &suid) != 0)
		return 1;
	if (printf("netfence-setuid-helper ran: ruid=%u euid=%u suid=%u\n", (unsigned)ruid, (unsigned)euid,
		   (unsigned)suid) < 0 || fflush(stdout) != 0)
		return 1;
	return HELPER_RAN;
}
