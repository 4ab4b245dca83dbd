/* SPDX-License-Identifier: MIT */
/*
 * The seccomp layer's C side: compiling netfence's deny rules with
 * libseccomp into a classic BPF program (prepared before anything is
 * applied), and the listen() supervisor (seccomp user notification).
 */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

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

int nf_seccomp_compile(const struct nf_seccomp_rule *rules, size_t count, struct nf_bpf_program *out)
{
	memset(out, 0, sizeof(*out));
	/* Everything not listed is allowed; a foreign syscall ABI (i386
	 * int 0x80 from a 64-bit process, and x32 numbers, which libseccomp
	 * treats as another architecture) kills the process: it could
	 * otherwise reach socket()/socketcall() under numbers this filter
	 * does not check. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return -ENOMEM;
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* netfence sets no_new_privs itself, in its fixed apply order. */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; rc == 0 && i < count; i++) {
		const struct nf_seccomp_rule *rule = &rules[i];
		int nr = rule->syscall;
		uint32_t action = rule->action == NF_SECCOMP_NOTIFY ? SCMP_ACT_NOTIFY
				  : SCMP_ACT_ERRNO(rule->action & 0xffff);
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
	out->filter = insns;
	out->length = (uint32_t)(size / sizeof(struct sock_filter));
	return 0;
}

void nf_seccomp_free(struct nf_bpf_program *program)
{
	free(program->filter);
	program->filter = NULL;
	program->length = 0;
}

int nf_seccomp_load(const struct nf_bpf_program *program, uint32_t flags)
{
	struct sock_fprog prog = {
		.len = (unsigned short)program->length,
		.filter = program->filter,
	};
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	return rc < 0 ? -errno : (int)rc;
}

/* ---- the listen() supervisor ---- */

static int send_fd(int sock, int fd)
{
	char byte = 'n';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int nf_send_fd(int sock, int fd)
{
	return send_fd(sock, fd);
}

static int receive_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return -1;
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

/* A numeric field of a /proc status file ("\nTgid:"), or -errno. The file
 * is a few KiB (more with long Groups or cpu lists): read it whole. */
static int status_field(const char *path, const char *field)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[32768];
	size_t used = 0;
	ssize_t n;
	while (used + 1 < sizeof(buf) && (n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	if (used == 0)
		return -EIO;
	buf[used] = '\0';
	const char *line = strstr(buf, field);
	if (line == NULL)
		return -ENOENT;
	return atoi(line + strlen(field));
}

/* The thread group of a thread id, or -1. */
static int thread_group_of(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	int tgid = status_field(path, "\nTgid:");
	return tgid > 0 ? tgid : -1;
}

/*
 * Decide and perform one listen(). Race-free by construction: the socket is
 * duplicated out of the target (pidfd_getfd), its port is read from that
 * duplicate, and listen() is performed on that same duplicate (the same
 * socket object). Whatever the target does to its descriptor table
 * meanwhile, only the object that was checked can start listening.
 * Returns the value for the target: 0 or -errno.
 */
static int supervise_listen(int notify_fd, const struct seccomp_notif *req, const uint64_t *ports, int allow_unbound)
{
	/* req->pid is a thread id: listen() may come from any thread. A pidfd
	 * of the thread (PIDFD_THREAD, Linux 6.9) or, before, of its thread
	 * group (the descriptor table is shared by the threads). */
	int pidfd = (int)syscall(SYS_pidfd_open, req->pid, 0x80 /* PIDFD_THREAD */);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, req->pid, 0);
	if (pidfd < 0 && errno == EINVAL) {
		int tgid = thread_group_of(req->pid);
		if (tgid > 0)
			pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	}
	if (pidfd < 0)
		return -EACCES;
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)req->data.args[0], 0);
	int getfd_errno = errno;
	close(pidfd);
	/* The notification must still be live (the target may have died and
	 * its pid been reused before pidfd_open). */
	uint64_t id = req->id;
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) {
		if (fd >= 0)
			close(fd);
		return -EACCES;
	}
	if (fd < 0)
		return getfd_errno == EBADF ? -EBADF : -EACCES; /* fail closed */
	int domain = 0, protocol = 0;
	socklen_t len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
		int err = errno;
		close(fd);
		return err == ENOTSOCK ? -ENOTSOCK : -EACCES;
	}
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) {
		close(fd);
		return -EACCES;
	}
	if ((domain == AF_INET || domain == AF_INET6) && (protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP)) {
		uint16_t port = local_port(fd);
		/* Port 0: never bound (or disconnected with AF_UNSPEC); listen()
		 * would autobind an ephemeral port, which Landlock never checks. */
		int allowed = port == 0 ? allow_unbound : (int)((ports[port >> 6] >> (port & 63)) & 1);
		if (!allowed) {
			close(fd);
			return -EACCES;
		}
	}
	int backlog = (int)req->data.args[1];
	int rc = listen(fd, backlog) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

