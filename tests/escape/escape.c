/* SPDX-License-Identifier: MIT */
/*
 * The escape suite: known ways around a network sandbox, each tried in its
 * own child process under netfence, with the outcome the security model
 * documents (docs/security-model.md). Prints a table.
 *
 * An outcome counts only when the attempt was really made. Each case first
 * shows, without the sandbox, that the attempt can be made here (a control:
 * the operation works, or at least is not already refused the way the
 * sandbox refuses it), then makes it under the sandbox. When the attempt
 * cannot be made (a setup step or the control failed), the case reports
 * "could not run" with the reason and fails; it is never taken for a
 * denial. A case needing a kernel feature this kernel lacks is skipped with
 * the reason (a failure under NETFENCE_EXPECT_ABI); the setuid case is
 * skipped when not root.
 *
 * Exit status: 0 when every case ran and passed, 77 (EXIT_SKIPPED) when
 * nothing failed but a case was skipped, 1 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netfence.h>

#include "../c/net_helpers.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#define NET_ALL (NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP | NETFENCE_ACCESS_NET_LISTEN_TCP)

/* Outcomes a case reports through its exit code. */
enum {
	DENIED_EACCES = 10,
	DENIED_ENOSYS = 11,
	REFUSED_EBUSY = 12,
	ALLOWED = 13,
	DENIED_EPERM = 15,
	DENIED_EOPNOTSUPP = 16,
	RAN_UNPRIVILEGED = 17, /* the setuid helper ran, without root */
	UNEXPECTED = 20,       /* the attempt ran, with another outcome (noted) */
	SKIP_NOT_ROOT = 30,
	SKIP_NO_FEATURE = 31,  /* the kernel lacks what the attempt needs (noted) */
	NOT_RUN = 99,          /* the attempt could not be made (noted): a failure */
};

#define HELPER_RAN 73 /* the setuid helper's exit status (setuid_helper.c) */

static const char *outcome_name(int status)
{
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSYS ? "killed (SIGSYS)" : "killed (other signal)";
	switch (WEXITSTATUS(status)) {
	case DENIED_EACCES: return "denied (EACCES)";
	case DENIED_ENOSYS: return "denied (ENOSYS)";
	case REFUSED_EBUSY: return "refused (EBUSY)";
	case ALLOWED: return "allowed";
	case DENIED_EPERM: return "denied (EPERM)";
	case DENIED_EOPNOTSUPP: return "denied (EOPNOTSUPP)";
	case RAN_UNPRIVILEGED: return "ran, not root";
	case SKIP_NOT_ROOT:
	case SKIP_NO_FEATURE: return "skipped";
	case NOT_RUN: return "could not run";
	default: return "unexpected";
	}
}

/* Where a case writes its notes (why it could not run or was skipped, what
 * it saw): a pipe the runner prints from, one line per note. */
static int note_fd = -1;

static int say(int outcome, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int say(int outcome, const char *format, ...)
{
	if (note_fd >= 0) {
		va_list args;
		va_start(args, format);
		vdprintf(note_fd, format, args);
		va_end(args);
		dprintf(note_fd, "\n");
	}
	return outcome;
}

static int result_of(int err)
{
	switch (err) {
	case 0: return ALLOWED;
	case EACCES: return DENIED_EACCES;
	case ENOSYS: return DENIED_ENOSYS;
	case EPERM: return DENIED_EPERM;
	case EOPNOTSUPP: return DENIED_EOPNOTSUPP;
	default: return say(UNEXPECTED, "the attempt failed with errno %d (%s)", err, strerror(err));
	}
}

/* What the last sandbox() applied. */
static netfence_status sandbox_status = NETFENCE_STATUS_INIT;

/* The sandbox used by most cases: no socket but TCP, no port, no listen
 * except on `listen_port` (0: none). 0 once the seccomp filter is in force,
 * else NOT_RUN (noted). */
static int sandbox_with(uint16_t listen_port, uint64_t scopes)
{
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0 && scopes)
		rc = netfence_ruleset_set_scope(rs, scopes);
	if (rc == 0)
		rc = netfence_ruleset_handle_sockets(rs);
	if (rc == 0)
		rc = netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NET_ALL);
	if (rc == 0 && listen_port)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_LISTEN_TCP, listen_port);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &sandbox_status);
	if (rc != 0)
		say(0, "the sandbox could not be applied: %s", netfence_last_error());
	netfence_ruleset_free(rs);
	if (rc != 0)
		return NOT_RUN;
	if (sandbox_status.seccomp_installed != 1 || sandbox_status.no_new_privs != 1)
		return say(NOT_RUN, "the sandbox is not in force (seccomp filter %d, no_new_privs %d)",
			   (int)sandbox_status.seccomp_installed, (int)sandbox_status.no_new_privs);
	return 0;
}

static int sandbox(uint16_t listen_port)
{
	return sandbox_with(listen_port, 0);
}

