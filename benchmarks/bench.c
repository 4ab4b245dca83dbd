/* SPDX-License-Identifier: MIT */
/*
 * netfence benchmarks: the library path against raw system calls doing the
 * same work, side by side in one run. Every comparison alternates its two
 * sides (A B A B ...), each sample in a fresh child process, and reports
 * median, min and max of each side and the median of the pairwise ratios.
 *
 * Usage: bench BUILD_BIN_DIR JSON_OUT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netfence.h>

#include "bench_common.h"

#define MAX_SAMPLES 512

static double minimum(double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double maximum(double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static FILE *json;
static int json_rows;

/* One table row + one JSON object. Units: "us" for times given in ns. */
static void report(const char *name, const char *a_name, double *a, const char *b_name, double *b, int n,
		   double scale, const char *unit, const char *goal)
{
	double ratios[MAX_SAMPLES], differences[MAX_SAMPLES];
	for (int i = 0; i < n; i++) {
		ratios[i] = a[i] / b[i];
		differences[i] = (a[i] - b[i]) / scale;
	}
	double r = median(ratios, n);
	double d = median(differences, n);
	printf("%-44s %-12s %9.1f [%8.1f-%9.1f] %-12s %9.1f [%8.1f-%9.1f] %-2s %6.2fx  %s\n", name, a_name,
	       median(a, n) / scale, minimum(a, n) / scale, maximum(a, n) / scale, b_name, median(b, n) / scale,
	       minimum(b, n) / scale, maximum(b, n) / scale, unit, r, goal);
	fprintf(json,
		"%s\n  {\"measure\": \"%s\", \"unit\": \"%s\", \"samples\": %d, \"goal\": \"%s\",\n"
		"   \"%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f},\n"
		"   \"%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f}, \"median_ratio\": %.4f, \"median_difference\": %.3f}",
		json_rows++ ? "," : "", name, unit, n, goal, a_name, median(a, n) / scale, minimum(a, n) / scale,
		maximum(a, n) / scale, b_name, median(b, n) / scale, minimum(b, n) / scale, maximum(b, n) / scale, r, d);
	/* The goals that are absolute read this line (e.g. "<= 15 us over raw"). */
	if (strstr(goal, "over raw"))
		printf("%-44s A - B: %+.1f %s (median of the pairwise differences)\n", "", d, unit);
}

/* Runs fn(arg) in a fresh child; it returns a value (ns) through a pipe. */
static double in_child(double (*fn)(long), long arg)
{
	int fds[2];
	if (pipe(fds) != 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		double value = fn(arg);
		if (write(fds[1], &value, sizeof(value)) != sizeof(value))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	double value = -1;
	if (read(fds[0], &value, sizeof(value)) != sizeof(value))
		value = -1;
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	if (value < 0) {
		fprintf(stderr, "bench: a sample failed\n");
		exit(1);
	}
	return value;
}

/* ---------- 1. prepare + apply a TCP ruleset with N port rules ---------- */

static double lib_apply(long n)
{
	double start = now_ns();
	netfence_ruleset *rs = NULL;
	if (netfence_ruleset_new(&rs) || netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP) ||
	    netfence_ruleset_allow_port_range(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP, 1, (uint64_t)n) ||
	    netfence_ruleset_restrict_self(rs, 0, NULL)) {
		fprintf(stderr, "bench: %s\n", netfence_last_error());
		return -1;
	}
	double end = now_ns();
	netfence_ruleset_free(rs);
	return end - start;
}

/* The program the raw side loads: netfence's own filter for this ruleset,
 * read back from a child before any comparison (see main), so both sides
 * load the very same BPF program; the raw side does it with seccomp(2). */
static struct sock_filter raw_program[BPF_MAXINSNS];
static unsigned short raw_program_length;

static int raw_load_program(void)
{
	struct sock_fprog prog = {.len = raw_program_length, .filter = raw_program};
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : -1;
}

/* The raw baseline: the same Landlock ruleset with direct syscalls (raw_landlock
 * in bench_common.h)... */
#define RAW_TCP (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)

static double raw_apply_with_filter(long n)
{
	double start = now_ns();
	if (raw_landlock(RAW_TCP, RAW_TCP, 1, n) || raw_load_program())
		return -1;
	return now_ns() - start;
}

static double raw_apply_landlock_only(long n)
{
	double start = now_ns();
	if (raw_landlock(RAW_TCP, RAW_TCP, 1, n))
		return -1;
	return now_ns() - start;
}

static double lib_apply_all_ports(long n)
{
	(void)n;
	double start = now_ns();
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	if (netfence_ruleset_new(&rs) || netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP) ||
	    netfence_ruleset_allow_port_range(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, 0, 65535) ||
	    netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP, 1) || netfence_ruleset_restrict_self(rs, 0, &st))
		return -1;
	double end = now_ns();
	netfence_ruleset_free(rs);
	return st.port_rules == 1 ? end - start : -1; /* the all-ports right added no rule */
}

