/* SPDX-License-Identifier: MIT */
/* The listen() supervisor: a separate process that receives the seccomp notification fd and decides each listen() by the socket's bound port. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int nf_send_fd(int sock, int fd)
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
		int tgid = nf_thread_group_of(req->pid);
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