static void supervisor_main(int sock, const uint64_t *ports, int allow_unbound, void *caps, int nr_listen)
{
	/* Our socket first out of 0-2 (the caller may have closed its stdio,
	 * and the socket then got one of those numbers). */
	if (sock < 3) {
		int moved = fcntl(sock, F_DUPFD, 3);
		if (moved < 0)
			_exit(1);
		sock = moved;
	}
	/* Hold nothing of the target's: a lingering copy of its stdout would
	 * keep a reader waiting for EOF. */
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(1);
		sock = 3;
	}
	close_range(4, ~0U, 0);
	/* Not ptrace-able by the sandboxed process, and no capability beyond
	 * the target's own (pidfd_getfd needs a superset of them). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (caps != NULL)
		cap_set_proc(caps);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int notify_fd = receive_fd(sock);
	close(sock);
	if (notify_fd < 0)
		_exit(0);
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	for (;;) {
		struct pollfd pfd = {.fd = notify_fd, .events = POLLIN};
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		/* POLLHUP: every process using the filter is gone. */
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			_exit(0);
		memset(&req, 0, sizeof(req));
		if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0)
			continue; /* ENOENT: the target went away meanwhile */
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = req.data.nr == nr_listen ? supervise_listen(notify_fd, &req, ports, allow_unbound) : -EACCES;
		ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

int nf_supervisor_start(const uint64_t *ports, int allow_unbound, void *caps, int set_ptracer, int *sock_out,
			int32_t *pid_out)
{
	int nr_listen = NF_SYSCALL_LISTEN;
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
		return -errno;
	int pidpipe[2];
	if (pipe2(pidpipe, O_CLOEXEC) != 0) {
		int err = errno;
		close(pair[0]);
		close(pair[1]);
		return -err;
	}
	/* Double fork: the supervisor is not our child (no zombie for the
	 * caller to reap, and under Yama the sandboxed process cannot ptrace
	 * it as a descendant). */
	/* No handler of the caller may run in the middle or supervisor process
	 * before they reset them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pid_t middle = fork();
	if (middle != 0)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (middle < 0) {
		int err = errno;
		close(pair[0]);
		close(pair[1]);
		close(pidpipe[0]);
		close(pidpipe[1]);
		return -err;
	}
	if (middle == 0) {
		close(pair[0]);
		close(pidpipe[0]);
		pid_t supervisor = fork();
		if (supervisor == 0) {
			close(pidpipe[1]);
			/* None of the caller's signal handlers or masks: it is a
			 * separate program now, and its own session keeps it out
			 * of the caller's process-group signals. */
			for (int sig = 1; sig < NSIG; sig++)
				signal(sig, SIG_DFL);
			sigset_t all;
			sigfillset(&all);
			sigprocmask(SIG_UNBLOCK, &all, NULL);
			setsid();
			supervisor_main(pair[1], ports, allow_unbound, caps, nr_listen);
			_exit(0);
		}
		int32_t pid = supervisor;
		ssize_t ignored = write(pidpipe[1], &pid, sizeof(pid));
		(void)ignored;
		_exit(supervisor < 0 ? 1 : 0);
	}
	close(pair[1]);
	close(pidpipe[1]);
	int32_t pid = -1;
	ssize_t n;
	do
		n = read(pidpipe[0], &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	close(pidpipe[0]);
	int status = 0;
	while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
	}
	if (n != sizeof(pid) || pid <= 0) {
		close(pair[0]);
		return -EAGAIN;
	}
	/* Let the supervisor duplicate our descriptors even under Yama
	 * ptrace_scope 1 (it is not our ancestor). EINVAL: no Yama. For spawn,
	 * the child sets it for itself instead: the caller stays untouched. */
	if (set_ptracer)
		prctl(PR_SET_PTRACER, (unsigned long)pid, 0, 0, 0);
	*sock_out = pair[0];
	*pid_out = pid;
	return 0;
}

int nf_seccomp_filter_available(void)
{
	/* Kernels with filter support answer EFAULT to a NULL program, others EINVAL. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL);
	return rc < 0 && errno == EFAULT;
}

int nf_seccomp_action_available(uint32_t action)
{
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

int nf_read_int_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[32];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return atoi(buf);
}

int nf_seccomp_filter_count(void)
{
	/* The calling thread's filters: that is the chain a new filter joins. */
	return status_field("/proc/thread-self/status", "\nSeccomp_filters:");
}
