/* SPDX-License-Identifier: MIT */
/*
 * Run under valgrind memcheck by `make test`: build, use and free rulesets
 * many times (every builder call, status formatting, caps text) and make
 * sure nothing the library allocates for the caller leaks. Nothing is
 * applied to this process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

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
		/* A freed handle: refused without touching freed memory (memcheck
		 * reports any invalid read), a second free frees nothing. */
		if (netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP) != -EINVAL)
			return 1;
		netfence_ruleset_free(rs);
	}
	/* The restrict part of the cycle, in children (never this process):
	 * each builds, restricts, formats its status, frees and exits normally,
	 * so the leak check covers restrict_self too. */
	for (int round = 0; round < 3; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			netfence_ruleset *rs = NULL;
			netfence_status st = NETFENCE_STATUS_INIT;
			if (netfence_ruleset_new(&rs) != 0)
				exit(1);
			netfence_ruleset_handle_net(rs, NETFENCE_ACCESS_NET_BIND_TCP);
			netfence_ruleset_allow_port_range(rs, NETFENCE_ACCESS_NET_BIND_TCP, 1000, 1100);
			int rc = netfence_ruleset_restrict_self(rs, 0, &st);
			char *text = NULL;
			if (netfence_status_format(&st, NETFENCE_FORMAT_TEXT, &text) == 0)
				netfence_free(text);
			netfence_ruleset_free(rs);
			exit(rc == 0 || rc < 0 ? 0 : 1);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
	}
	puts("leak_check: 50 build/free rounds and 3 restrict rounds done");
	return 0;
}