static int case_io_uring(void)
{
	/* Control: io_uring works here, so ENOSYS can only be the filter's. */
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	long ring = syscall(SYS_io_uring_setup, 4, &params);
	if (ring < 0)
		return say(SKIP_NO_FEATURE, "io_uring_setup fails without the sandbox too (%s): io_uring is not available",
			   strerror(errno));
	close((int)ring);
	int rc = sandbox(0);
	if (rc)
		return rc;
	memset(&params, 0, sizeof(params));
	ring = syscall(SYS_io_uring_setup, 4, &params);
	return ring < 0 ? result_of(errno) : ALLOWED;
}

/* Control of the i386 cases: the kernel runs int 0x80 system calls (a
 * child asks getpid, i386 number 20). Without IA32 emulation int 0x80
 * faults before any filter sees it: nothing to try. */
static int i386_control(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return say(NOT_RUN, "fork: %s", strerror(errno));
	if (pid == 0) {
		long ret;
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
		_exit(ret == (long)getpid() ? 0 : 1);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return say(NOT_RUN, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return say(SKIP_NO_FEATURE, "the kernel does not run i386 system calls (no IA32 emulation)");
	return 0;
}

static int case_i386_socket(void)
{
	int rc = i386_control();
	if (rc == 0)
		rc = sandbox(0);
	if (rc)
		return rc;
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(359), "b"(AF_UNIX), "c"(SOCK_STREAM), "d"(0) : "memory");
	return ret >= 0 ? ALLOWED : result_of((int)-ret);
}

static int case_i386_socketcall(void)
{
	int rc = i386_control();
	if (rc == 0)
		rc = sandbox(0);
	if (rc)
		return rc;
	static unsigned int args[3] = {AF_UNIX, SOCK_STREAM, 0};
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(102), "b"(1), "c"(args) : "memory");
	return ret >= 0 ? ALLOWED : result_of((int)-ret);
}

/* No control needed: a kernel without x32 answers ENOSYS, never SIGSYS, so
 * the expected SIGSYS can only come from the filter. */
static int case_x32_socket(void)
{
	int rc = sandbox(0);
	if (rc)
		return rc;
	long ret = syscall(0x40000000L | 41, (long)AF_UNIX, (long)SOCK_STREAM, 0L);
	return ret >= 0 ? ALLOWED : result_of(errno);
}

/* A socket() the sandbox must deny with EACCES. Control: the kernel does
 * not answer EACCES by itself (without MPTCP or SCTP it answers
 * EPROTONOSUPPORT, after the filter). */
static int denied_socket(int family, int type, int protocol)
{
	int before = try_socket(family, type, protocol);
	if (before == EACCES)
		return say(NOT_RUN, "socket(%d, %d, %d) fails with EACCES without the sandbox: a denial would prove nothing",
			   family, type, protocol);
	int rc = sandbox(0);
	if (rc)
		return rc;
	if (before != 0)
		say(0, "without the sandbox: %s (the filter answers before the kernel)", strerror(before));
	return result_of(try_socket(family, type, protocol));
}

static int case_mptcp(void)
{
	return denied_socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
}

static int case_sctp(void)
{
	return denied_socket(AF_INET6, SOCK_SEQPACKET, 0);
}

static int case_socketpair(void)
{
	int before = try_socketpair(AF_UNIX, SOCK_STREAM);
	if (before != 0)
		return say(NOT_RUN, "socketpair(AF_UNIX) fails without the sandbox: %s", strerror(before));
	int rc = sandbox(0);
	return rc ? rc : result_of(try_socketpair(AF_UNIX, SOCK_STREAM));
}

/* listen() on a fresh, never-bound TCP socket (the kernel autobinds it). */
static int listen_unbound(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return say(NOT_RUN, "socket(): %s", strerror(errno));
	int rc = listen(fd, 4) < 0 ? result_of(errno) : ALLOWED;
	close(fd);
	return rc;
}

static int case_listen_without_bind(void)
{
	uint16_t port = free_port();
	if (port == 0)
		return say(NOT_RUN, "no free port");
	int rc = listen_unbound(); /* control */
	if (rc != ALLOWED)
		return rc == NOT_RUN ? rc : say(NOT_RUN, "listen() without bind fails without the sandbox");
	rc = sandbox(port); /* listen allowed on one port, but not unbound */
	return rc ? rc : listen_unbound();
}

