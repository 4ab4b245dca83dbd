/* SPDX-License-Identifier: MIT */
/* spawn: a vfork-style child that applies a prepared plan with raw system calls and executes a program. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the spawned child needs; it lives in the parent's frame (the child
 * shares the parent's memory until it executes or exits). */
struct spawn_args {
	const struct nf_apply_plan *plan;
	const struct nf_spawn_request *request;
	int report_fd;
	uint64_t parent_mask; /* the kernel's signal mask (rt_sigprocmask) */
};

/* The kernel's struct sigaction for rt_sigaction(2) (x86_64, aarch64, ...). */
struct nf_kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* glibc's internal signals (thread cancellation, set*id broadcast), which
 * its wrappers neither block nor let a program change. */
static int is_internal_signal(int sig)
{
	return sig == 32 || sig == 33;
}

/* The child: only syscalls and the prepared plan, on its own stack. It
 * shares the parent's memory (CLONE_VM), so it writes nothing but its stack
 * and the report pipe; the parent's calling thread is suspended meanwhile. */
static int spawn_child(void *opaque)
{
	const struct spawn_args *args = opaque;
	/* Handlers of the parent must not run here: back to the default, and
	 * glibc's internal ones ignored, as posix_spawn does (the child has its
	 * own copy of the table, no CLONE_SIGHAND). Raw syscalls: glibc's
	 * wrappers skip the internal signals. */
	for (int sig = 1; sig < 64; sig++) {
		struct nf_kernel_sigaction sa;
		if (syscall(SYS_rt_sigaction, sig, NULL, &sa, sizeof(sa.mask)) != 0)
			continue;
		if (sa.handler == SIG_IGN || (sa.handler == SIG_DFL && !is_internal_signal(sig)))
			continue;
		struct nf_kernel_sigaction reset = {.handler = is_internal_signal(sig) ? SIG_IGN : SIG_DFL};
		syscall(SYS_rt_sigaction, sig, &reset, NULL, sizeof(reset.mask));
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &args->parent_mask, NULL, sizeof(args->parent_mask));
	if (args->request->supervisor_pid > 0)
		prctl(PR_SET_PTRACER, (unsigned long)args->request->supervisor_pid, 0, 0, 0);
	struct nf_apply_result result;
	nf_apply_with(args->plan, &result, &nf_raw_caps_ops);
	/* The outcome of the apply goes to the parent in every case (the
	 * supervisor hand-over too); a second record only if exec fails.
	 * The pipe is close-on-exec: EOF after the first record = exec'd. */
	ssize_t ignored = write(args->report_fd, &result, sizeof(result));
	if (result.failed_step == 0) {
		execve(args->request->path, args->request->argv, args->request->envp);
		result.failed_step = NF_STEP_EXEC;
		result.error = -errno;
		ignored = write(args->report_fd, &result, sizeof(result));
	}
	(void)ignored;
	_exit(127);
}

/* The child's stack: the apply sequence with raw syscalls needs little; a
 * guard page below. */
#define SPAWN_STACK_SIZE (256 * 1024)

int nf_spawn(const struct nf_apply_plan *plan, const struct nf_spawn_request *request,
	     struct nf_apply_result *child_result, int32_t *pid_out)
{
	memset(child_result, 0, sizeof(*child_result));
	int report[2];
	if (pipe2(report, O_CLOEXEC) != 0)
		return -errno;
	long page = sysconf(_SC_PAGESIZE);
	char *stack = mmap(NULL, SPAWN_STACK_SIZE + (size_t)page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED || mprotect(stack, (size_t)page, PROT_NONE) != 0) {
		int error = errno;
		if (stack != MAP_FAILED)
			munmap(stack, SPAWN_STACK_SIZE + (size_t)page);
		close(report[0]);
		close(report[1]);
		return -error;
	}
	/* vfork-style, as posix_spawn(3) does: the child shares this memory and
	 * this thread waits until it has executed the command or exited. No
	 * copy of the page tables (spawning from a large process costs the same
	 * as from a small one) and no atfork handlers in the child. Every signal
	 * is blocked across the clone, so no handler of the parent runs in the
	 * child before it has reset them. */
	struct spawn_args args = {.plan = plan, .request = request, .report_fd = report[1]};
	/* Every signal, glibc's internal ones included (raw syscall). */
	uint64_t all = ~UINT64_C(0);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &args.parent_mask, sizeof(all));
	/* The child runs on this thread's TLS: keep the caller's errno. */
	int saved_errno = errno;
	pid_t pid = clone(spawn_child, stack + SPAWN_STACK_SIZE + page, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	int fork_errno = errno;
	errno = saved_errno;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &args.parent_mask, NULL, sizeof(args.parent_mask));
	munmap(stack, SPAWN_STACK_SIZE + (size_t)page);
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return -fork_errno;
	}
	struct nf_apply_result records[2];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(report[0], (char *)records + got, sizeof(records) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(report[0]);
	size_t count = got / sizeof(records[0]);
	if (count == 0) {
		/* The child died before reporting: reap it, report a failure. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
		return -EFAULT;
	}
	*child_result = records[count - 1];
	if (child_result->failed_step != 0) {
		/* The child failed before or at execve: reap it, no zombie. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
		return child_result->error < 0 ? child_result->error : -EFAULT;
	}
	*pid_out = pid;
	return 0;
}
