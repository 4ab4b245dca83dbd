/* SPDX-License-Identifier: MIT */
/*
 * Run under valgrind memcheck by `make test`: build, use and free rulesets
 * many times (every builder call, status formatting, caps text) and make
 * sure nothing the library allocates for the caller leaks. Nothing is
 * applied to this process.
 */
#include <stdio.h>
#include <sys/socket.h>

#include <netfence.h>

int main(void)
{
	for (int round = 0; round < 50; round++) {
		netfence_ruleset *rs = NULL;
		if (netfence_ruleset_new(&rs) != 0)
			return 1;
		netfence_ruleset_set_compat(rs, NETFENCE_COMPAT_SOFT_REQUIREMENT);
		netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP | NETFENCE_ACCESS_NET_LISTEN_TCP);
		netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP, 8080);
		netfence_ruleset_allow_port_range(rs, NETFENCE_ACCESS_NET_LISTEN_TCP, 1000, 3000);
		netfence_ruleset_allow_port(rs, NETFENCE_ACCESS_NET_BIND_TCP, 70000); /* error path too */
		netfence_ruleset_handle_fs(rs, NETFENCE_ACCESS_FS_READ_FILE | NETFENCE_ACCESS_FS_READ_DIR);
		netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE, "/etc");
		netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE, "/nonexistent");
		netfence_ruleset_set_scope(rs, NETFENCE_SCOPE_SIGNAL);
		netfence_ruleset_handle_sockets(rs);
		netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0);
		netfence_ruleset_keep_caps(rs, "cap_net_bind_service,cap_bogus");
		netfence_ruleset_keep_caps(rs, "cap_net_bind_service");
		netfence_status st = NETFENCE_STATUS_INIT;
		char *text = NULL;
		if (netfence_status_format(&st, NETFENCE_FORMAT_JSON, &text) == 0)
			netfence_free(text);
		if (netfence_caps_text(&text) == 0)
			netfence_free(text);
		netfence_ruleset_free(rs);
	}
	puts("leak_check: 50 rounds done");
	return 0;
}