static int case_unspec_then_listen(void)
{
	uint16_t port = 0, allowed = free_port();
	int server = listener(AF_INET, &port);
	int control = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (server < 0 || allowed == 0 || control < 0 || fd < 0)
		return say(NOT_RUN, "setup: %s", strerror(errno));
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	/* Control: connected, then disconnected, without the sandbox... */
	if (connect_fd(control, AF_INET, port) != 0 || connect(control, &unspec, sizeof(unspec)) != 0)
		return say(NOT_RUN, "connect, then connect(AF_UNSPEC), fails without the sandbox: %s", strerror(errno));
	/* ...then listen() does not fail with EACCES by itself (some kernels
	 * refuse it with EINVAL: then the sandbox's EACCES comes first). */
	if (listen(control, 4) != 0) {
		int err = errno;
		if (err == EACCES)
			return say(NOT_RUN, "listen() fails with EACCES without the sandbox: a denial would prove nothing");
		say(0, "without the sandbox: listen() fails with %s (the sandbox answers before the kernel)", strerror(err));
	}
	close(control);
	if (connect_fd(fd, AF_INET, port) != 0) /* autobound to an ephemeral port */
		return say(NOT_RUN, "connect: %s", strerror(errno));
	int rc = sandbox(allowed);
	if (rc)
		return rc;
	if (connect(fd, &unspec, sizeof(unspec)) != 0)
		return say(NOT_RUN, "connect(AF_UNSPEC) under the sandbox: %s", strerror(errno));
	return listen(fd, 4) < 0 ? result_of(errno) : ALLOWED;
}

/* The other thread: waits for the main one to restrict, then binds. */
static int sibling_go[2];
static uint16_t sibling_port;
static void *sibling_bind(void *arg)
{
	(void)arg;
	char byte;
	if (read(sibling_go[0], &byte, 1) != 1)
		return (void *)(intptr_t)-1;
	return (void *)(intptr_t)try_bind(AF_INET, 0, sibling_port);
}

static int case_preexisting_thread(void)
{
	pthread_t thread;
	sibling_port = free_port();
	if (sibling_port == 0 || pipe(sibling_go) != 0 || pthread_create(&thread, NULL, sibling_bind, NULL) != 0)
		return say(NOT_RUN, "cannot start the other thread");
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &st);
	char message[512];
	snprintf(message, sizeof(message), "%s", netfence_last_error());
	netfence_ruleset_free(rs);
	void *result = NULL;
	if (write(sibling_go[1], "g", 1) != 1 || pthread_join(thread, &result) != 0 || (intptr_t)result < 0)
		return say(NOT_RUN, "the other thread did not run");
	int sibling_err = (int)(intptr_t)result;
	if (rc == -EBUSY) {
		/* Refused before applying anything: both threads still bind. */
		if (st.landlock_applied != 0 || st.no_new_privs != 0 || sibling_err != 0 ||
		    try_bind(AF_INET, 0, sibling_port) != 0)
			return say(UNEXPECTED, "EBUSY, but something was applied");
		return REFUSED_EBUSY;
	}
	if (rc != 0)
		return say(NOT_RUN, "restrict_self: %d (%s)", rc, message);
	/* Applied: the other thread must be restricted as well. */
	say(0, "applied to %s (%u threads)", st.all_threads ? "every thread" : "the calling thread only",
	    (unsigned)st.thread_count);
	return result_of(sibling_err);
}

/* The setuid-root copy of the helper (prepared by the runner when root), or
 * why there is none. */
static char setuid_dir[64], setuid_helper[128], setuid_problem[4608];

/* Runs the setuid helper: the effective user ID it reports, or -1 (noted)
 * when it did not run. */
