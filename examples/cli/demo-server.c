/* SPDX-License-Identifier: MIT */
/*
 * A server for socket activation (sd_listen_fds(3)): it gets its listening
 * socket as fd 3 from `netfence run --listen ...`, serves one client, and
 * shows that it cannot create, bind or listen on any socket itself.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One line per attempt; a denial names the rule of the command line that
 * denied it (the demo's, see demo.sh). */
static void show(const char *what, int err, const char *rule)
{
	if (err == 0)
		printf("[server] %-44s allowed\n", what);
	else
		printf("[server] %-44s DENIED (%s) by %s\n", what, strerror(err), rule);
	fflush(stdout);
}

int main(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	if (fds == NULL || pid == NULL || atoi(fds) < 1 || atoi(pid) != getpid()) {
		fprintf(stderr, "[server] not socket-activated (LISTEN_FDS/LISTEN_PID)\n");
		return 1;
	}
	int listener = 3;
	int conn = accept(listener, NULL, NULL);
	show("accept a client on the inherited fd 3", conn < 0 ? errno : 0, "nothing (unexpected)");
	if (conn >= 0) {
		char request[64] = {0};
		ssize_t n = read(conn, request, sizeof(request) - 1);
		const char reply[] = "hello from a sandboxed server\n";
		if (n > 0 && write(conn, reply, sizeof(reply) - 1) == (ssize_t)sizeof(reply) - 1)
			printf("[server] served: %.*s", (int)n, request);
		close(conn);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	show("create a new TCP socket", fd < 0 ? errno : 0, "--no-network (socket creation)");
	if (fd >= 0)
		close(fd);
	show("create a UDP socket", (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ? errno : 0, "--no-network (socket creation)");
	if (fd >= 0)
		close(fd);
	show("listen() again on the inherited socket", listen(listener, 16) < 0 ? errno : 0, "--no-network (listen)");
	return conn >= 0 ? 0 : 1;
}
