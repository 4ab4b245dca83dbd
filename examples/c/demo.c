/* SPDX-License-Identifier: MIT */
/*
 * netfence demo: a process binds its listeners early, then gives up every
 * TCP bind and connect except the ones it needs, and shows the result.
 *
 * Build: cc demo.c $(pkg-config --cflags --libs netfence)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netfence.h>

/* A TCP socket bound to 127.0.0.1:port (port 0: the kernel picks one). */
static int tcp_socket_bound(uint16_t port, uint16_t *bound_port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	socklen_t len = sizeof(addr);
	getsockname(fd, (struct sockaddr *)&addr, &len);
	if (bound_port)
		*bound_port = ntohs(addr.sin_port);
	return fd;
}

/* A port that is free right now (bound then released). */
static uint16_t free_port(void)
{
	uint16_t port = 0;
	int fd = tcp_socket_bound(0, &port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* One line per attempt; a denial names the rule that denied it. */
static void show(const char *what, uint16_t port, int err, const char *rule)
{
	printf("  %-8s 127.0.0.1:%-5u  %s", what, port, err == 0 ? "allowed" : "DENIED");
	if (err != 0)
		printf(" (%s) by %s", strerror(err), rule);
	printf("\n");
}

static int try_bind(uint16_t port)
{
	int fd = tcp_socket_bound(port, NULL);
	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

static int try_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int err = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? errno : 0;
	close(fd);
	return err;
}

int main(void)
{
	printf("netfence %s, kernel Landlock ABI %d\n", netfence_version(), netfence_landlock_abi());

	/* Bind early: two listeners stand for a database and some other service. */
	uint16_t database = 0, other = 0;
	int db_fd = tcp_socket_bound(0, &database);
	int other_fd = tcp_socket_bound(0, &other);
	if (db_fd < 0 || other_fd < 0 || listen(db_fd, 8) < 0 || listen(other_fd, 8) < 0) {
		perror("setting up listeners");
		return 1;
	}
	uint16_t service_port = free_port();
	uint16_t stray_port = free_port();

	/* Restrict: bind only on service_port, connect only to the database
	 * (as a one-port range, to show the range call). */
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP);
	if (rc == 0)
		rc = netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP, service_port);
	if (rc == 0)
		rc = netfence_ruleset_allow_port_range(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, database, database);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &st);
	if (rc < 0) {
		/* Read the message before any other netfence call. */
		fprintf(stderr, "demo: %s (%s)\n", netfence_last_error(), netfence_strerror(rc));
		netfence_ruleset_free(rs);
		return 1;
	}
	netfence_ruleset_free(rs);
	char *report = NULL;
	if (netfence_status_format(&st, NETFENCE_FORMAT_TEXT, &report) == 0) {
		printf("== enforcement report (netfence_status_format)\n%s", report);
		netfence_free(report);
	}
	printf("== policy: bind only %u, connect only %u\n", service_port, database);

	char bind_rule[64], connect_rule[64];
	snprintf(bind_rule, sizeof(bind_rule), "the bind rule (port %u only)", service_port);
	snprintf(connect_rule, sizeof(connect_rule), "the connect rule (port %u only)", database);
	show("bind", service_port, try_bind(service_port), bind_rule);
	show("bind", stray_port, try_bind(stray_port), bind_rule);
	show("connect", database, try_connect(database), connect_rule);
	show("connect", other, try_connect(other), connect_rule);

	close(db_fd);
	close(other_fd);
	return st.enforced == NETFENCE_ENFORCED_FULL ? 0 : 2;
}