static int helper_euid(const char *when)
{
	int out[2];
	if (pipe2(out, O_CLOEXEC) != 0) {
		say(0, "%s: pipe: %s", when, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		say(0, "%s: fork: %s", when, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (dup2(out[1], 1) < 0)
			_exit(126);
		char *argv[] = {setuid_helper, NULL};
		execv(setuid_helper, argv);
		_exit(127);
	}
	close(out[1]);
	char text[256];
	size_t used = 0;
	ssize_t n;
	while (used + 1 < sizeof(text) && (n = read(out[0], text + used, sizeof(text) - 1 - used)) > 0)
		used += (size_t)n;
	text[used] = '\0';
	close(out[0]);
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	unsigned int ruid = 0, euid = 0, suid = 0;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != HELPER_RAN ||
	    sscanf(text, "netfence-setuid-helper ran: ruid=%u euid=%u suid=%u", &ruid, &euid, &suid) != 3) {
		text[strcspn(text, "\n")] = '\0';
		say(0, "%s: the setuid helper did not run (wait status 0x%x, output \"%s\")", when, (unsigned)status, text);
		return -1;
	}
	return (int)euid;
}

static int case_setuid_exec(void)
{
	if (geteuid() != 0)
		return say(SKIP_NOT_ROOT, "not root: installing a setuid-root program needs root");
	if (setuid_helper[0] == '\0')
		return say(NOT_RUN, "no setuid helper: %s", setuid_problem);
	if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		return say(NOT_RUN, "cannot become uid 65534: %s", strerror(errno));
	/* Control: without the sandbox, the setuid bit does give root here. */
	int euid = helper_euid("without the sandbox");
	if (euid < 0)
		return NOT_RUN;
	if (euid != 0)
		return say(NOT_RUN, "without the sandbox the setuid-root helper ran with euid %d (nosuid mount?): "
			   "the case would prove nothing", euid);
	int rc = sandbox(0);
	if (rc)
		return rc;
	/* no_new_privs: the setuid-root bit is ignored on exec. */
	euid = helper_euid("under the sandbox");
	if (euid < 0)
		return NOT_RUN;
	return euid == 0 ? ALLOWED : euid == 65534 ? RAN_UNPRIVILEGED : say(UNEXPECTED, "the helper ran with euid %d", euid);
}

/* Copies the setuid helper built next to this program (tests/run.sh) into
 * a fresh directory of /tmp that uid 65534 can reach, owned by root, mode
 * 04755. On failure, setuid_helper is empty and setuid_problem says why. */
static void prepare_setuid_helper(void)
{
	char self[4096], source[4200];
	if (self_exe(self, sizeof(self)) != 0 || strrchr(self, '/') == NULL) {
		snprintf(setuid_problem, sizeof(setuid_problem), "cannot read /proc/self/exe");
		return;
	}
	*strrchr(self, '/') = '\0';
	snprintf(source, sizeof(source), "%s/escape-setuid-helper", self);
	snprintf(setuid_dir, sizeof(setuid_dir), "/tmp/netfence-escape-XXXXXX");
	if (mkdtemp(setuid_dir) == NULL || chmod(setuid_dir, 0755) != 0) {
		snprintf(setuid_problem, sizeof(setuid_problem), "a directory in /tmp: %s", strerror(errno));
		if (setuid_dir[0] != '\0')
			rmdir(setuid_dir);
		setuid_dir[0] = '\0';
		return;
	}
	snprintf(setuid_helper, sizeof(setuid_helper), "%s/setuid-helper", setuid_dir);
	int in = open(source, O_RDONLY | O_CLOEXEC);
	int out = in < 0 ? -1 : open(setuid_helper, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	int ok = in >= 0 && out >= 0;
	char buf[65536];
	ssize_t got = 0;
	while (ok && (got = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)got) == got;
	ok = ok && got == 0 && fchown(out, 0, 0) == 0 && fchmod(out, 04755) == 0;
	int err = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0 && ok) {
		ok = 0;
		err = errno;
	}
	if (!ok) {
		snprintf(setuid_problem, sizeof(setuid_problem), "cannot install %s as a setuid-root copy of %s: %s",
			 setuid_helper, source, strerror(err));
		unlink(setuid_helper);
		setuid_helper[0] = '\0';
	}
}

static void remove_setuid_helper(void)
{
	if (setuid_helper[0] != '\0')
		unlink(setuid_helper);
	if (setuid_dir[0] != '\0')
		rmdir(setuid_dir);
}

static int send_fd(int sock, int fd)
{
	char byte = 'f';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int receive_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int case_scm_rights(void)
{
	/* An unrestricted process hands a UDP socket to the sandboxed one. */
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
		return say(NOT_RUN, "socketpair: %s", strerror(errno));
	pid_t helper = fork();
	if (helper < 0)
		return say(NOT_RUN, "fork: %s", strerror(errno));
	if (helper == 0) {
		close(pair[1]);
		int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		_exit(udp >= 0 && send_fd(pair[0], udp) == 0 ? 0 : 1);
	}
	close(pair[0]);
	int rc = sandbox(0);
	if (rc) {
		end_child(helper);
		return rc;
	}
	int own = try_socket(AF_INET, SOCK_DGRAM, 0);
	int fd = receive_fd(pair[1]);
	int status = 0;
	if (waitpid(helper, &status, 0) != helper)
		status = -1;
	/* The sandbox is in force: this process cannot make a UDP socket itself. */
	if (own != EACCES)
		return say(NOT_RUN, "the sandbox does not deny UDP sockets (%s): the case would prove nothing",
			   own ? strerror(own) : "created");
	if (fd < 0 || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return say(NOT_RUN, "no UDP socket received from the unrestricted process");
	int type = 0;
	socklen_t len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM)
		return say(NOT_RUN, "the descriptor received is not a UDP socket");
	/* Restrictions apply to actions, not to existing descriptors: sending works. */
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1 ? ALLOWED : result_of(errno);
}

/* Control of the ptrace cases: without the sandbox this process may trace
 * a child of its own (no Yama or other LSM refusing it already). */
static int ptrace_control(void)
{
	pid_t control = paused_child();
	if (control < 0)
		return say(NOT_RUN, "fork: %s", strerror(errno));
	errno = 0;
	long traced = ptrace(PTRACE_ATTACH, control, NULL, NULL);
	int err = errno;
	end_child(control);
	if (traced < 0)
		return say(NOT_RUN, "ptrace of a child fails without the sandbox (%s): a denial would prove nothing", strerror(err));
	return 0;
}

static int case_ptrace_outside(void)
{
	int rc = ptrace_control();
	pid_t target = rc ? -1 : paused_child(); /* outside the sandbox to come */
	if (rc == 0 && target < 0)
		rc = say(NOT_RUN, "fork: %s", strerror(errno));
	if (rc == 0)
		rc = sandbox(0);
	if (rc == 0 && sandbox_status.landlock_applied != 1)
		rc = say(NOT_RUN, "no Landlock domain was applied");
	/* Landlock: a sandboxed process cannot trace one outside its domain. */
	if (rc == 0)
		rc = ptrace(PTRACE_ATTACH, target, NULL, NULL) < 0 ? result_of(errno) : ALLOWED;
	end_child(target);
	return rc;
}

static int case_fast_open(void)
{
	/* A client allowed to connect to one port tries another with TFO. */
	uint16_t port = 0;
	struct sockaddr_storage addr;
	socklen_t len;
	if (listener(AF_INET, &port) < 0)
		return say(NOT_RUN, "no listener: %s", strerror(errno));
	make_addr(AF_INET, port, &addr, &len);
	/* Control: TFO connects without the sandbox (with the client side off
	 * in net.ipv4.tcp_fastopen, the kernel itself answers EOPNOTSUPP). */
	int control = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (control < 0)
		return say(NOT_RUN, "socket(): %s", strerror(errno));
	if (sendto(control, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&addr, len) != 1)
		return errno == EOPNOTSUPP
			       ? say(SKIP_NO_FEATURE, "TCP Fast Open is off for clients (net.ipv4.tcp_fastopen)")
			       : say(NOT_RUN, "sendto(MSG_FASTOPEN) fails without the sandbox: %s", strerror(errno));
	close(control);
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_CONNECT_TCP);
	if (rc == 0)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, 1);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, NULL);
	if (rc != 0)
		say(0, "the sandbox could not be applied: %s", netfence_last_error());
	netfence_ruleset_free(rs);
	if (rc != 0)
		return NOT_RUN;
	/* The sandbox is in force: connect() to the port is denied. */
	int err = try_connect(AF_INET, port);
	if (err != EACCES)
		return say(NOT_RUN, "connect() to the port is not denied (%s): the case would prove nothing",
			   err ? strerror(err) : "connected");
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return say(NOT_RUN, "socket() under the sandbox: %s", strerror(errno));
	if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&addr, len) == 1)
		return ALLOWED;
	return result_of(errno);
}

