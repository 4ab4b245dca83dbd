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
	long port = strtol(argv[1], NULL, 10);
	if (raw_landlock(LANDLOCK_ACCESS_NET_BIND_TCP, LANDLOCK_ACCESS_NET_BIND_TCP, port, port))
		return 1;
	if (raw_bypass_filter_for(0)) /* CONNECT_TCP not handled: no TCP Fast Open rule */
		return 1;
	execv(argv[2], argv + 2);
	return 127;
}
