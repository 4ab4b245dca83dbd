/* SPDX-License-Identifier: MIT */
/*
 * A program that needs no network at all (a parser of untrusted input, say):
 * it forbids creating any socket and every TCP bind, connect and listen,
 * then shows its own attempts failing while file I/O keeps working.
 *
 * Build: cc no_network.c $(pkg-config --cflags --libs netfence)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netfence.h>

static int show_socket(const char *name, int family, int type)
{
	int fd = socket(family, type, 0);
	int err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	printf("  socket(%-10s) %s%s%s\n", name, err ? "DENIED (" : "allowed", err ? strerror(err) : "", err ? ")" : "");
	return err == EACCES;
}

int main(void)
{
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0) /* no (family, type, protocol) is allowed */
		rc = netfence_ruleset_handle_sockets(rs);
	if (rc == 0) /* and no port rule: every bind, connect and listen is denied */
		rc = netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP |
						      NETFENCE_ACCESS_NET_LISTEN_TCP);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &st);
	if (rc < 0) {
		fprintf(stderr, "no_network: %s\n", netfence_last_error());
		netfence_ruleset_free(rs);
		return 1;
	}
	netfence_ruleset_free(rs);
	printf("no_network: sandbox %s; trying the network:\n",
	       st.enforced == NETFENCE_ENFORCED_FULL ? "fully enforced" : "NOT fully enforced");

	int denied = show_socket("AF_INET", AF_INET, SOCK_STREAM) + show_socket("AF_INET6", AF_INET6, SOCK_DGRAM) +
		     show_socket("AF_UNIX", AF_UNIX, SOCK_STREAM) + show_socket("AF_NETLINK", AF_NETLINK, SOCK_RAW) +
		     show_socket("AF_PACKET", AF_PACKET, SOCK_RAW);

	/* The program's real work, file I/O, is untouched. */
	char path[] = "/tmp/netfence-no-network-XXXXXX";
	int fd = mkstemp(path);
	int io_ok = fd >= 0 && write(fd, "parsed\n", 7) == 7;
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	printf("  file I/O            %s\n", io_ok ? "allowed" : "FAILED");
	return denied == 5 && io_ok ? 0 : 1;
}