static int case_seccomp_only_ptrace(void)
{
	int rc = ptrace_control();
	pid_t target = rc ? -1 : paused_child(); /* outside the sandbox to come */
	if (rc == 0 && target < 0)
		rc = say(NOT_RUN, "fork: %s", strerror(errno));
	if (rc == 0) {
		netfence_ruleset *rs = NULL;
		int err = netfence_ruleset_new(&rs);
		if (err == 0)
			err = netfence_ruleset_handle_sockets(rs);
		if (err == 0)
			err = netfence_ruleset_allow_socket(rs, AF_UNIX, NETFENCE_ANY, NETFENCE_ANY);
		if (err == 0)
			err = netfence_ruleset_restrict_self(rs, 0, NULL);
		if (err != 0)
			rc = say(NOT_RUN, "the sandbox could not be applied: %s", netfence_last_error());
		netfence_ruleset_free(rs);
	}
	if (rc == 0)
		rc = ptrace(PTRACE_ATTACH, target, NULL, NULL) < 0 ? result_of(errno) : ALLOWED;
	end_child(target);
	return rc;
}

/* ---- io_uring kernel threads (issue 14.3) ---- */

/* An SQPOLL ring set up before restricting has a kernel thread that runs its
 * operations with the credentials of its creation: even with the
 * calling-thread-only flag, restrict_self must refuse (EBUSY). */
static int case_io_uring_sqpoll_thread(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	params.flags = IORING_SETUP_SQPOLL;
	params.sq_thread_idle = 10000;
	int ring = (int)syscall(SYS_io_uring_setup, 4, &params);
	if (ring < 0)
		return say(errno == ENOSYS || errno == EPERM ? SKIP_NO_FEATURE : NOT_RUN, "io_uring_setup(SQPOLL): %s",
			   strerror(errno));
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, NETFENCE_RESTRICT_CALLING_THREAD_ONLY, &sandbox_status);
	if (rc == -EBUSY) {
		say(0, "%s", netfence_last_error());
		/* Accepted explicitly, the call goes through and says what is not covered. */
		int accepted = netfence_ruleset_restrict_self(
			rs, NETFENCE_RESTRICT_CALLING_THREAD_ONLY | NETFENCE_RESTRICT_ACCEPT_IO_URING_THREADS, &sandbox_status);
		if (accepted != 0 || sandbox_status.all_threads != 0 || sandbox_status.enforced != NETFENCE_ENFORCED_PARTIAL)
			rc = say(UNEXPECTED, "with the accept flag: rc %d, all_threads %u, enforced %u", accepted,
				 (unsigned)sandbox_status.all_threads, (unsigned)sandbox_status.enforced);
	}
	netfence_ruleset_free(rs);
	close(ring);
	if (rc == UNEXPECTED)
		return UNEXPECTED;
	return rc == 0 ? ALLOWED : rc == -EBUSY ? REFUSED_EBUSY : result_of(-rc);
}

