/* SPDX-License-Identifier: MIT */
/*
 * The first apply of a typical program, between two markers that
 * trace_offsets stops at: `ports` is the benchmark's path (TCP rights and
 * port rules), `sockets` adds a socket allow-list and a capability drop.
 * Built without PIE so the markers' addresses are known from nm.
 */
#include <netfence.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

__attribute__((noinline)) void hot_path_begin(void) { __asm__ volatile(""); }
__attribute__((noinline)) void hot_path_end(void) { __asm__ volatile(""); }

int main(int argc, char **argv)
{
	int sockets = argc > 1 && strcmp(argv[1], "sockets") == 0;
	const uint64_t tcp = NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_CONNECT_TCP;
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	hot_path_begin();
	if (netfence_landlock_abi() < 0 || netfence_ruleset_new(&rs) || netfence_ruleset_handle_net(rs, tcp) ||
	    netfence_ruleset_allow_port_range(rs, tcp, 1, 3) || netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_CONNECT_TCP, 443))
		goto fail;
	if (sockets && (netfence_ruleset_handle_sockets(rs) || netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0) ||
			netfence_ruleset_allow_socket(rs, AF_UNIX, -1, -1) || netfence_ruleset_keep_caps(rs, "")))
		goto fail;
	if (netfence_ruleset_restrict_self(rs, 0, &st))
		goto fail;
	netfence_ruleset_free(rs);
	hot_path_end();
	return 0;
fail:
	fprintf(stderr, "hot_path: %s\n", netfence_last_error());
	return 1;
}
