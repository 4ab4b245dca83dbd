/* SPDX-License-Identifier: MIT */
/*
 * Prints the offsets (in the library file's address space) of every
 * instruction a traced program executes inside one shared library between
 * two marker functions: a breakpoint on the first, single steps to the second.
 * Used by `make hot-functions` to find the library code a first apply runs.
 *
 * usage: trace_offsets BEGIN_HEX END_HEX LIBRARY_NAME PROGRAM [ARG...]
 * BEGIN_HEX and END_HEX are the markers' addresses in PROGRAM (built -no-pie).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "trace_offsets: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The library's executable mapping and its load base (address of offset 0). */
static void find_library(pid_t pid, const char *name, unsigned long *base, unsigned long *lo, unsigned long *hi)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "r");
	if (!maps)
		die("open maps");
	*base = *lo = *hi = 0;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end, offset;
		char perms[8];
		if (!strstr(line, name) || sscanf(line, "%lx-%lx %7s %lx", &start, &end, perms, &offset) != 4)
			continue;
		if (!*base)
			*base = start - offset;
		if (perms[2] == 'x') {
			*lo = start;
			*hi = end;
		}
	}
	fclose(maps);
	if (!*lo) {
		fprintf(stderr, "trace_offsets: %s is not mapped\n", name);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: trace_offsets BEGIN_HEX END_HEX LIBRARY_NAME PROGRAM [ARG...]\n");
		return 2;
	}
	unsigned long begin = strtoul(argv[1], NULL, 16), end = strtoul(argv[2], NULL, 16);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[4], argv + 4);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		die("exec stop");

	/* Breakpoint on the begin marker, run to it, put the byte back. */
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)begin, NULL);
	if (errno)
		die("peek");
	if (ptrace(PTRACE_POKETEXT, pid, (void *)begin, (void *)((word & ~0xffL) | 0xcc)) || ptrace(PTRACE_CONT, pid, NULL, NULL))
		die("breakpoint");
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP) {
		fprintf(stderr, "trace_offsets: the program did not reach the begin marker\n");
		return 1;
	}
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) || ptrace(PTRACE_POKETEXT, pid, (void *)begin, (void *)word))
		die("restore");
	regs.rip = begin;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs))
		die("setregs");

	unsigned long base, lo, hi;
	find_library(pid, argv[3], &base, &lo, &hi);
	size_t span = hi - base;
	unsigned char *seen = calloc(span, 1);
	if (!seen)
		die("calloc");
	long steps = 0;
	int signal_to_deliver = 0;
	for (;;) {
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			die("getregs");
		if (regs.rip == end)
			break;
		if (regs.rip >= lo && regs.rip < hi && !seen[regs.rip - base]) {
			seen[regs.rip - base] = 1;
			printf("%lx\n", (unsigned long)(regs.rip - base));
		}
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *)(long)signal_to_deliver))
			die("singlestep");
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (!WIFSTOPPED(status)) {
			fprintf(stderr, "trace_offsets: the program ended before the end marker\n");
			return 1;
		}
		signal_to_deliver = WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status);
		steps++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fprintf(stderr, "trace_offsets: %ld instructions traced\n", steps);
	return 0;
}