/* ---- raw and packet sockets around the TCP rules (issue 14.2) ---- */

/* As root (CAP_NET_RAW kept: no capability drop), under TCP rules alone
 * (`netfence run --connect-tcp 443 --bind-tcp ''`): raw IP and packet
 * sockets could complete a TCP handshake by hand with a port connect() may
 * not reach. Each must be refused. */
static int case_raw_and_packet_sockets(void)
{
	if (geteuid() != 0)
		return say(SKIP_NOT_ROOT, "raw and packet sockets need CAP_NET_RAW");
	static const struct {
		int family, type, protocol;
		const char *name;
	} kinds[] = {
		{AF_INET, SOCK_RAW, IPPROTO_TCP, "AF_INET SOCK_RAW IPPROTO_TCP"},
		{AF_INET, SOCK_RAW, IPPROTO_RAW, "AF_INET SOCK_RAW IPPROTO_RAW"},
		{AF_INET6, SOCK_RAW, IPPROTO_TCP, "AF_INET6 SOCK_RAW IPPROTO_TCP"},
		{AF_PACKET, SOCK_RAW, 0x0300, "AF_PACKET SOCK_RAW ETH_P_ALL"},
		{AF_PACKET, SOCK_DGRAM, 0x0008, "AF_PACKET SOCK_DGRAM ETH_P_IP"},
		{AF_INET, SOCK_PACKET, 0x0300, "AF_INET SOCK_PACKET"},
	};
	size_t count = sizeof(kinds) / sizeof(kinds[0]);
	int protocols[sizeof(kinds) / sizeof(kinds[0])];
	for (size_t i = 0; i < count; i++) {
		/* Packet sockets take the Ethernet protocol in network byte order. */
		int packet = kinds[i].family == AF_PACKET || kinds[i].type == SOCK_PACKET;
		protocols[i] = packet ? htons((uint16_t)kinds[i].protocol) : kinds[i].protocol;
		int err = try_socket(kinds[i].family, kinds[i].type | SOCK_CLOEXEC, protocols[i]); /* control */
		if (err != 0)
			return say(NOT_RUN, "%s cannot be created without the sandbox: %s", kinds[i].name, strerror(err));
	}
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP);
	if (rc == 0)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, 443);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &sandbox_status);
	netfence_ruleset_free(rs);
	if (rc != 0)
		return say(NOT_RUN, "the sandbox could not be applied: %s", netfence_last_error());
	if (!(sandbox_status.seccomp_features & NETFENCE_SECCOMP_TCP_BYPASS_BLOCKED))
		return say(UNEXPECTED, "the status does not report the TCP bypasses blocked");
	int outcome = DENIED_EACCES;
	for (size_t i = 0; i < count; i++) {
		int err = try_socket(kinds[i].family, kinds[i].type | SOCK_CLOEXEC, protocols[i]);
		if (err != EACCES) {
			say(0, "%s: %s", kinds[i].name, err ? strerror(err) : "created");
			outcome = err ? result_of(err) : ALLOWED;
		}
	}
	return outcome;
}

/* ---- the listen supervisor ends: the process must not take listen() over ---- */

/* A seccomp filter of the process's own that sends listen() to a
 * notification listener it holds (which could then answer CONTINUE): the
 * listener fd, or -1 with errno. */
