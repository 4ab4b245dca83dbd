/* SPDX-License-Identifier: MIT */
/*
 * A TCP server, "bind early, then restrict": started as root it binds a
 * privileged port (80, or the first free port below), then drops every
 * capability, allows only its own protocol (TCP over IPv4/IPv6) and listening
 * on its own port, denies every other bind and every outgoing connect, and
 * serves a loopback client. Finally it shows what it can no longer do.
 *
 * Build: cc tcp_server.c $(pkg-config --cflags --libs netfence)
 * Run as root (it exits 77 otherwise: there would be no privilege to drop).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netfence.h>

static int tcp_socket(void)
{
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return addr;
}

/* errno of bind(2) on a fresh socket, 0 on success. */
static int try_bind(uint16_t port)
{
	int fd = tcp_socket();
	struct sockaddr_in addr = loopback(port);
	int err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? errno : 0;
	close(fd);
	return err;
}

static int try_connect(uint16_t port)
{
	int fd = tcp_socket();
	struct sockaddr_in addr = loopback(port);
	int err = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? errno : 0;
	close(fd);
	return err;
}

static void show(const char *what, int err)
{
	printf("  %-44s %s%s%s\n", what, err ? "DENIED (" : "allowed", err ? strerror(err) : "", err ? ")" : "");
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "tcp_server: run as root (it shows dropping root's capabilities)\n");
		return 77;
	}

	/* 1. Bind early, with root's privileges. */
	int listener = -1;
	uint16_t port = 0;
	for (uint16_t candidate = 80; candidate > 0 && listener < 0; candidate--) {
		int fd = tcp_socket();
		struct sockaddr_in addr = loopback(candidate);
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(fd, 16) == 0) {
			listener = fd;
			port = candidate;
		} else {
			close(fd);
		}
	}
	if (listener < 0) {
		perror("binding a privileged port");
		return 1;
	}
	printf("listening on 127.0.0.1:%u (a privileged port, bound as root)\n", port);

	/* A client in a separate, unrestricted process, started before the sandbox. */
	int go[2];
	if (pipe(go) != 0)
		return 1;
	pid_t client = fork();
	if (client == 0) {
		char byte;
		close(go[1]);
		if (read(go[0], &byte, 1) != 1)
			_exit(1);
		int fd = tcp_socket();
		struct sockaddr_in addr = loopback(port);
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || write(fd, "hello", 5) != 5)
			_exit(1);
		close(fd);
		_exit(0);
	}
	close(go[0]);

	/* 2. Drop every capability; allow only TCP sockets, listening on our
	 *    port, and no outgoing connect. */
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_keep_caps(rs, ""); /* keep none */
	if (rc == 0)
		rc = netfence_ruleset_handle_sockets(rs);
	if (rc == 0)
		rc = netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0);
	if (rc == 0)
		rc = netfence_ruleset_allow_socket(rs, AF_INET6, SOCK_STREAM, 0);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP |
						      NETFENCE_ACCESS_NET_LISTEN_TCP);
	if (rc == 0)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_LISTEN_TCP, port);
	/* Landlock allows binding port-1 so that the EACCES shown below can only
	 * come from the missing CAP_NET_BIND_SERVICE (Landlock checks first). */
	if (rc == 0)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP, port > 1 ? port - 1 : 1);
	if (rc == 0)
		rc = netfence_ruleset_set_compat(rs, NETFENCE_COMPAT_HARD_REQUIREMENT);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &st);
	if (rc < 0) {
		fprintf(stderr, "tcp_server: %s\n", netfence_last_error());
		netfence_ruleset_free(rs);
		return 1;
	}
	netfence_ruleset_free(rs);
	char *report = NULL;
	if (netfence_status_format(&st, NETFENCE_FORMAT_TEXT, &report) == 0) {
		printf("sandbox:\n%s", report);
		netfence_free(report);
	}

	/* 3. Serve: the listener bound before the sandbox keeps working. */
	if (write(go[1], "g", 1) != 1)
		return 1;
	int conn = accept(listener, NULL, NULL);
	char buf[16] = {0};
	ssize_t n = conn >= 0 ? read(conn, buf, sizeof(buf) - 1) : -1;
	printf("served a client: %s\n", n > 0 ? buf : "FAILED");
	int status = 0;
	waitpid(client, &status, 0);

	/* What the sandbox now refuses, and why. */
	printf("after the sandbox:\n");
	char what[64];
	snprintf(what, sizeof(what), "bind %u (rule allows it, no CAP_NET_BIND_SERVICE)", port > 1 ? port - 1 : 1);
	show(what, try_bind(port > 1 ? port - 1 : 1));
	show("bind 8080 (Landlock: no BIND_TCP rule)", try_bind(8080));
	show("connect to our own port (no CONNECT_TCP rule)", try_connect(port));
	errno = 0;
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	show("UDP socket (not our protocol)", udp < 0 ? errno : 0);
	errno = 0;
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	show("raw ICMP socket (not our protocol)", raw < 0 ? errno : 0);

	int ok = n == 5 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && st.caps_effective == 0 &&
		 st.caps_bounding == 0 && try_bind(8080) == EACCES && try_connect(port) == EACCES && udp < 0 && raw < 0;
	return ok ? 0 : 1;
}
