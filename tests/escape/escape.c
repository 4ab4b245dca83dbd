/* SPDX-License-Identifier: MIT */
/*
 * The escape suite: known ways around a network sandbox, each tried in its
 * own child process under netfence, with the outcome the security model
 * documents (docs/security-model.md). Prints a table; exits non-zero if any
 * outcome differs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
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

/* The sandbox used by most cases: no socket but TCP, no port, no listen
 * except on `listen_port` (0: none). */
static int sandbox(uint16_t listen_port)
{
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_sockets(rs);
	if (rc == 0)
		rc = netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NET_ALL);
	if (rc == 0 && listen_port)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_LISTEN_TCP, listen_port);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, NULL);
	netfence_ruleset_free(rs);
	return rc;
}

/* Outcomes a case reports through its exit code. */
enum { DENIED_EACCES = 10, DENIED_ENOSYS = 11, REFUSED_EBUSY = 12, ALLOWED = 13, NOT_ROOT = 14, DENIED_EPERM = 15,
       DENIED_EOPNOTSUPP = 16, SETUP = 99 };

static const char *outcome_name(int status)
{
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSYS ? "killed (SIGSYS)" : "killed (other signal)";
	switch (WEXITSTATUS(status)) {
	case DENIED_EACCES: return "denied (EACCES)";
	case DENIED_ENOSYS: return "denied (ENOSYS)";
	case REFUSED_EBUSY: return "refused (EBUSY)";
	case ALLOWED: return "allowed";
	case NOT_ROOT: return "not root";
	case DENIED_EPERM: return "denied (EPERM)";
	case DENIED_EOPNOTSUPP: return "denied (EOPNOTSUPP)";
	case SETUP: return "setup failed";
	default: return "unexpected";
	}
}

static int result_of(int err)
{
	return err == 0 ? ALLOWED : err == EACCES ? DENIED_EACCES : err == ENOSYS ? DENIED_ENOSYS : err == EPERM ? DENIED_EPERM
		: err == EOPNOTSUPP ? DENIED_EOPNOTSUPP : 1;
}

static int case_io_uring(void)
{
	if (sandbox(0))
		return SETUP;
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	return syscall(SYS_io_uring_setup, 4, &params) < 0 ? result_of(errno) : ALLOWED;
}

static int case_i386_socket(void)
{
	if (sandbox(0))
		return SETUP;
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(359), "b"(AF_UNIX), "c"(SOCK_STREAM), "d"(0) : "memory");
	return ret >= 0 ? ALLOWED : result_of((int)-ret);
}

static int case_i386_socketcall(void)
{
	if (sandbox(0))
		return SETUP;
	static unsigned int args[3] = {AF_UNIX, SOCK_STREAM, 0};
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(102), "b"(1), "c"(args) : "memory");
	return ret >= 0 ? ALLOWED : result_of((int)-ret);
}

static int case_x32_socket(void)
{
	if (sandbox(0))
		return SETUP;
	long ret = syscall(0x40000000L | 41, (long)AF_UNIX, (long)SOCK_STREAM, 0L);
	return ret >= 0 ? ALLOWED : result_of(errno);
}

static int case_mptcp(void)
{
	return sandbox(0) ? SETUP : result_of(try_socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP));
}

static int case_sctp(void)
{
	return sandbox(0) ? SETUP : result_of(try_socket(AF_INET6, SOCK_SEQPACKET, 0));
}

static int case_socketpair(void)
{
	return sandbox(0) ? SETUP : result_of(try_socketpair(AF_UNIX, SOCK_STREAM));
}

static int case_listen_without_bind(void)
{
	if (sandbox(free_port())) /* listen allowed on one port, but not unbound */
		return SETUP;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	return listen(fd, 4) < 0 ? result_of(errno) : ALLOWED;
}

static int case_unspec_then_listen(void)
{
	uint16_t port = 0;
	if (listener(AF_INET, &port) < 0)
		return SETUP;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect_fd(fd, AF_INET, port) != 0 || sandbox(free_port()))
		return SETUP;
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	connect(fd, &unspec, sizeof(unspec));
	return listen(fd, 4) < 0 ? result_of(errno) : ALLOWED;
}

