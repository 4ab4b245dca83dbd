/* SPDX-License-Identifier: MIT */
/* Seccomp programs: compiling rules with libseccomp into classic BPF, and loading a program. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static enum scmp_compare compare_op(uint32_t op)
{
	switch (op) {
	case NF_CMP_LT: return SCMP_CMP_LT;
	case NF_CMP_GT: return SCMP_CMP_GT;
	default: return SCMP_CMP_MASKED_EQ;
	}
}

/* The largest program the kernel loads, in bytes. */
#define PROGRAM_LIMIT (BPF_MAXINSNS * sizeof(struct sock_filter))

/* Through a pipe: a few us in a fresh process, against ~30 us for a memfd
 * (a shmem inode to create and free). The write end is non-blocking, so an
 * oversized program cannot block us; libseccomp ignores short writes, so a
 * program that filled the pipe may be cut, and is never taken. A pipe holds
 * at least one page (PIPE_MIN_DEF_BUFFERS, one page before Linux 5.x): fewer
 * bytes waiting than a page means the whole program, without asking the
 * pipe's size (the common case: netfence's usual filters are under 100
 * instructions). -EAGAIN: a full pipe smaller than the largest program (the
 * per-user pipe limits shrink new pipes): the caller exports again to a memfd. */
#define PIPE_MIN_CAPACITY 4096
static int export_through_pipe(scmp_filter_ctx ctx, struct sock_filter **insns, size_t *size)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
	int rc = seccomp_export_bpf(ctx, fds[1]);
	close(fds[1]);
	/* The bytes waiting in the pipe: a buffer of that size, not of the
	 * largest program (a 32 KiB allocation grows and then trims the heap). */
	int pending = 0;
	if (rc == 0 && ioctl(fds[0], FIONREAD, &pending) != 0)
		rc = -errno;
	if (rc == 0 && pending <= 0)
		rc = -EIO; /* libseccomp wrote nothing */
	if (rc == 0 && pending >= PIPE_MIN_CAPACITY) {
		int capacity = fcntl(fds[0], F_GETPIPE_SZ);
		if (capacity < 0)
			rc = -EAGAIN; /* size unknown: the memfd tells */
		else if (pending >= capacity) /* full: the program may be cut */
			rc = (size_t)capacity > PROGRAM_LIMIT ? -E2BIG : -EAGAIN;
	}
	if (rc == 0 && (*insns = malloc((size_t)pending)) == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		/* One read takes everything a pipe holds, up to the length asked. */
		ssize_t got = read(fds[0], *insns, (size_t)pending);
		if (got < 0)
			rc = -errno;
		else if (got != pending)
			rc = -EIO;
		else
			*size = (size_t)got;
		if (rc != 0) { /* the caller may try the memfd with the same pointer */
			free(*insns);
			*insns = NULL;
		}
	}
	close(fds[0]);
	return rc;
}

/* Through a memfd, when the pipe cannot be large enough. */
static int export_through_memfd(scmp_filter_ctx ctx, struct sock_filter **insns, size_t *size)
{
	int fd = memfd_create("netfence-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = seccomp_export_bpf(ctx, fd);
	struct stat st;
	if (rc == 0 && fstat(fd, &st) != 0)
		rc = -errno;
	if (rc == 0 && (st.st_size <= 0 || (size_t)st.st_size > PROGRAM_LIMIT))
		rc = -E2BIG;
	if (rc == 0 && (*insns = malloc((size_t)st.st_size)) == NULL)
		rc = -ENOMEM;
	if (rc == 0 && pread(fd, *insns, (size_t)st.st_size, 0) != st.st_size)
		rc = -EIO;
	if (rc == 0)
		*size = (size_t)st.st_size;
	close(fd);
	return rc;
}

_Static_assert(sizeof(struct nf_bpf_insn) == sizeof(struct sock_filter), "nf_bpf_insn is a sock_filter");
_Static_assert(offsetof(struct nf_bpf_insn, k) == offsetof(struct sock_filter, k), "nf_bpf_insn.k");

static uint32_t libseccomp_action(uint32_t action)
{
	switch (action) {
	case NF_SECCOMP_NOTIFY: return SCMP_ACT_NOTIFY;
	case NF_SECCOMP_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	default: return SCMP_ACT_ERRNO(action & 0xffff);
	}
}

int nf_seccomp_compile(const struct nf_seccomp_rule *rules, size_t count, uint32_t foreign_abi_action,
		       struct nf_bpf_insn **insns_out, size_t *count_out)
{
	*insns_out = NULL;
	*count_out = 0;
	/* Everything not listed is allowed; a foreign syscall ABI (i386
	 * int 0x80 from a 64-bit process, and x32 numbers, which libseccomp
	 * treats as another architecture) gets the caller's action. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return -ENOMEM;
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, libseccomp_action(foreign_abi_action));
	/* netfence sets no_new_privs itself, in its fixed apply order. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		const struct nf_seccomp_rule *rule = &rules[i];
		int nr = rule->syscall;
		uint32_t action = libseccomp_action(rule->action);
		struct scmp_arg_cmp cmp[3];
		for (uint32_t c = 0; c < rule->count && c < 3; c++) {
			cmp[c].arg = rule->cmp[c].arg;
			cmp[c].op = compare_op(rule->cmp[c].op);
			if (rule->cmp[c].op == NF_CMP_MASKED_EQ) {
				cmp[c].datum_a = rule->cmp[c].mask;
				cmp[c].datum_b = rule->cmp[c].datum;
			} else {
				cmp[c].datum_a = rule->cmp[c].datum;
				cmp[c].datum_b = 0;
			}
		}
		/* _exact: never let libseccomp rewrite a rule it cannot
		 * express on this architecture. */
		rc = seccomp_rule_add_exact_array(ctx, action, nr, rule->count, cmp);
	}
	if (rc != 0) {
		seccomp_release(ctx);
		return rc < 0 ? rc : -EINVAL;
	}
	/* libseccomp 2.5 can only export to a file descriptor. */
	struct sock_filter *insns = NULL;
	size_t size = 0;
	rc = export_through_pipe(ctx, &insns, &size);
	if (rc == -EAGAIN) /* the pipe cannot hold the largest program */
		rc = export_through_memfd(ctx, &insns, &size);
	seccomp_release(ctx);
	/* libseccomp's programs end with a return; anything else was cut. */
	if (rc == 0 && (size == 0 || size % sizeof(struct sock_filter) != 0 || size / sizeof(struct sock_filter) > BPF_MAXINSNS ||
			BPF_CLASS(insns[size / sizeof(struct sock_filter) - 1].code) != BPF_RET))
		rc = -E2BIG;
	if (rc != 0) {
		free(insns);
		return rc;
	}
	*insns_out = (struct nf_bpf_insn *)insns;
	*count_out = size / sizeof(struct sock_filter);
	return 0;
}

uint32_t nf_seccomp_native_arch(void)
{
	return seccomp_arch_native();
}

int nf_seccomp_load(const struct nf_bpf_insn *insns, size_t count, uint32_t flags)
{
	struct sock_fprog prog = {
		.len = (unsigned short)count,
		.filter = (struct sock_filter *)insns,
	};
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	return rc < 0 ? -errno : (int)rc;
}