/* ---------- 2. per-call costs ---------- */

static double per_call(long what)
{
	/* what: 0 getppid, 1 socket+close, 2 bind+close, 3 loopback connect;
	 * +10: under the library's ruleset (seccomp layer / Landlock). */
	int restricted = what >= 10;
	what %= 10;
	int listener = -1;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (what == 3) {
		listener = socket(AF_INET, SOCK_STREAM, 0);
		socklen_t len = sizeof(addr);
		bind(listener, (struct sockaddr *)&addr, sizeof(addr));
		listen(listener, 4096);
		getsockname(listener, (struct sockaddr *)&addr, &len);
	}
	if (restricted) {
		netfence_ruleset *rs = NULL;
		netfence_ruleset_new(&rs);
		if (what <= 1) { /* the seccomp socket layer */
			netfence_ruleset_handle_sockets(rs);
			netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0);
		} else { /* Landlock: bind port 0 and connect to the listener allowed */
			netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP);
			netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP, 0);
			netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, ntohs(addr.sin_port));
		}
		if (netfence_ruleset_restrict_self(rs, 0, NULL))
			return -1;
		netfence_ruleset_free(rs);
	}
	int n = what == 0 ? 200000 : what == 3 ? 2000 : 20000;
	double best = 1e18;
	for (int round = 0; round < 5; round++) {
		double start = now_ns();
		for (int i = 0; i < n; i++) {
			if (what == 0) {
				syscall(SYS_getppid);
			} else if (what == 1) {
				close(socket(AF_INET, SOCK_STREAM, 0));
			} else if (what == 2) {
				struct sockaddr_in any = {.sin_family = AF_INET};
				any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
				int fd = socket(AF_INET, SOCK_STREAM, 0);
				bind(fd, (struct sockaddr *)&any, sizeof(any));
				close(fd);
			} else {
				int fd = socket(AF_INET, SOCK_STREAM, 0);
				connect(fd, (struct sockaddr *)&addr, sizeof(addr));
				close(accept(listener, NULL, NULL));
				close(fd);
			}
		}
		double per = (now_ns() - start) / n;
		best = per < best ? per : best;
	}
	return best;
}

/* ---------- 3 and 4. whole processes ---------- */

static char *const *exec_argv;
static double last_rss_kb;

/* Wall time of fork + exec + wait of exec_argv (ns); records peak RSS. */
static double run_process(long unused)
{
	(void)unused;
	double start = now_ns();
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execv(exec_argv[0], exec_argv);
		_exit(127);
	}
	int status;
	struct rusage usage;
	wait4(pid, &status, 0, &usage);
	double elapsed = now_ns() - start;
	last_rss_kb = (double)usage.ru_maxrss;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? elapsed : -1;
}

static double spawn_lib(long unused)
{
	(void)unused;
	netfence_ruleset *rs = NULL;
	netfence_ruleset_new(&rs);
	/* The same ruleset as the raw side: both TCP rights, port 1. */
	netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP);
	netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP, 1);
	char *argv[] = {"/bin/true", NULL};
	double start = now_ns();
	int32_t pid = 0;
	if (netfence_ruleset_spawn(rs, "/bin/true", argv, NULL, &pid, NULL))
		return -1;
	int status;
	waitpid(pid, &status, 0);
	double elapsed = now_ns() - start;
	netfence_ruleset_free(rs);
	return elapsed;
}

