/* SPDX-License-Identifier: MIT */
/*
 * Per-syscall cost of netfence's seccomp filter: ns per getppid() (a
 * syscall the filter allows without looking at arguments) and per
 * socket()+close() (the argument-checking path), without and with the
 * filter. Not a timed test: it prints numbers. Modes alternate (A B A B ...)
 * in fresh child processes, since these machines are noisy.
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

/* Median ns per call over `rounds` rounds of `n` calls. */
static double measure_getppid(int rounds, int n)
{
	double samples[32];
	for (int r = 0; r < rounds; r++) {
		double start = now_ns();
		for (int i = 0; i < n; i++)
			syscall(SYS_getppid);
		samples[r] = (now_ns() - start) / n;
	}
	qsort(samples, (size_t)rounds, sizeof(double), compare);
	return samples[rounds / 2];
}

static double measure_socket(int rounds, int n)
{
	double samples[32];
	for (int r = 0; r < rounds; r++) {
		double start = now_ns();
		for (int i = 0; i < n; i++)
			close(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		samples[r] = (now_ns() - start) / n;
	}
	qsort(samples, (size_t)rounds, sizeof(double), compare);
	return samples[rounds / 2];
}

/* Runs one measurement in a child; writes {getppid ns, socket ns}. */
static int run(int filtered, double out[2])
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
		double result[2] = {measure_getppid(9, 200000), measure_socket(9, 20000)};
		if (write(fds[1], result, sizeof(result)) != sizeof(result))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], out, 2 * sizeof(double));
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return got == 2 * sizeof(double) && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(void)
{
	enum { PAIRS = 5 };
	double base[PAIRS][2], filt[PAIRS][2], dp[PAIRS], ds[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		if (run(0, base[i]) != 0 || run(1, filt[i]) != 0)
			return 1;
		dp[i] = filt[i][0] - base[i][0];
		ds[i] = filt[i][1] - base[i][1];
	}
	double bp[PAIRS], fp[PAIRS], bs[PAIRS], fs[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		bp[i] = base[i][0];
		fp[i] = filt[i][0];
		bs[i] = base[i][1];
		fs[i] = filt[i][1];
	}
	qsort(bp, PAIRS, sizeof(double), compare);
	qsort(fp, PAIRS, sizeof(double), compare);
	qsort(bs, PAIRS, sizeof(double), compare);
	qsort(fs, PAIRS, sizeof(double), compare);
	qsort(dp, PAIRS, sizeof(double), compare);
	qsort(ds, PAIRS, sizeof(double), compare);
	printf("netfence %s seccomp filter cost (medians of %d interleaved pairs)\n", netfence_version(), PAIRS);
	printf("  %-22s %10s %10s %12s\n", "operation", "no filter", "filter", "paired delta");
	printf("  %-22s %8.1f ns %8.1f ns %+10.1f ns\n", "getppid()", bp[PAIRS / 2], fp[PAIRS / 2], dp[PAIRS / 2]);
	printf("  %-22s %8.1f ns %8.1f ns %+10.1f ns\n", "socket()+close()", bs[PAIRS / 2], fs[PAIRS / 2], ds[PAIRS / 2]);
	return 0;
}