static int case_preexisting_thread(void)
{
	pthread_t thread;
	pthread_create(&thread, NULL, idle_thread, NULL);
	netfence_ruleset *rs = NULL;
	netfence_ruleset_new(&rs);
	netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP);
	int rc = netfence_ruleset_restrict_self(rs, 0, NULL);
	return rc == -EBUSY ? REFUSED_EBUSY : rc == 0 ? ALLOWED : 1;
}

static char setuid_helper[64];

static int case_setuid_exec(void)
{
	if (geteuid() != 0)
		return NOT_ROOT;
	if (setgid(65534) || setuid(65534) || sandbox(0))
		return SETUP;
	/* no_new_privs: the setuid-root bit is ignored on exec. */
	char *argv[] = {setuid_helper, "--whoami", NULL};
	pid_t pid = fork();
	if (pid == 0) {
		execv(setuid_helper, argv);
		_exit(SETUP);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	/* The helper exits 0 if it runs as root. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ALLOWED : DENIED_EPERM;
}

static int receive_fd(int sock)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	char control[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	return fd;
}

static int case_scm_rights(void)
{
	/* An unrestricted process hands a UDP socket to the sandboxed one. */
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair))
		return SETUP;
	pid_t helper = fork();
	if (helper == 0) {
		int udp = socket(AF_INET, SOCK_DGRAM, 0);
		char byte = 'f';
		struct iovec iov = {.iov_base = &byte, .iov_len = 1};
		char control[CMSG_SPACE(sizeof(int))];
		memset(control, 0, sizeof(control));
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &udp, sizeof(int));
		sleep(1);
		_exit(sendmsg(pair[0], &msg, 0) == 1 ? 0 : 1);
	}
	if (sandbox(0))
		return SETUP;
	int fd = receive_fd(pair[1]);
	waitpid(helper, NULL, 0);
	if (fd < 0)
		return SETUP;
	/* Restrictions apply to actions, not to existing descriptors: sending works. */
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1 ? ALLOWED : result_of(errno);
}

static int case_ptrace_outside(void)
{
	pid_t target = paused_child();
	int rc;
	if (sandbox(0)) {
		rc = SETUP;
	} else {
		/* Landlock: a sandboxed process cannot trace one outside its domain. */
		rc = ptrace(PTRACE_ATTACH, target, NULL, NULL) < 0 ? result_of(errno) : ALLOWED;
	}
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
		return SETUP;
	make_addr(AF_INET, port, &addr, &len);
	netfence_ruleset *rs = NULL;
	netfence_ruleset_new(&rs);
	netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_CONNECT_TCP);
	netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, 1);
	if (netfence_ruleset_restrict_self(rs, 0, NULL))
		return SETUP;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&addr, len) == 1)
		return ALLOWED;
	return result_of(errno);
}

static int case_seccomp_only_ptrace(void)
{
	pid_t target = paused_child();
	netfence_ruleset *rs = NULL;
	netfence_ruleset_new(&rs);
	netfence_ruleset_handle_sockets(rs);
	netfence_ruleset_allow_socket(rs, AF_UNIX, NETFENCE_ANY, NETFENCE_ANY);
	int rc = netfence_ruleset_restrict_self(rs, 0, NULL) ? SETUP
		 : ptrace(PTRACE_ATTACH, target, NULL, NULL) < 0 ? result_of(errno) : ALLOWED;
	end_child(target);
	return rc;
}

struct escape {
	const char *name;
	int (*fn)(void);
	int expected_signal; /* SIGSYS, or 0 */
	int expected_exit;
	const char *why;
};