static double spawn_raw(long unused)
{
	(void)unused;
	double start = now_ns();
	pid_t pid = fork();
	if (pid == 0) {
		if (raw_landlock(RAW_TCP, RAW_TCP, 1, 1) || raw_load_program())
			_exit(1);
		execl("/bin/true", "/bin/true", (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	return now_ns() - start;
}

typedef double (*sample_fn)(long);

static void compare_pair(const char *name, const char *a_name, sample_fn a, long a_arg, const char *b_name, sample_fn b,
			 long b_arg, int samples, double scale, const char *unit, const char *goal)
{
	double va[MAX_SAMPLES], vb[MAX_SAMPLES];
	/* Warm-up pairs, not recorded: the first children of a comparison ran
	 * measurably slower on this VM (both sides alike). */
	for (int i = 0; i < samples / 10; i++) {
		in_child(a, a_arg);
		in_child(b, b_arg);
	}
	for (int i = 0; i < samples; i++) {
		/* Alternate which side goes first, against drift. */
		if (i % 2) {
			vb[i] = in_child(b, b_arg);
			va[i] = in_child(a, a_arg);
		} else {
			va[i] = in_child(a, a_arg);
			vb[i] = in_child(b, b_arg);
		}
	}
	report(name, a_name, va, b_name, vb, samples, scale, unit, goal);
}

static void compare_processes(const char *name, const char *a_name, char *const *a_argv, const char *b_name,
			      char *const *b_argv, int samples, const char *goal, double *rss_a, double *rss_b)
{
	double va[MAX_SAMPLES], vb[MAX_SAMPLES], ra = 0, rb = 0;
	for (int i = 0; i < samples; i++) {
		exec_argv = a_argv;
		va[i] = run_process(0);
		ra = last_rss_kb > ra ? last_rss_kb : ra;
		exec_argv = b_argv;
		vb[i] = run_process(0);
		rb = last_rss_kb > rb ? last_rss_kb : rb;
		if (va[i] < 0 || vb[i] < 0) {
			fprintf(stderr, "bench: %s: a process failed\n", name);
			exit(1);
		}
	}
	report(name, a_name, va, b_name, vb, samples, 1e3, "us", goal);
	if (rss_a)
		*rss_a = ra;
	if (rss_b)
		*rss_b = rb;
}

/* ---------- the two sides load the same filter ---------- */

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

/* The first filter of a child that applied `fn` (then stopped itself), read
 * back with PTRACE_SECCOMP_GET_FILTER (CAP_SYS_ADMIN): -1 if unreadable. */
static long filter_of(double (*fn)(long), struct sock_filter *program)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (fn(1) < 0)
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status)) {
		waitpid(pid, &status, 0);
		return -1;
	}
	long length = -1;
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0)
		length = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, program);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return length;
}

/* The raw side's program: netfence's, read back from a child that applied
 * the 1-port ruleset. Exits when it cannot be read (needs CAP_SYS_ADMIN):
 * without it the comparison would not be like for like. */
