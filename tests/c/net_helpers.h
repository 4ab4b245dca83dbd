/* SPDX-License-Identifier: MIT */
/*
 * Socket and process helpers shared by the C test programs (the C ABI suite
 * and the escape suite), and their NETFENCE_EXPECT_ABI check and exit
 * statuses. Socket helpers return 0 or a positive errno.
 * Include after <netinet/in.h>, <sys/socket.h>, <errno.h>, <string.h> and
 * <unistd.h>, with _GNU_SOURCE defined.
 */
#ifndef NETFENCE_TEST_NET_HELPERS_H
#define NETFENCE_TEST_NET_HELPERS_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The loopback address of `family` (AF_INET or AF_INET6) at `port`. */
static inline void make_addr(int family, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		in6->sin6_addr = in6addr_loopback;
		*len = sizeof(*in6);
	}
}

static inline int bind_fd(int fd, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	make_addr(family, port, &ss, &len);
	return bind(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
}

static inline int connect_fd(int fd, int family, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	make_addr(family, port, &ss, &len);
	return connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
}

/* op (bind_fd or connect_fd) on a fresh TCP socket, which is then closed. */
static inline int try_tcp(int family, int protocol, uint16_t port, int (*op)(int fd, int family, uint16_t port))
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return errno;
	int err = op(fd, family, port);
	close(fd);
	return err;
}

/* bind a fresh TCP socket (protocol 0 or IPPROTO_TCP) and close it. */
static inline int try_bind(int family, int protocol, uint16_t port)
{
	return try_tcp(family, protocol, port, bind_fd);
}

static inline int try_connect(int family, uint16_t port)
{
	return try_tcp(family, 0, port, connect_fd);
}

/* errno of socket(family, type, protocol), 0 if it was created. */
static inline int try_socket(int family, int type, int protocol)
{
	int fd = socket(family, type, protocol);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static inline int try_socketpair(int family, int type)
{
	int sv[2];
	if (socketpair(family, type, 0, sv) < 0)
		return errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static inline uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				       : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A listening socket on an ephemeral loopback port (made before restricting). */
static inline int listener(int family, uint16_t *port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind_fd(fd, family, 0) != 0 || listen(fd, 16) < 0)
		return -1;
	*port = local_port(fd);
	return fd;
}

/* A port free right now on both loopback families (bound, then released). */
static inline uint16_t free_port(void)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind_fd(fd, AF_INET6, 0) != 0)
			return 0;
		uint16_t port = local_port(fd);
		close(fd);
		if (try_bind(AF_INET, 0, port) == 0)
			return port;
	}
	return 0;
}

/* A thread body that waits forever. */
static inline void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* A child process that waits forever (a process outside the sandbox), or
 * -1 when fork() fails; end it with end_child(). */
static inline pid_t paused_child(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

/* Kills and reaps a child of paused_child(), traced or not; a pid <= 0 is
 * ignored (kill(-1) would signal every process). */
static inline void end_child(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) == pid && !WIFEXITED(status) && !WIFSIGNALED(status))
		; /* a ptrace stop is reported first */
}

/* This program's path (/proc/self/exe) into buf: 0, or -1. */
static inline int self_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Exit status of a test program when nothing failed but something was
 * skipped (as automake's): tests/run.sh counts the suite as skipped. */
#define EXIT_SKIPPED 77

/* NETFENCE_EXPECT_ABI=N (set by CI, docs/testing.md): the tests must run on
 * Landlock ABI N, and a case that would skip for lack of a kernel feature
 * fails instead. Returns N, 0 when the variable is unset or empty, or -1
 * (after printing why) when it is not an ABI number. */
static inline int expected_abi(void)
{
	const char *text = getenv("NETFENCE_EXPECT_ABI");
	if (text == NULL || text[0] == '\0')
		return 0;
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < 1 || value > 1000) {
		printf("FAIL NETFENCE_EXPECT_ABI=\"%s\" is not a Landlock ABI number\n", text);
		return -1;
	}
	return (int)value;
}

/* The NETFENCE_EXPECT_ABI check of a test program, given expected_abi()'s
 * answer and the ABI netfence reports: 0 when there is nothing to compare or
 * they agree, else 1 after printing why. */
static inline int abi_mismatch(const char *suite, int expect, int abi)
{
	if (expect < 0)
		return 1;
	if (expect > 0 && abi != expect) {
		printf("FAIL %s: netfence reports Landlock ABI %d, NETFENCE_EXPECT_ABI=%d\n", suite, abi, expect);
		return 1;
	}
	return 0;
}

#endif