static struct escape cases[] = {
	{"io_uring_setup (socket ops without socket())", case_io_uring, 0, DENIED_ENOSYS, "io_uring blocked: programs fall back"},
	{"i386 int 0x80 socket()", case_i386_socket, SIGSYS, 0, "foreign ABI kills the process"},
	{"i386 int 0x80 socketcall()", case_i386_socketcall, SIGSYS, 0, "foreign ABI kills the process"},
	{"x32 socket()", case_x32_socket, SIGSYS, 0, "x32 numbers count as a foreign ABI"},
	{"MPTCP socket (escapes Landlock TCP rules)", case_mptcp, 0, DENIED_EACCES, "bypass protocols denied"},
	{"SCTP via SOCK_SEQPACKET protocol 0", case_sctp, 0, DENIED_EACCES, "bypass protocols denied"},
	{"socketpair(AF_UNIX)", case_socketpair, 0, DENIED_EACCES, "socketpair follows the allow-list"},
	{"listen() without bind (autobind)", case_listen_without_bind, 0, DENIED_EACCES, "needs a port-0 listen rule"},
	{"connect(AF_UNSPEC) then listen()", case_unspec_then_listen, 0, DENIED_EACCES, "unbound again: port-0 rule"},
	{"a thread that existed before restrict_self", case_preexisting_thread, 0, REFUSED_EBUSY, "refused unless CALLING_THREAD_ONLY"},
	{"exec of a setuid-root binary as non-root", case_setuid_exec, 0, DENIED_EPERM, "no_new_privs ignores setuid"},
	{"fd passed over SCM_RIGHTS (UDP socket)", case_scm_rights, 0, ALLOWED, "documented: existing fds keep working"},
	{"ptrace of a process outside the sandbox", case_ptrace_outside, 0, DENIED_EPERM, "Landlock ptrace restriction"},
	{"TCP Fast Open to an unallowed port", case_fast_open, 0, DENIED_EOPNOTSUPP, "MSG_FASTOPEN refused: connect() is checked"},
	{"ptrace out of a seccomp-only sandbox", case_seccomp_only_ptrace, 0, DENIED_EPERM, "isolation Landlock domain"},
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--whoami") == 0)
		return geteuid() == 0 ? 0 : 1;
	/* A setuid-root copy of ourselves answers whether exec gave it root. */
	snprintf(setuid_helper, sizeof(setuid_helper), "/tmp/netfence-escape-suid-%d", getpid());
	int have_helper = 0;
	if (geteuid() == 0) {
		char self[4096];
		if (self_exe(self, sizeof(self)) == 0) {
			int in = open(self, O_RDONLY), out = open(setuid_helper, O_WRONLY | O_CREAT | O_TRUNC, 0755);
			char buf[65536];
			ssize_t got;
			while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof(buf))) > 0)
				if (write(out, buf, (size_t)got) != got)
					break;
			close(in);
			close(out);
			have_helper = chmod(setuid_helper, 04755) == 0;
		}
	}
	(void)have_helper;
	/* From Landlock ABI 8, TSYNC restricts the other threads too: then the
	 * call succeeds (and covers them) instead of refusing. */
	if (netfence_landlock_abi() >= 8) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (cases[i].fn == case_preexisting_thread) {
				cases[i].expected_exit = ALLOWED;
				cases[i].why = "TSYNC (ABI 8) covers every thread";
			}
	}
	int passed = 0, failed = 0;
	printf("%-46s %-18s %-18s %s\n", "escape attempt", "expected", "observed", "");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct escape *c = &cases[i];
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(c->fn());
		int status = 0;
		waitpid(pid, &status, 0);
		int ok = c->expected_signal ? WIFSIGNALED(status) && WTERMSIG(status) == c->expected_signal
					    : WIFEXITED(status) && (WEXITSTATUS(status) == c->expected_exit || WEXITSTATUS(status) == NOT_ROOT);
		int expected_status = c->expected_signal ? c->expected_signal : c->expected_exit << 8;
		printf("%-46s %-18s %-18s %s  (%s)\n", c->name, outcome_name(expected_status), outcome_name(status),
		       ok ? "ok" : "FAIL", c->why);
		ok ? passed++ : failed++;
	}
	unlink(setuid_helper);
	printf("escape: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