static void capture_program(void)
{
	long length = filter_of(lib_apply, raw_program);
	if (length <= 0 || length > BPF_MAXINSNS) {
		fprintf(stderr, "bench: cannot read netfence's seccomp filter back (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN)\n");
		exit(1);
	}
	raw_program_length = (unsigned short)length;
	/* And the raw side really loads it: read it back from a raw child too. */
	static struct sock_filter check[BPF_MAXINSNS];
	long raw_length = filter_of(raw_apply_with_filter, check);
	if (raw_length != length || memcmp(check, raw_program, (size_t)length * sizeof(check[0])) != 0) {
		fprintf(stderr, "bench: the raw side's filter differs from netfence's\n");
		exit(1);
	}
	printf("(both sides load the same %ld-instruction seccomp filter; the raw side with seccomp(2))\n", length);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench BUILD_BIN_DIR JSON_OUT\n");
		return 2;
	}
	const char *bin = argv[1];
	pin_to_one_cpu();
	capture_program();
	json = fopen(argv[2], "w");
	if (json == NULL)
		return 1;
	fprintf(json, "{\"netfence\": \"%s\", \"landlock_abi\": %d, \"results\": [", netfence_version(), netfence_landlock_abi());
	printf("netfence %s benchmarks, Landlock ABI %d (median [min-max]; ratio = median of pairwise A/B)\n",
	       netfence_version(), netfence_landlock_abi());
	printf("%-44s %-12s %-31s %-12s %-31s %-2s %7s  %s\n", "measure", "A", "A median [min-max]", "B", "B median [min-max]", "", "A/B", "goal");

	/* 1. prepare + apply */
	compare_pair("apply TCP ruleset, 1 port", "libnetfence", lib_apply, 1, "raw+filter", raw_apply_with_filter, 1, 201, 1e3, "us", "<= 1.3x");
	compare_pair("apply TCP ruleset, 1 port (Landlock only)", "libnetfence", lib_apply, 1, "raw-landlock", raw_apply_landlock_only, 1, 101, 1e3, "us", "<= 5x");
	compare_pair("apply TCP ruleset, 1000 ports", "libnetfence", lib_apply, 1000, "raw+filter", raw_apply_with_filter, 1000, 201, 1e3, "us", "<= 1.05x");
	compare_pair("apply TCP ruleset, 65535 ports", "libnetfence", lib_apply, 65535, "raw+filter", raw_apply_with_filter, 65535, 11, 1e3, "us", "<= 1.05x");
	compare_pair("all-ports range is free (1 rule + 0-65535)", "all-ports", lib_apply_all_ports, 0, "1 port", lib_apply, 1, 21, 1e3, "us", "~1x: no rule added");

	/* 2. per call (ns) */
	compare_pair("getppid() under the seccomp layer", "filter", per_call, 10, "none", per_call, 0, 9, 1, "ns", "<= +15 ns");
	compare_pair("socket()+close() under the seccomp layer", "filter", per_call, 11, "none", per_call, 1, 9, 1, "ns", "<= +40 ns");
	compare_pair("bind()+close() under Landlock", "landlock", per_call, 12, "none", per_call, 2, 9, 1, "ns", "kernel hook only");
	compare_pair("loopback connect() under Landlock", "landlock", per_call, 13, "none", per_call, 3, 9, 1, "ns", "kernel hook only");

	/* 3. whole process */
	char cli[4096], sandboxer[4096], static_sandboxer[4096], plain[4096], linked[4096];
	snprintf(cli, sizeof(cli), "%s/netfence", bin);
	snprintf(sandboxer, sizeof(sandboxer), "%s/bench-raw-sandboxer", bin);
	snprintf(static_sandboxer, sizeof(static_sandboxer), "%s/bench-raw-sandboxer-static", bin);
	snprintf(plain, sizeof(plain), "%s/bench-load-plain", bin);
	snprintf(linked, sizeof(linked), "%s/bench-load-linked", bin);
	char *cli_argv[] = {cli, "run", "--bind-tcp", "1", "--", "/bin/true", NULL};
	char *raw_argv[] = {sandboxer, "1", "/bin/true", NULL};
	char *static_raw_argv[] = {static_sandboxer, "1", "/bin/true", NULL};
	char *true_argv[] = {"/bin/true", NULL};
	compare_processes("netfence run (1 rule) + exec /bin/true", "netfence", cli_argv, "C sandboxer", raw_argv, 101, "<= 1.3x", NULL, NULL);
	/* netfence is a static executable; the same C sandboxer linked statically
	 * (no dynamic loader, no libseccomp.so) is the stricter floor. */
	compare_processes("netfence run vs a static C sandboxer", "netfence", cli_argv, "static C", static_raw_argv, 101, "reference", NULL, NULL);
	compare_processes("C sandboxer vs plain exec /bin/true", "C sandboxer", raw_argv, "plain", true_argv, 101, "reference", NULL, NULL);
	/* The kernel sample's drop-in against the sample's logic in C, on the
	 * same LL_* variables (Landlock only on both sides). */
	char ll_sandboxer[4096];
	snprintf(ll_sandboxer, sizeof(ll_sandboxer), "%s/bench-ll-sandboxer", bin);
	char *dropin_argv[] = {cli, "sandboxer", "/bin/true", NULL};
	char *sample_argv[] = {ll_sandboxer, "/bin/true", NULL};
	setenv("LL_FS_RO", "/", 1);
	setenv("LL_FS_RW", "/dev/null:/tmp", 1);
	setenv("LL_TCP_BIND", "", 1);
	setenv("LL_TCP_CONNECT", "80:443", 1);
	compare_processes("netfence sandboxer (LL_*) + exec /bin/true", "netfence", dropin_argv, "C sample", sample_argv, 101, "<= 1.3x", NULL, NULL);
	unsetenv("LL_FS_RO");
	unsetenv("LL_FS_RW");
	unsetenv("LL_TCP_BIND");
	unsetenv("LL_TCP_CONNECT");
	compare_pair("netfence_ruleset_spawn vs fork+exec in C", "spawn", spawn_lib, 0, "fork+exec", spawn_raw, 0, 101, 1e3, "us", "~1x");

	/* 4. load cost */
	double rss_linked = 0, rss_plain = 0;
	char *linked_argv[] = {linked, NULL};
	char *plain_argv[] = {plain, NULL};
	compare_processes("start a C program linked to libnetfence", "linked", linked_argv, "plain", plain_argv, 201, "<= +2 ms", &rss_linked, &rss_plain);
	printf("%-44s linked %.0f KiB, plain %.0f KiB peak RSS: +%.0f KiB (goal <= 4 MiB)\n", "  peak RSS", rss_linked, rss_plain, rss_linked - rss_plain);
	fprintf(json, ",\n  {\"measure\": \"peak RSS, C program linked to libnetfence\", \"unit\": \"KiB\", \"linked\": %.0f, \"plain\": %.0f, \"goal\": \"<= +4096 KiB\"}", rss_linked, rss_plain);
	char python_import[4096];
	const char *pyenv = getenv("BENCH_PYTHON");
	if (pyenv != NULL && access(pyenv, X_OK) == 0) {
		snprintf(python_import, sizeof(python_import), "%s", pyenv);
		char *import_argv[] = {python_import, "-c", "import netfence; netfence.landlock_abi()", NULL};
		char *bare_argv[] = {python_import, "-c", "pass", NULL};
		compare_processes("python -c 'import netfence'", "import", import_argv, "bare", bare_argv, 41, "reported", NULL, NULL);
	}
	fprintf(json, "\n]}\n");
	fclose(json);
	return 0;
}