static int install_listener_filter(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_listen, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/* Whether `pid` is alive (not gone, not a zombie), from /proc: a signal
 * scope makes kill(pid, 0) answer EPERM for a dead process too. */
static int alive(pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	const char *state = strrchr(text, ')');
	return state != NULL && state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ends the supervisor of a per-port listen rule (with kill, or, when signals
 * are scoped, by lowering its CPU limit and keeping it busy), then tries to
 * install a notification listener of its own and to listen() on a port the
 * rules do not allow, bound before the sandbox, and on an unbound socket. */
static int attack_supervisor(int signals_scoped)
{
	uint16_t allowed = free_port(), other = free_port();
	int allowed_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int other_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int unbound_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (allowed == 0 || other == 0 || allowed == other || allowed_fd < 0 || other_fd < 0 || unbound_fd < 0 ||
	    bind_fd(allowed_fd, AF_INET, allowed) != 0 || bind_fd(other_fd, AF_INET, other) != 0)
		return say(NOT_RUN, "setup: %s", strerror(errno));
	/* Control: here, a process may install a filter with a listener. */
	pid_t control = fork();
	if (control == 0)
		_exit(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && install_listener_filter() >= 0 ? 0 : 1);
	int status = 0;
	if (control < 0 || waitpid(control, &status, 0) != control || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return say(NOT_RUN, "a seccomp filter with a notification listener cannot be installed without the sandbox");
	if (signals_scoped && netfence_landlock_abi() < 6)
		return say(SKIP_NO_FEATURE, "the signal scope needs Landlock ABI 6");
	int rc = sandbox_with(allowed, signals_scoped ? NETFENCE_SCOPE_SIGNAL : 0);
	if (rc)
		return rc;
	pid_t supervisor = sandbox_status.listen_supervisor_pid;
	if (sandbox_status.listen_mode != NETFENCE_LISTEN_PER_PORT || supervisor <= 0)
		return say(NOT_RUN, "no listen supervisor (listen mode %u)", (unsigned)sandbox_status.listen_mode);
	if (listen(allowed_fd, 4) != 0)
		return say(NOT_RUN, "listen() on the allowed port fails under the sandbox: %s", strerror(errno));
	if (!signals_scoped) {
		if (kill(supervisor, SIGKILL) != 0)
			return say(NOT_RUN, "kill(supervisor): %s", strerror(errno));
	} else {
		if (kill(supervisor, SIGKILL) == 0)
			return say(UNEXPECTED, "the signal scope let the process kill the supervisor");
		struct rlimit none = {0, 0};
		if (prlimit(supervisor, RLIMIT_CPU, &none, NULL) != 0)
			return say(NOT_RUN, "prlimit(supervisor, RLIMIT_CPU): %s", strerror(errno));
		/* Each listen() makes the supervisor run, until the kernel ends it. */
		for (double deadline = seconds() + 5; alive(supervisor) && seconds() < deadline;)
			listen(allowed_fd, 4);
	}
	for (double deadline = seconds() + 5; alive(supervisor) && seconds() < deadline;)
		usleep(1000);
	if (alive(supervisor))
		return say(NOT_RUN, "the supervisor is still alive");
	say(0, "the supervisor (pid %d) is gone", (int)supervisor);
	/* The takeover. Had it worked, listen() would now wait for the
	 * process's own listener (which would answer CONTINUE): the escape. */
	int listener_fd = install_listener_filter();
	if (listener_fd >= 0)
		return say(ALLOWED, "the process installed a notification listener of its own");
	int install_errno = errno;
	/* Whatever the process does, listen() where the rules do not allow it fails. */
	if (listen(other_fd, 4) == 0)
		return say(ALLOWED, "listen() on port %u (not allowed) succeeded", other);
	if (listen(unbound_fd, 4) == 0)
		return say(ALLOWED, "listen() on an unbound socket succeeded");
	say(0, "listen() elsewhere now fails with %s", strerror(errno));
	return result_of(install_errno);
}

static int case_supervisor_killed(void)
{
	return attack_supervisor(0);
}

static int case_supervisor_out_of_cpu(void)
{
	return attack_supervisor(1);
}

struct escape {
	const char *name;
	int (*fn)(void);
	int min_abi; /* the Landlock ABI the outcome relies on, or 0 */
	int expected_signal; /* SIGSYS, or 0 */
	int expected_exit;
	const char *why;
};

static struct escape cases[] = {
	{"io_uring_setup (socket ops without socket())", case_io_uring, 0, 0, DENIED_ENOSYS, "io_uring blocked: programs fall back"},
	{"i386 int 0x80 socket()", case_i386_socket, 0, SIGSYS, 0, "foreign ABI kills the process"},
	{"i386 int 0x80 socketcall()", case_i386_socketcall, 0, SIGSYS, 0, "foreign ABI kills the process"},
	{"x32 socket()", case_x32_socket, 0, SIGSYS, 0, "x32 numbers count as a foreign ABI"},
	{"MPTCP socket (escapes Landlock TCP rules)", case_mptcp, 0, 0, DENIED_EACCES, "bypass protocols denied"},
	{"SCTP via SOCK_SEQPACKET protocol 0", case_sctp, 0, 0, DENIED_EACCES, "bypass protocols denied"},
	{"socketpair(AF_UNIX)", case_socketpair, 0, 0, DENIED_EACCES, "socketpair follows the allow-list"},
	{"listen() without bind (autobind)", case_listen_without_bind, 0, 0, DENIED_EACCES, "needs a port-0 listen rule"},
	{"connect(AF_UNSPEC) then listen()", case_unspec_then_listen, 0, 0, DENIED_EACCES, "unbound again: port-0 rule"},
	{"a thread that existed before restrict_self", case_preexisting_thread, 4, 0, REFUSED_EBUSY, "refused unless CALLING_THREAD_ONLY"},
	{"exec of a setuid-root binary as non-root", case_setuid_exec, 0, 0, RAN_UNPRIVILEGED, "no_new_privs ignores setuid"},
	{"fd passed over SCM_RIGHTS (UDP socket)", case_scm_rights, 0, 0, ALLOWED, "documented: existing fds keep working"},
	{"ptrace of a process outside the sandbox", case_ptrace_outside, 1, 0, DENIED_EPERM, "Landlock ptrace restriction"},
	{"TCP Fast Open to an unallowed port", case_fast_open, 4, 0, DENIED_EOPNOTSUPP, "MSG_FASTOPEN refused: connect() is checked"},
	{"ptrace out of a seccomp-only sandbox", case_seccomp_only_ptrace, 1, 0, DENIED_EPERM, "isolation Landlock domain"},
	{"io_uring SQPOLL thread, calling-thread-only", case_io_uring_sqpoll_thread, 0, 0, REFUSED_EBUSY, "io_uring threads are never restricted: refused"},
	{"raw IP and packet sockets under TCP rules (root)", case_raw_and_packet_sockets, 4, 0, DENIED_EACCES, "TCP bypasses denied"},
	{"listen supervisor killed, own listener filter", case_supervisor_killed, 0, 0, DENIED_EACCES, "no new seccomp listener under the supervisor"},
	{"supervisor out of CPU (signals scoped), own listener", case_supervisor_out_of_cpu, 6, 0, DENIED_EACCES, "no new seccomp listener under the supervisor"},
};

/* Prints what a case noted (non-blocking: a process the case left behind,
 * such as a listen supervisor, may still hold the pipe open). */
static void print_notes(int fd)
{
	char text[4096];
	ssize_t n = read(fd, text, sizeof(text) - 1);
	if (n <= 0)
		return;
	text[n] = '\0';
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
		printf("     %s\n", line);
}

int main(void)
{
	int abi = netfence_landlock_abi();
	printf("netfence escape suite (library %s, Landlock ABI %d)\n", netfence_version(), abi);
	int expect = expected_abi();
	int passed = 0, failed = abi_mismatch("escape", expect, abi), skipped = 0;
	if (geteuid() == 0)
		prepare_setuid_helper();
	/* From Landlock ABI 8, TSYNC restricts the other threads too: then the
	 * call succeeds and the other thread's bind is denied. */
	if (abi >= 8) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (cases[i].fn == case_preexisting_thread) {
				cases[i].expected_exit = DENIED_EACCES;
				cases[i].why = "TSYNC (ABI 8) restricts the other thread";
			}
	}
	printf("%-46s %-18s %-18s %s\n", "escape attempt", "expected", "observed", "");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct escape *c = &cases[i];
		int expected_status = c->expected_signal ? c->expected_signal : c->expected_exit << 8;
		if (c->min_abi > 0 && abi < c->min_abi) {
			/* A kernel-feature skip: a failure when the ABI is expected. */
			int fail = expect != 0;
			printf("%-46s %-18s %-18s %s  (needs Landlock ABI %d, the kernel has %d)\n", c->name,
			       outcome_name(expected_status), "skipped", fail ? "FAIL" : "skip", c->min_abi, abi);
			if (fail)
				printf("     NETFENCE_EXPECT_ABI is set: no kernel-feature skip\n");
			fail ? failed++ : skipped++;
			continue;
		}
		int notes[2];
		if (pipe2(notes, O_CLOEXEC) != 0 || fcntl(notes[0], F_SETFL, O_NONBLOCK) != 0) {
			printf("%-46s FAIL: pipe: %s\n", c->name, strerror(errno));
			failed++;
			continue;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			close(notes[0]);
			note_fd = notes[1];
			_exit(c->fn());
		}
		close(notes[1]);
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			printf("%-46s FAIL: cannot run the child: %s\n", c->name, strerror(errno));
			close(notes[0]);
			failed++;
			continue;
		}
		const char *verdict;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (code == SKIP_NOT_ROOT || (code == SKIP_NO_FEATURE && expect == 0)) {
			verdict = "skip";
			skipped++;
		} else if (c->expected_signal ? WIFSIGNALED(status) && WTERMSIG(status) == c->expected_signal
					      : code == c->expected_exit) {
			verdict = "ok";
			passed++;
		} else {
			verdict = "FAIL";
			failed++;
		}
		printf("%-46s %-18s %-18s %s  (%s)\n", c->name, outcome_name(expected_status), outcome_name(status), verdict,
		       c->why);
		if (code == SKIP_NO_FEATURE && expect != 0)
			printf("     NETFENCE_EXPECT_ABI is set: no kernel-feature skip\n");
		print_notes(notes[0]);
		close(notes[0]);
	}
	remove_setuid_helper();
	printf("escape: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	if (failed > 0 || passed + skipped == 0)
		return 1;
	return skipped > 0 ? EXIT_SKIPPED : 0;
}
