/* SPDX-License-Identifier: MIT */
/*
 * Per-syscall cost of netfence's seccomp filter: ns per getppid() (a
 * syscall the filter allows without looking at arguments) and per
 * socket()+close() (the argument-checking path), without and with the
 * filter, and per socket() refused on its arguments before any allocation
 * (type with a stray high bit: EINVAL from the kernel, or EACCES from the
 * filter), which isolates the filter's argument checks from the socket
 * allocation noise (+-100 ns) of socket()+close(). Not a timed test: it
 * prints numbers. Modes alternate (A B A B ...) in fresh child processes,
 * since these machines are noisy.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netfence.h>

#include "bench_common.h"

static void call_getppid(void)
{
	syscall(SYS_getppid);
}

static void call_socket_close(void)
{
	close(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static void call_refused_socket(void)
{
	syscall(SYS_socket, AF_INET, SOCK_STREAM | 0x100, 0);
}

/* Median ns per call of `op` over `rounds` rounds of `n` calls. The call
 * through the pointer costs the same with and without the filter: the paired
 * deltas are unchanged by it. */
static double measure(void (*op)(void), int rounds, int n)
{
	double samples[32];
	for (int r = 0; r < rounds; r++) {
		double start = now_ns();
		for (int i = 0; i < n; i++)
			op();
		samples[r] = (now_ns() - start) / n;
	}
	return median(samples, rounds);
}

/* Runs one measurement in a child; writes {getppid, socket+close, refused socket} in ns. */
static int run(int filtered, double out[3])
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		if (filtered) {
			netfence_ruleset *rs = NULL;
			if (netfence_ruleset_new(&rs) != 0 || netfence_ruleset_handle_sockets(rs) != 0 ||
			    netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0) != 0 ||
			    netfence_ruleset_allow_socket(rs, AF_INET6, SOCK_STREAM, 0) != 0 ||
			    netfence_ruleset_restrict_self(rs, 0, NULL) != 0) {
				fprintf(stderr, "syscall_cost: %s\n", netfence_last_error());
				_exit(1);
			}
			netfence_ruleset_free(rs);
		}
		double result[3] = {measure(call_getppid, 9, 200000), measure(call_socket_close, 9, 20000),
				    measure(call_refused_socket, 9, 200000)};
		if (write(fds[1], result, sizeof(result)) != sizeof(result))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], out, 3 * sizeof(double));
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return got == 3 * sizeof(double) && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(void)
{
	enum { PAIRS = 15, MEASURES = 3 };
	static const char *names[MEASURES] = {"getppid()", "socket()+close()", "socket() refused on args"};
	double base[MEASURES][PAIRS], filt[MEASURES][PAIRS], delta[MEASURES][PAIRS];
	pin_to_one_cpu();
	for (int i = 0; i < PAIRS; i++) {
		double b[3], f[3];
		if (run(0, b) != 0 || run(1, f) != 0)
			return 1;
		for (int m = 0; m < MEASURES; m++) {
			base[m][i] = b[m];
			filt[m][i] = f[m];
			delta[m][i] = f[m] - b[m];
		}
	}
	printf("netfence %s seccomp filter cost (medians of %d interleaved pairs)\n", netfence_version(), PAIRS);
	printf("  %-26s %10s %10s %12s\n", "operation", "no filter", "filter", "paired delta");
	for (int m = 0; m < MEASURES; m++)
		printf("  %-26s %8.1f ns %8.1f ns %+10.1f ns\n", names[m], median(base[m], PAIRS), median(filt[m], PAIRS),
		       median(delta[m], PAIRS));
	return 0;
}
