/* SPDX-License-Identifier: MIT */
/*
 * A client run under `netfence run --connect-tcp PORT ...`: it may talk to
 * the server's port and nothing else.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One line per attempt; a denial names the rule of the command line that
 * denied it (the demo's, see demo.sh). */
static void show(const char *what, int err, const char *rule)
{
	if (err == 0)
		printf("[client] %-44s allowed\n", what);
	else
		printf("[client] %-44s DENIED (%s) by %s\n", what, strerror(err), rule);
	fflush(stdout);
}

static int connect_to(uint16_t port, int *fd_out)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int err = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? errno : 0;
	if (err == 0 && fd_out != NULL) {
		*fd_out = fd;
		return 0;
	}
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	uint16_t port = (uint16_t)atoi(argv[1]), other = (uint16_t)atoi(argv[2]);
	int fd = -1, err = ECONNREFUSED;
	/* The server may still be starting: retry a refused connection briefly. */
	for (int attempt = 0; attempt < 50 && err == ECONNREFUSED; attempt++) {
		err = connect_to(port, &fd);
		if (err == ECONNREFUSED)
			nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	char what[64], rule[64];
	snprintf(what, sizeof(what), "connect to the server, port %u", port);
	snprintf(rule, sizeof(rule), "--connect-tcp %u", port);
	show(what, err, rule);
	if (err == 0) {
		const char request[] = "GET /hello\n";
		char reply[128] = {0};
		if (write(fd, request, sizeof(request) - 1) == (ssize_t)sizeof(request) - 1 &&
		    read(fd, reply, sizeof(reply) - 1) > 0)
			printf("[client] reply: %s", reply);
		close(fd);
	}
	snprintf(what, sizeof(what), "connect to another port, %u", other);
	snprintf(rule, sizeof(rule), "--connect-tcp %u (no other port)", port);
	show(what, connect_to(other, NULL), rule);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	show("create a UDP socket", udp < 0 ? errno : 0, "--allow-socket tcp (no other kind)");
	return err == 0 ? 0 : 1;
}
