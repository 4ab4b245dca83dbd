/* SPDX-License-Identifier: MIT */
/*
 * C ABI test suite of netfence, built against an installed copy with
 * pkg-config. Every test runs in its own fork()ed child (restrictions are
 * irreversible and per process), which reports success with exit code 42 so
 * that a child that dies or exits early can never pass. The program exits 0
 * when every case ran and passed, 77 (EXIT_SKIPPED) when nothing failed but
 * a case was skipped (each skip prints why), 1 otherwise. Under
 * NETFENCE_EXPECT_ABI=N another Landlock ABI, or a case skipped for lack of
 * a kernel feature, is a failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netfence.h>

#include "net_helpers.h"

#define PASS_SENTINEL 42

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "    %s:%d: check failed: %s (errno %d %s; last error: \"%s\")\n", \
				__FILE__, __LINE__, #cond, errno, strerror(errno),     \
				netfence_last_error());                               \
			return 1;                                                      \
		}                                                                      \
	} while (0)

#define CHECK_RC(expr, expected)                                                       \
	do {                                                                           \
		int rc_ = (expr);                                                      \
		if (rc_ != (expected)) {                                               \
			fprintf(stderr, "    %s:%d: %s returned %d (%s), expected %d (%s); last error: \"%s\"\n", \
				__FILE__, __LINE__, #expr, rc_, strerror(-rc_), (expected), \
				strerror(-(expected)), netfence_last_error());        \
			return 1;                                                      \
		}                                                                      \
	} while (0)

static int landlock_abi;

/* Build, restrict, free. Returns the restrict_self code. */
static int restrict_net(uint64_t handled, uint64_t access, uint16_t port, netfence_status *st)
{
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, handled);
	if (rc == 0 && access != 0)
		rc = netfence_ruleset_allow_port(rs, access, port);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, st);
	netfence_ruleset_free(rs);
	return rc;
}

#define BIND NETFENCE_ACCESS_NET_BIND_TCP
#define CONNECT NETFENCE_ACCESS_NET_CONNECT_TCP

/* ===================== bad input through the C ABI ===================== */

static int test_null_handles(void)
{
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(NULL), -EINVAL);
	CHECK(strstr(netfence_last_error(), "netfence_ruleset_new") != NULL);
	netfence_ruleset_free(NULL);
	CHECK_RC(netfence_ruleset_set_compat(NULL, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_net(NULL, BIND), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port(NULL, BIND, 80), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port_range(NULL, BIND, 80, 81), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_fs(NULL, NETFENCE_ACCESS_FS_READ_FILE), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_path(NULL, NETFENCE_ACCESS_FS_READ_FILE, "/"), -EINVAL);
	CHECK_RC(netfence_ruleset_set_scope(NULL, NETFENCE_SCOPE_SIGNAL), -EINVAL);
	CHECK_RC(netfence_ruleset_restrict_self(NULL, 0, &st), -EINVAL);
	CHECK(strstr(netfence_last_error(), "netfence_ruleset_restrict_self: rs is NULL") != NULL);
	CHECK(st.enforced == 0 && st.landlock_applied == 0);
	return 0;
}

static int test_bad_ports_and_bits(void)
{
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK(rs != NULL);
	CHECK(strcmp(netfence_last_error(), "") == 0);
	/* A right must be handled before a rule uses it (as the kernel requires). */
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 80), -EINVAL);
	CHECK(strstr(netfence_last_error(), "not handled") != NULL);
	CHECK_RC(netfence_ruleset_handle_net(rs, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_net(rs, UINT64_C(1) << 4), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_net(rs, UINT64_C(1) << 62), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, CONNECT, 80), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port(rs, 0, 80), -EINVAL);
	/* Never truncated: 70000 is an error, not 4464. */
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 70000), -EINVAL);
	CHECK(strstr(netfence_last_error(), "70000") != NULL);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 65536), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, UINT64_MAX), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, (UINT64_C(1) << 32) + 80), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 65535), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 0), 0);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, BIND, 200, 100), -EINVAL);
	CHECK(strstr(netfence_last_error(), "first is greater than last") != NULL);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, BIND, 100, 65536), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, BIND, 65536, 65537), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, BIND, 100, 100), 0);
	CHECK_RC(netfence_ruleset_set_compat(rs, 3), -EINVAL);
	CHECK_RC(netfence_ruleset_set_compat(rs, NETFENCE_COMPAT_HARD_REQUIREMENT), 0);
	CHECK_RC(netfence_ruleset_set_scope(rs, UINT64_C(1) << 2), -EINVAL);
	CHECK_RC(netfence_ruleset_set_scope(rs, NETFENCE_SCOPE_SIGNAL), 0);
	CHECK_RC(netfence_ruleset_handle_fs(rs, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_fs(rs, UINT64_C(1) << 17), -EINVAL);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_bad_paths(void)
{
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE, "/"), -EINVAL); /* unhandled */
	CHECK_RC(netfence_ruleset_handle_fs(rs, NETFENCE_ACCESS_FS_READ_FILE | NETFENCE_ACCESS_FS_READ_DIR), 0);
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE, NULL), -EINVAL);
	CHECK(strstr(netfence_last_error(), "path is NULL") != NULL);
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE, ""), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE, "/nonexistent/netfence"), -ENOENT);
	CHECK(strstr(netfence_last_error(), "/nonexistent/netfence") != NULL);
	/* A file keeps only file rights; READ_DIR alone leaves nothing. */
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_DIR, "/etc/passwd"), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_DIR | NETFENCE_ACCESS_FS_READ_FILE, "/etc/passwd"), 0);
	CHECK_RC(netfence_ruleset_allow_path(rs, UINT64_C(1) << 40, "/"), -EINVAL);
	netfence_ruleset_free(rs);
	return 0;
}

/* Issue 17: a policy in the tool's format (netfence(1), POLICY FILES). */
static int test_policy_text(void)
{
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_add_policy(rs, NULL, 3), -EINVAL);
	CHECK(strstr(netfence_last_error(), "text is NULL") != NULL);
	CHECK_RC(netfence_ruleset_add_policy(rs, NULL, 0), 0);
	CHECK_RC(netfence_ruleset_add_policy(NULL, "", 0), -EINVAL);
	const char bad[] = "bind-tcp = 1\nbind-tcp = 70000\n";
	CHECK_RC(netfence_ruleset_add_policy(rs, bad, sizeof(bad) - 1), -EINVAL);
	CHECK(strstr(netfence_last_error(), "policy:2:12: bind-tcp: port 70000 is out of range") != NULL);
	const char unknown[] = "conect-tcp = 1\n";
	CHECK_RC(netfence_ruleset_add_policy(rs, unknown, sizeof(unknown) - 1), -EINVAL);
	CHECK(strstr(netfence_last_error(), "did you mean \"connect-tcp\"") != NULL);
	const char missing[] = "bind-tcp = 1\nro = /nonexistent/netfence\n";
	CHECK_RC(netfence_ruleset_add_policy(rs, missing, sizeof(missing) - 1), -ENOENT);
	/* Only `len` bytes are read: no terminating NUL is needed. */
	const char cut[] = "bind-tcp = 1 and what follows is not read";
	CHECK_RC(netfence_ruleset_add_policy(rs, cut, strlen("bind-tcp = 1")), 0);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_policy_enforced(void)
{
	uint16_t allowed = free_port(), denied = free_port();
	CHECK(allowed != 0 && denied != 0 && allowed != denied);
	char text[128];
	snprintf(text, sizeof(text), "# a server that binds one port\nbind-tcp = %u\nconnect-tcp =\n", (unsigned)allowed);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_add_policy(rs, text, strlen(text)), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	CHECK(st.net_requested == (BIND | CONNECT) && st.port_rules == 1);
	CHECK_RC(netfence_ruleset_add_policy(rs, text, strlen(text)), -EALREADY);
	netfence_ruleset_free(rs);
	CHECK(try_bind(AF_INET, 0, allowed) == 0);
	CHECK(try_bind(AF_INET, 0, denied) == EACCES);
	return 0;
}

/* Issue 14.4: a freed or made-up handle is refused, a second free reported. */
static int test_freed_handles(void)
{
	netfence_ruleset *rs = NULL, *again = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	netfence_ruleset_free(rs);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), -EINVAL);
	CHECK(strstr(netfence_last_error(), "netfence_ruleset_handle_net: rs is not a live ruleset") != NULL);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -EINVAL);
	CHECK(st.landlock_applied == 0 && st.no_new_privs == 0 && st.enforced == 0);
	netfence_ruleset_free(rs); /* a second free: reported, nothing freed */
	CHECK(strstr(netfence_last_error(), "netfence_ruleset_free: rs is not a live ruleset") != NULL);
	/* A new ruleset, even in the same slot, does not revive the old handle. */
	CHECK_RC(netfence_ruleset_new(&again), 0);
	CHECK(again != rs);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), -EINVAL);
	CHECK_RC(netfence_ruleset_handle_net(again, BIND), 0);
	/* A handle netfence never gave. */
	CHECK_RC(netfence_ruleset_handle_net((netfence_ruleset *)(uintptr_t)0x5a5a5a5a, BIND), -EINVAL);
	netfence_ruleset_free((netfence_ruleset *)(uintptr_t)0x5a5a5a5a);
	CHECK(strstr(netfence_last_error(), "not a live ruleset") != NULL);
	netfence_ruleset_free(again);
	/* Nothing was applied by any of this: bind still works. */
	CHECK(try_bind(AF_INET, 0, 0) == 0);
	return 0;
}

static int test_restrict_self_bad_input(void)
{
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -EINVAL); /* handles nothing */
	CHECK(strstr(netfence_last_error(), "handles nothing") != NULL);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, UINT32_C(1) << 8, &st), -EINVAL);
	/* Refused before planning, the status still reports the kernel and the request. */
	CHECK(st.landlock_abi == netfence_landlock_abi() && st.thread_count >= 1);
	CHECK(st.net_requested == BIND && st.enforced == 0 && st.landlock_applied == 0);
	netfence_status small = NETFENCE_STATUS_INIT;
	small.size = 8;
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &small), -EINVAL);
	CHECK(strstr(netfence_last_error(), "status->size") != NULL);
	/* Nothing was applied by these failures: bind still works. */
	CHECK(try_bind(AF_INET, 0, 0) == 0);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_strings_and_queries(void)
{
	char expected[32];
	snprintf(expected, sizeof(expected), "%d.%d.%d", NETFENCE_VERSION_MAJOR, NETFENCE_VERSION_MINOR, NETFENCE_VERSION_PATCH);
	CHECK(strcmp(netfence_version(), expected) == 0);
	int codes[] = {0, -EINVAL, EINVAL, -ENOMEM, -EALREADY, -EBUSY, -ENOSYS, -EOPNOTSUPP, -EPERM, -E2BIG, -EFAULT, -ENOENT, 99999, -99999, INT32_MIN};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		CHECK(netfence_strerror(codes[i]) != NULL && netfence_strerror(codes[i])[0] != '\0');
	CHECK(strcmp(netfence_strerror(-EBUSY), netfence_strerror(EBUSY)) == 0);
	CHECK(netfence_last_error() != NULL);
	int abi = netfence_landlock_abi();
	CHECK(abi > 0 || abi == -ENOSYS || abi == -EOPNOTSUPP);
	int errata = netfence_landlock_errata();
	CHECK(errata >= 0 || errata == -EOPNOTSUPP || errata == -ENOSYS);
	if (abi >= 7)
		CHECK(errata >= 0);
	return 0;
}

static int test_calls_after_restrict(void)
{
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, CONNECT), -EALREADY);
	CHECK(strstr(netfence_last_error(), "already enforced") != NULL);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 80), -EALREADY);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, BIND, 80, 90), -EALREADY);
	CHECK_RC(netfence_ruleset_handle_fs(rs, NETFENCE_ACCESS_FS_READ_FILE), -EALREADY);
	CHECK_RC(netfence_ruleset_set_scope(rs, 0), -EALREADY);
	CHECK_RC(netfence_ruleset_set_compat(rs, 0), -EALREADY);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -EALREADY);
	/* A spent ruleset says so before it looks at the arguments. */
	CHECK_RC(netfence_ruleset_handle_net(rs, 0), -EALREADY);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, 70000), -EALREADY);
	CHECK_RC(netfence_ruleset_set_compat(rs, 7), -EALREADY);
	CHECK_RC(netfence_ruleset_set_scope(rs, UINT64_C(1) << 40), -EALREADY);
	CHECK_RC(netfence_ruleset_restrict_self(rs, UINT32_C(1) << 8, &st), -EALREADY);
	netfence_ruleset_free(rs);
	return 0;
}

/* ===================== enforcement (kernel ABI >= 4) ===================== */

static int bind_matrix(int family, int protocol)
{
	uint16_t allowed = free_port(), denied = free_port();
	CHECK(allowed != 0 && denied != 0 && allowed != denied);
	/* Control: both ports are bindable before the sandbox. */
	CHECK(try_bind(family, protocol, denied) == 0);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND | CONNECT, BIND, allowed, &st), 0);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.landlock_applied == 1 && st.no_new_privs == 1);
	CHECK(st.net_requested == (BIND | CONNECT) && st.net_enforced == (BIND | CONNECT));
	CHECK(st.port_rules == 1 && st.all_threads == 1 && st.thread_count == 1);
	CHECK(try_bind(family, protocol, allowed) == 0);
	CHECK(try_bind(family, protocol, denied) == EACCES);
	return 0;
}

static int test_bind_ipv4_proto0(void) { return bind_matrix(AF_INET, 0); }
static int test_bind_ipv4_ipproto_tcp(void) { return bind_matrix(AF_INET, IPPROTO_TCP); }
static int test_bind_ipv6_proto0(void) { return bind_matrix(AF_INET6, 0); }
static int test_bind_ipv6_ipproto_tcp(void) { return bind_matrix(AF_INET6, IPPROTO_TCP); }

static int connect_matrix(int family)
{
	uint16_t allowed = 0, denied = 0;
	int l1 = listener(family, &allowed), l2 = listener(family, &denied);
	CHECK(l1 >= 0 && l2 >= 0);
	CHECK(try_connect(family, denied) == 0); /* control */
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND | CONNECT, CONNECT, allowed, &st), 0);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL);
	CHECK(try_connect(family, allowed) == 0);
	CHECK(try_connect(family, denied) == EACCES);
	/* Binding is handled with no rule: denied everywhere. */
	CHECK(try_bind(family, 0, free_port()) == EACCES);
	return 0;
}

static int test_connect_ipv4(void) { return connect_matrix(AF_INET); }
static int test_connect_ipv6(void) { return connect_matrix(AF_INET6); }

static int test_port_zero_rule(void)
{
	uint16_t specific = free_port();
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND, BIND, 0, &st), 0);
	/* Port 0 allows binding an ephemeral port the kernel picks... */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0 && bind_fd(fd, AF_INET, 0) == 0 && local_port(fd) != 0);
	close(fd);
	/* ...but not a specific port. */
	CHECK(try_bind(AF_INET, 0, specific) == EACCES);
	return 0;
}

static int test_specific_rule_denies_port_zero(void)
{
	uint16_t specific = free_port();
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND, BIND, specific, &st), 0);
	CHECK(try_bind(AF_INET, 0, 0) == EACCES);
	CHECK(try_bind(AF_INET, 0, specific) == 0);
	return 0;
}

/* Range edges, observed with connect: an allowed port without a listener
 * gives ECONNREFUSED (or success), a denied one EACCES. */
static int test_range_edges(void)
{
	const uint16_t first = 39100, last = 39102;
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, CONNECT), 0);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, CONNECT, first, last), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.port_rules == 3);
	CHECK(try_connect(AF_INET, first - 1) == EACCES);
	CHECK(try_connect(AF_INET, first) != EACCES);
	CHECK(try_connect(AF_INET, first + 1) != EACCES);
	CHECK(try_connect(AF_INET, last) != EACCES);
	CHECK(try_connect(AF_INET6, last) != EACCES);
	CHECK(try_connect(AF_INET, last + 1) == EACCES);
	CHECK(try_connect(AF_INET6, last + 1) == EACCES);
	return 0;
}

static int test_range_merging_and_count(void)
{
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | CONNECT), 0);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, BIND, 40100, 40199), 0);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, CONNECT, 40150, 40249), 0);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, CONNECT, 40160, 40170), 0); /* overlap: no new rule */
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.port_rules == 150); /* one kernel rule per port of the union */
	CHECK(try_connect(AF_INET, 40249) != EACCES);
	CHECK(try_connect(AF_INET, 40250) == EACCES);
	CHECK(try_connect(AF_INET, 40149) == EACCES);
	return 0;
}

/* A range covering every port restricts nothing: not handled in the kernel, no rules. */
static int test_full_range_is_unrestricted(void)
{
	uint16_t target = 0;
	int l = listener(AF_INET, &target);
	CHECK(l >= 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | CONNECT), 0);
	CHECK_RC(netfence_ruleset_allow_port_range(rs, CONNECT, 0, 65535), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL);
	CHECK(st.net_all_ports == CONNECT && st.net_enforced == (BIND | CONNECT));
	CHECK(st.port_rules == 0);
	CHECK(try_connect(AF_INET, target) == 0);
	CHECK(try_bind(AF_INET, 0, free_port()) == EACCES);
	return 0;
}

static int test_socket_created_before_restrict(void)
{
	uint16_t denied = free_port();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND, 0, 0, &st), 0);
	/* Landlock checks bind() at call time, whenever the socket was made. */
	CHECK(bind_fd(fd, AF_INET, denied) == EACCES);
	close(fd);
	return 0;
}

static int test_bound_before_restrict_keeps_working(void)
{
	uint16_t port = 0;
	int l = listener(AF_INET, &port);
	CHECK(l >= 0);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND, 0, 0, &st), 0);
	/* Bind early, then restrict: the listener bound before still serves
	 * (accept is never checked) and connect is not handled. */
	int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(client >= 0 && connect_fd(client, AF_INET, port) == 0);
	int served = accept(l, NULL, NULL);
	CHECK(served >= 0);
	CHECK(write(client, "x", 1) == 1);
	char byte = 0;
	CHECK(read(served, &byte, 1) == 1 && byte == 'x');
	close(served);
	close(client);
	/* A child inherits the domain. */
	pid_t child = fork();
	if (child == 0)
		_exit(try_bind(AF_INET, 0, 0) == EACCES ? 0 : 1);
	int status = 0;
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

static int test_filesystem_rule(void)
{
	char dir[] = "/tmp/netfence-test-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char file[sizeof(dir) + 16];
	snprintf(file, sizeof(file), "%s/allowed", dir);
	int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK((fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC)) >= 0); /* control */
	close(fd);

	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_fs(rs, NETFENCE_ACCESS_FS_READ_FILE | NETFENCE_ACCESS_FS_READ_DIR), 0);
	CHECK_RC(netfence_ruleset_allow_path(rs, NETFENCE_ACCESS_FS_READ_FILE | NETFENCE_ACCESS_FS_READ_DIR, dir), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.path_rules == 1);
	CHECK(st.fs_enforced == (NETFENCE_ACCESS_FS_READ_FILE | NETFENCE_ACCESS_FS_READ_DIR));
	fd = open(file, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	errno = 0;
	CHECK(open("/etc/passwd", O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES);
	/* Writing is not handled: still allowed. */
	CHECK((fd = open(file, O_WRONLY | O_CLOEXEC)) >= 0);
	close(fd);
	unlink(file);
	rmdir(dir);
	return 0;
}

static int thread_pipe[2];
static void *sibling_main(void *arg)
{
	uint16_t port = *(uint16_t *)arg;
	char go;
	if (read(thread_pipe[0], &go, 1) != 1)
		return (void *)(intptr_t)-1;
	/* A pre-existing sibling is not covered before ABI 8. */
	return (void *)(intptr_t)try_bind(AF_INET, 0, port);
}

static int test_preexisting_thread(void)
{
	uint16_t port = free_port();
	CHECK(pipe(thread_pipe) == 0);
	pthread_t sibling;
	CHECK(pthread_create(&sibling, NULL, sibling_main, &port) == 0);

	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), 0);
	if (landlock_abi < 8) {
		CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -EBUSY);
		CHECK(strstr(netfence_last_error(), "2 threads") != NULL);
		CHECK(st.thread_count == 2 && st.landlock_applied == 0 && st.no_new_privs == 0);
		CHECK(try_bind(AF_INET, 0, port) == 0); /* nothing applied */
		CHECK_RC(netfence_ruleset_restrict_self(rs, NETFENCE_RESTRICT_CALLING_THREAD_ONLY, &st), 0);
		CHECK(st.all_threads == 0 && st.thread_count == 2 && st.landlock_applied == 1);
		CHECK(st.flags_enforced == NETFENCE_RESTRICT_CALLING_THREAD_ONLY);
		CHECK(try_bind(AF_INET, 0, port) == EACCES);
		CHECK(write(thread_pipe[1], "g", 1) == 1);
		void *result = NULL;
		CHECK(pthread_join(sibling, &result) == 0);
		CHECK((intptr_t)result == 0); /* the documented gap: the sibling can still bind */
	} else {
		CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
		CHECK(st.all_threads == 1);
		CHECK(write(thread_pipe[1], "g", 1) == 1);
		void *result = NULL;
		CHECK(pthread_join(sibling, &result) == 0);
		CHECK((intptr_t)result == EACCES);
	}
	netfence_ruleset_free(rs);
	return 0;
}

/* UDP rights need ABI 10: what each compat level does on an older kernel,
 * read in the status (what is in force, what was dropped) and observed. */
#define BIND_UDP NETFENCE_ACCESS_NET_BIND_UDP

/* bind(2) of a fresh UDP socket to `port` on loopback: 0 or errno. */
static int try_bind_udp(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int err = bind_fd(fd, AF_INET, port);
	close(fd);
	return err;
}

/* The text status of st, formatted, contains `needle`. */
static int status_text_has(const netfence_status *st, const char *needle)
{
	char *text = NULL;
	if (netfence_status_format(st, NETFENCE_FORMAT_TEXT, &text) != 0)
		return 0;
	int found = strstr(text, needle) != NULL;
	netfence_free(text);
	return found;
}

static int test_compat_best_effort_udp(void)
{
	uint16_t port = free_port(); /* before restricting: free_port() binds */
	CHECK(port != 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK(try_bind_udp(port) == 0 && try_bind(AF_INET, 0, port) == 0); /* controls */
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | BIND_UDP), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.landlock_abi == landlock_abi && st.net_requested == (BIND | BIND_UDP));
	CHECK(st.landlock_applied == 1 && st.no_new_privs == 1);
	if (landlock_abi >= 10) {
		CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.net_enforced == (BIND | BIND_UDP));
		CHECK(!status_text_has(&st, "\nNot in force:"));
		CHECK(try_bind_udp(port) == EACCES);
	} else {
		/* Exactly the UDP right is dropped, reported with its reason... */
		CHECK(st.enforced == NETFENCE_ENFORCED_PARTIAL);
		CHECK(st.net_enforced == BIND && (st.net_requested & ~st.net_enforced) == BIND_UDP);
		CHECK(status_text_has(&st, "\n  bind UDP (Landlock): needs Landlock ABI 10 (Linux 7.2)"));
		CHECK(status_text_has(&st, "\n  bind TCP:            restricted,"));
		CHECK(!status_text_has(&st, "\n  bind TCP (Landlock):"));
		/* ...and indeed not enforced: the report is honest. */
		CHECK(try_bind_udp(port) == 0);
	}
	CHECK(try_bind(AF_INET, 0, port) == EACCES);
	return 0;
}

static int test_compat_hard_requirement(void)
{
	uint16_t port = free_port(); /* before restricting: free_port() binds */
	CHECK(port != 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK(try_bind_udp(port) == 0 && try_bind(AF_INET, 0, port) == 0); /* controls */
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_set_compat(rs, NETFENCE_COMPAT_HARD_REQUIREMENT), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | BIND_UDP), 0);
	if (landlock_abi >= 10) {
		CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
		CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.landlock_applied == 1);
		CHECK(st.net_requested == (BIND | BIND_UDP) && st.net_enforced == (BIND | BIND_UDP));
		CHECK(try_bind(AF_INET, 0, port) == EACCES && try_bind_udp(port) == EACCES);
	} else {
		CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -EOPNOTSUPP);
		CHECK(strstr(netfence_last_error(), "bind_udp") != NULL);
		/* Refused before anything was applied: the status says so... */
		CHECK(st.enforced == 0 && st.landlock_applied == 0 && st.no_new_privs == 0);
		CHECK(st.net_requested == (BIND | BIND_UDP) && st.net_enforced == 0);
		CHECK(st.seccomp_installed == 0 && st.landlock_abi == landlock_abi);
		CHECK(status_text_has(&st, "\n  bind UDP (Landlock): needs Landlock ABI 10"));
		/* ...and the process shows it. */
		CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
		CHECK(try_bind(AF_INET, 0, port) == 0);
		/* Still usable after the refusal: best effort drops exactly UDP. */
		netfence_status again = NETFENCE_STATUS_INIT;
		CHECK_RC(netfence_ruleset_set_compat(rs, NETFENCE_COMPAT_BEST_EFFORT), 0);
		CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &again), 0);
		CHECK(again.enforced == NETFENCE_ENFORCED_PARTIAL && again.landlock_applied == 1);
		CHECK(again.net_enforced == BIND && (again.net_requested & ~again.net_enforced) == BIND_UDP);
		CHECK(try_bind(AF_INET, 0, port) == EACCES && try_bind_udp(port) == 0);
	}
	netfence_ruleset_free(rs);
	return 0;
}

static int test_compat_soft_requirement(void)
{
	uint16_t port = free_port(); /* before restricting: free_port() binds */
	CHECK(port != 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK(try_bind_udp(port) == 0 && try_bind(AF_INET, 0, port) == 0); /* controls */
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_set_compat(rs, NETFENCE_COMPAT_SOFT_REQUIREMENT), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | BIND_UDP), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.net_requested == (BIND | BIND_UDP) && st.landlock_abi == landlock_abi);
	if (landlock_abi >= 10) {
		CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.landlock_applied == 1);
		CHECK(st.net_enforced == (BIND | BIND_UDP));
		CHECK(try_bind(AF_INET, 0, port) == EACCES && try_bind_udp(port) == EACCES);
	} else {
		/* Not everything can be enforced: nothing is, and nothing was
		 * touched (no Landlock domain, no no_new_privs, no seccomp)... */
		CHECK(st.enforced == NETFENCE_ENFORCED_NONE);
		CHECK(st.landlock_applied == 0 && st.no_new_privs == 0 && st.net_enforced == 0);
		CHECK(st.seccomp_installed == 0);
		CHECK(status_text_has(&st, "\n  enforcement:         none"));
		CHECK(status_text_has(&st, "\n  bind UDP (Landlock): needs Landlock ABI 10"));
		/* ...as the process shows. */
		CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
		CHECK(try_bind(AF_INET, 0, port) == 0 && try_bind_udp(port) == 0);
	}
	return 0;
}

static int test_status_grows_compatibly(void)
{
	/* The library writes exactly st->size bytes: nothing past the caller's struct. */
	unsigned char buffer[sizeof(netfence_status) + 8];
	memset(buffer, 0xAB, sizeof(buffer));
	netfence_status *st = (netfence_status *)buffer;
	st->size = (uint32_t)sizeof(netfence_status);
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, st), 0);
	netfence_ruleset_free(rs);
	CHECK(st->size == sizeof(netfence_status));
	CHECK(st->landlock_abi == landlock_abi);
	CHECK(buffer[sizeof(netfence_status)] == 0xAB); /* nothing written past size */
	return 0;
}

static int test_scopes(void)
{
	const uint64_t scopes = NETFENCE_SCOPE_SIGNAL | NETFENCE_SCOPE_ABSTRACT_UNIX_SOCKET;
	CHECK(kill(getppid(), 0) == 0); /* control: the parent can be signalled */
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_set_scope(rs, scopes), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, NETFENCE_RESTRICT_LOG_SAME_EXEC_OFF, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.scopes_requested == scopes && st.flags_requested == NETFENCE_RESTRICT_LOG_SAME_EXEC_OFF);
	if (landlock_abi >= 6) {
		CHECK(st.scopes_enforced == scopes && st.landlock_applied == 1);
		/* Signalling a process outside the domain (our parent) is denied. */
		errno = 0;
		CHECK(kill(getppid(), 0) < 0 && errno == EPERM);
	} else {
		CHECK(st.scopes_enforced == 0);
		CHECK(status_text_has(&st, "\n  scope signal (Landlock): needs Landlock ABI 6"));
		CHECK(kill(getppid(), 0) == 0); /* indeed not scoped */
	}
	if (landlock_abi >= 7) {
		CHECK(st.flags_enforced == NETFENCE_RESTRICT_LOG_SAME_EXEC_OFF && st.enforced == NETFENCE_ENFORCED_FULL);
	} else {
		/* The log flag (ABI 7) is dropped, and said to be. */
		CHECK(st.flags_enforced == 0 && status_text_has(&st, "\n  logging flag log_same_exec_off (Landlock): "));
		CHECK(st.enforced == (landlock_abi == 6 ? NETFENCE_ENFORCED_PARTIAL : NETFENCE_ENFORCED_NONE));
	}
	return 0;
}

/* ===================== capabilities (run as root) ===================== */

/* The value of a "Name:\t<hex>" line of /proc/self/status, or UINT64_MAX. */
static uint64_t proc_status_hex(const char *name)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (f == NULL)
		return UINT64_MAX;
	char line[256];
	uint64_t value = UINT64_MAX;
	size_t length = strlen(name);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, length) == 0 && line[length] == ':') {
			value = strtoull(line + length + 1, NULL, 16);
			break;
		}
	}
	fclose(f);
	return value;
}

/* Runs argv, returns what it printed on stdout (static buffer), or NULL. */
static const char *run_capture(char *const argv[])
{
	static char output[4096];
	int fds[2];
	if (pipe(fds) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t used = 0;
	ssize_t n;
	while (used + 1 < sizeof(output) && (n = read(fds[0], output + used, sizeof(output) - 1 - used)) > 0)
		used += (size_t)n;
	output[used] = '\0';
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? output : NULL;
}

/* A port below net.ipv4.ip_unprivileged_port_start, or 0 if there is none. */
static uint16_t privileged_port(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	int start = 1024;
	if (f != NULL) {
		if (fscanf(f, "%d", &start) != 1)
			start = 1024;
		fclose(f);
	}
	for (int port = start > 80 ? 80 : start - 1; port > 0; port--)
		if (try_bind(AF_INET, 0, (uint16_t)port) == 0)
			return (uint16_t)port;
	return 0;
}

static int keep_caps_and_restrict(const char *keep, uint32_t options, uint64_t bind_handled, uint16_t bind_port,
				  netfence_status *st)
{
	netfence_ruleset *rs = NULL;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_keep_caps(rs, keep);
	if (rc == 0)
		rc = netfence_ruleset_set_caps_options(rs, options);
	if (rc == 0 && bind_handled)
		rc = netfence_ruleset_handle_net(rs, bind_handled);
	if (rc == 0 && bind_port)
		rc = netfence_ruleset_allow_port(rs, BIND, bind_port);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, st);
	netfence_ruleset_free(rs);
	return rc;
}

static int test_caps_drop_all(void)
{
	uint16_t port = privileged_port();
	CHECK(port != 0);
	CHECK(try_bind(AF_INET, 0, port) == 0); /* control: root may bind it */
	int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	CHECK(raw >= 0); /* control */
	close(raw);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(keep_caps_and_restrict("", 0, 0, 0, &st), 0);
	CHECK(st.caps_requested == 1 && st.caps_applied == 1 && st.caps_kept == 0);
	CHECK(st.caps_effective == 0 && st.caps_permitted == 0 && st.caps_inheritable == 0);
	CHECK(st.caps_bounding == 0 && st.caps_ambient == 0);
	CHECK((st.securebits & 0xEF) == 0xEF); /* locked: dropped as root */
	CHECK(st.no_new_privs == 1 && st.enforced == NETFENCE_ENFORCED_FULL);
	CHECK(proc_status_hex("CapEff") == 0 && proc_status_hex("CapPrm") == 0);
	CHECK(proc_status_hex("CapBnd") == 0 && proc_status_hex("CapAmb") == 0);
	/* EACCES from the missing CAP_NET_BIND_SERVICE (no Landlock involved). */
	CHECK(try_bind(AF_INET, 0, port) == EACCES);
	errno = 0;
	CHECK(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP) < 0 && errno == EPERM);
	/* An exec'd program has none either, though it runs as uid 0. */
	CHECK(getuid() == 0);
	char *argv[] = {"/bin/sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status", NULL};
	const char *out = run_capture(argv);
	CHECK(out != NULL);
	CHECK(strstr(out, "CapPrm:\t0000000000000000") != NULL);
	CHECK(strstr(out, "CapEff:\t0000000000000000") != NULL);
	CHECK(strstr(out, "CapBnd:\t0000000000000000") != NULL);
	CHECK(strstr(out, "CapAmb:\t0000000000000000") != NULL);
	return 0;
}

static int test_caps_keep_bind_service_with_landlock(void)
{
	uint16_t port = privileged_port();
	CHECK(port > 1);
	uint16_t other = port - 1;
	CHECK(try_bind(AF_INET, 0, other) == 0 || try_bind(AF_INET, 0, other) == EADDRINUSE);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(keep_caps_and_restrict("cap_net_bind_service", 0, BIND, port, &st), 0);
	CHECK(st.caps_kept == (UINT64_C(1) << 10) && st.caps_effective == (UINT64_C(1) << 10));
	CHECK(st.caps_bounding == (UINT64_C(1) << 10) && st.landlock_applied == 1);
	CHECK(proc_status_hex("CapEff") == (UINT64_C(1) << 10));
	CHECK(try_bind(AF_INET, 0, port) == 0);
	/* The capability is there, so this EACCES can only be Landlock's. */
	CHECK(try_bind(AF_INET, 0, other) == EACCES);
	return 0;
}

/* CapEff of a program exec'd after restricting, as a non-root user. */
static int ambient_case(uint32_t options, uint64_t *cap_eff)
{
	/* Become nobody but keep the permitted set (PR_SET_KEEPCAPS). */
	CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
	CHECK(setgid(65534) == 0 && setuid(65534) == 0);
	CHECK(geteuid() == 65534);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(keep_caps_and_restrict("net_bind_service", options, 0, 0, &st), 0);
	CHECK(st.caps_applied == 1 && st.caps_permitted == (UINT64_C(1) << 10));
	char *argv[] = {"/bin/grep", "^CapEff", "/proc/self/status", NULL};
	const char *out = run_capture(argv);
	CHECK(out != NULL && strncmp(out, "CapEff:", 7) == 0);
	*cap_eff = strtoull(out + 7, NULL, 16);
	return 0;
}

static int test_caps_ambient_across_exec(void)
{
	uint64_t eff = UINT64_MAX;
	if (ambient_case(NETFENCE_CAPS_AMBIENT, &eff) != 0)
		return 1;
	CHECK(eff == (UINT64_C(1) << 10));
	return 0;
}

static int test_caps_no_ambient_lost_across_exec(void)
{
	uint64_t eff = UINT64_MAX;
	if (ambient_case(0, &eff) != 0)
		return 1;
	CHECK(eff == 0);
	return 0;
}

static int test_caps_bad_input(void)
{
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_keep_caps(rs, NULL), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "cap_net_bind_service,cap_no_such_thing"), -EINVAL);
	CHECK(strstr(netfence_last_error(), "cap_no_such_thing") != NULL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "cap_net_raw,cap_net_raw"), -EINVAL);
	CHECK(strstr(netfence_last_error(), "twice") != NULL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "net_raw,net_raw"), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "cap_net_raw,,cap_chown"), -EINVAL);
	CHECK(strstr(netfence_last_error(), "empty") != NULL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, ","), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "12"), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "cap_"), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "NET_RAW, cap_chown"), 0);
	CHECK_RC(netfence_ruleset_keep_caps(rs, ""), 0);
	uint32_t too_big[] = {10, 64};
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, too_big, 2), -EINVAL);
	uint32_t above_last[] = {63};
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, above_last, 1), -EINVAL);
	uint32_t huge[] = {UINT32_MAX};
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, huge, 1), -EINVAL);
	uint32_t dup[] = {10, 13, 10};
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, dup, 3), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, NULL, 1), -EINVAL);
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, NULL, 0), 0);
	CHECK_RC(netfence_ruleset_keep_caps_array(NULL, NULL, 0), -EINVAL);
	uint32_t good[] = {10, 13};
	CHECK_RC(netfence_ruleset_keep_caps_array(rs, good, 2), 0);
	CHECK_RC(netfence_ruleset_set_caps_options(rs, UINT32_C(1) << 7), -EINVAL);
	CHECK_RC(netfence_ruleset_set_caps_options(NULL, 0), -EINVAL);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_caps_text_and_status_format(void)
{
	char *text = NULL;
	CHECK_RC(netfence_caps_text(NULL), -EINVAL);
	CHECK_RC(netfence_caps_text(&text), 0);
	CHECK(text != NULL && strstr(text, "effective: ") != NULL && strstr(text, "bounding: ") != NULL);
	if (getuid() == 0)
		CHECK(strstr(text, "cap_net_bind_service") != NULL);
	netfence_free(text);
	netfence_free(NULL);

	netfence_status st = NETFENCE_STATUS_INIT;
	char *out = NULL;
	CHECK_RC(netfence_status_format(NULL, NETFENCE_FORMAT_TEXT, &out), -EINVAL);
	CHECK_RC(netfence_status_format(&st, NETFENCE_FORMAT_TEXT, NULL), -EINVAL);
	CHECK_RC(netfence_status_format(&st, 7, &out), -EINVAL);
	netfence_status small = NETFENCE_STATUS_INIT;
	small.size = 16;
	CHECK_RC(netfence_status_format(&small, NETFENCE_FORMAT_TEXT, &out), -EINVAL);

	CHECK_RC(keep_caps_and_restrict("", 0, BIND | NETFENCE_ACCESS_NET_BIND_UDP, 0, &st), 0);
	CHECK_RC(netfence_status_format(&st, NETFENCE_FORMAT_TEXT, &out), 0);
	CHECK(strstr(out, "enforcement: ") != NULL);
	if (landlock_abi < 10)
		CHECK(strstr(out, "\n  bind UDP (Landlock): needs Landlock ABI 10") != NULL);
	netfence_free(out);
	CHECK_RC(netfence_status_format(&st, NETFENCE_FORMAT_JSON, &out), 0);
	CHECK(strncmp(out, "{\"schema\":\"netfence-status/1\"", 29) == 0);
	netfence_free(out);
	return 0;
}

/* A failure part-way is reported precisely: Landlock refuses a 17th layer
 * (E2BIG) after the capabilities are already gone. */
static int test_failure_part_way_is_reported(void)
{
	netfence_status st = NETFENCE_STATUS_INIT;
	for (int layer = 0; layer < 16; layer++)
		CHECK_RC(restrict_net(BIND, 0, 0, &st), 0);
	netfence_status last = NETFENCE_STATUS_INIT;
	CHECK_RC(keep_caps_and_restrict("", 0, BIND, 0, &last), -E2BIG);
	CHECK(strstr(netfence_last_error(), "NOT fully sandboxed") != NULL);
	CHECK(strstr(netfence_last_error(), "setting the final capabilities") != NULL);
	CHECK(last.caps_applied == 1 && last.landlock_applied == 0);
	CHECK(last.enforced == NETFENCE_ENFORCED_PARTIAL && last.net_enforced == 0);
	CHECK(last.caps_effective == 0);
	return 0;
}

/* ===================== socket allow-list and listen (seccomp) ===================== */

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#define LISTEN NETFENCE_ACCESS_NET_LISTEN_TCP

static int test_no_network_program(void)
{
	/* Controls: each family can be created before. */
	CHECK(try_socket(AF_INET, SOCK_STREAM, 0) == 0 && try_socket(AF_UNIX, SOCK_STREAM, 0) == 0);
	CHECK(try_socket(AF_NETLINK, SOCK_RAW, 0) == 0 && try_socketpair(AF_UNIX, SOCK_STREAM) == 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | CONNECT | LISTEN), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.seccomp_installed == 1);
	CHECK(st.sockets_requested == 1 && st.socket_rules == 0 && st.listen_mode == NETFENCE_LISTEN_DENY_ALL);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_SOCKETS_HANDLED);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_IO_URING_BLOCKED);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_FOREIGN_ARCH_BLOCKED);
	CHECK(st.net_enforced == (BIND | CONNECT | LISTEN));
	int families[] = {AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET, AF_VSOCK, AF_BLUETOOTH, 45, 100, -1};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		CHECK(try_socket(families[i], SOCK_STREAM, 0) == EACCES);
		CHECK(try_socket(families[i], SOCK_DGRAM | SOCK_CLOEXEC, 0) == EACCES);
		CHECK(try_socket(families[i], SOCK_RAW, 0) == EACCES);
	}
	CHECK(try_socketpair(AF_UNIX, SOCK_STREAM) == EACCES);
	CHECK(try_socketpair(AF_UNIX, SOCK_DGRAM) == EACCES);
	/* File I/O still works. */
	char path[] = "/tmp/netfence-nonet-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, "data", 4) == 4);
	close(fd);
	CHECK(unlink(path) == 0);
	return 0;
}

/* The seed's TCP server: bind early, restrict, serve; nothing else. */
static int test_tcp_server(void)
{
	uint16_t port = free_port(), other = free_port();
	uint16_t outside = 0;
	int outside_listener = listener(AF_INET, &outside); /* something to connect to */
	CHECK(outside_listener >= 0 && port != 0 && other != 0);
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t client = fork();
	if (client == 0) { /* unrestricted client */
		char byte;
		if (read(go[0], &byte, 1) != 1)
			_exit(1);
		_exit(try_connect(AF_INET, port) == 0 ? 0 : 1);
	}
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0), 0);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET6, SOCK_STREAM, 0), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND | CONNECT | LISTEN), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, BIND, port), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, port), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.listen_mode == NETFENCE_LISTEN_PER_PORT);
	CHECK(st.listen_supervisor_pid > 0 && st.socket_rules == 2);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_TCP_BYPASS_BLOCKED);

	int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	CHECK(server >= 0);
	int one = 1;
	setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CHECK(bind_fd(server, AF_INET, port) == 0);
	CHECK(listen(server, 8) == 0);
	CHECK(write(go[1], "g", 1) == 1);
	int conn = accept(server, NULL, NULL);
	CHECK(conn >= 0);
	close(conn);
	int status = 0;
	CHECK(waitpid(client, &status, 0) == client && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	CHECK(try_socket(AF_INET, SOCK_DGRAM, 0) == EACCES);                 /* UDP */
	CHECK(try_socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) == EACCES);    /* MPTCP */
	CHECK(try_socket(AF_UNIX, SOCK_STREAM, 0) == EACCES);
	CHECK(try_connect(AF_INET, outside) == EACCES);                      /* outgoing connect */
	CHECK(try_bind(AF_INET, 0, other) == EACCES);                        /* bind elsewhere */
	/* listen on another port: bound before the sandbox, so only listen is checked. */
	CHECK(try_socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0) == 0);
	errno = 0;
	CHECK(listen(outside_listener, 16) < 0 && errno == EACCES);           /* re-listen, unapproved port */
	return 0;
}

static int test_bind_early_then_deny_everything(void)
{
	uint16_t port = 0;
	int server = listener(AF_INET, &port);
	CHECK(server >= 0);
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t client = fork();
	if (client == 0) {
		char byte;
		if (read(go[0], &byte, 1) != 1)
			_exit(1);
		_exit(try_connect(AF_INET, port) == 0 ? 0 : 1);
	}
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);               /* no socket at all */
	CHECK_RC(netfence_ruleset_handle_net(rs, LISTEN), 0);           /* no listen at all */
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(write(go[1], "g", 1) == 1);
	int conn = accept(server, NULL, NULL);
	CHECK(conn >= 0);
	close(conn);
	int status = 0;
	CHECK(waitpid(client, &status, 0) == client && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(try_socket(AF_INET, SOCK_STREAM, 0) == EACCES);
	errno = 0;
	CHECK(listen(server, 4) < 0 && errno == EACCES);
	return 0;
}

static int restrict_sockets(const int32_t (*rules)[3], size_t count, uint64_t net)
{
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_sockets(rs);
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = netfence_ruleset_allow_socket(rs, rules[i][0], rules[i][1], rules[i][2]);
	if (rc == 0 && net)
		rc = netfence_ruleset_handle_net(rs, net);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &st);
	netfence_ruleset_free(rs);
	return rc;
}

static int test_socket_wildcards_and_aliases(void)
{
	const int32_t rules[][3] = {
		{AF_INET, SOCK_STREAM, 0},              /* 0 == IPPROTO_TCP */
		{AF_INET6, SOCK_DGRAM, IPPROTO_UDP},    /* IPPROTO_UDP == 0 */
		{AF_UNIX, NETFENCE_ANY, NETFENCE_ANY},
		{AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0}, /* flags are ignored in rules */
	};
	CHECK_RC(restrict_sockets(rules, 4, 0), 0);
	CHECK(try_socket(AF_INET, SOCK_STREAM, 0) == 0);
	CHECK(try_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) == 0);
	CHECK(try_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) == 0);
	CHECK(try_socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) == EACCES);
	CHECK(try_socket(AF_INET, SOCK_DGRAM, 0) == EACCES);
	CHECK(try_socket(AF_INET6, SOCK_STREAM, 0) == EACCES);
	CHECK(try_socket(AF_INET6, SOCK_DGRAM, 0) == 0);
	CHECK(try_socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP) == 0);
	CHECK(try_socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6) == EACCES);
	CHECK(try_socket(AF_UNIX, SOCK_STREAM, 0) == 0 && try_socket(AF_UNIX, SOCK_DGRAM, 0) == 0);
	CHECK(try_socket(AF_UNIX, SOCK_SEQPACKET, 0) == 0);
	CHECK(try_socketpair(AF_UNIX, SOCK_STREAM) == 0);
	CHECK(try_socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0) == 0);
	CHECK(try_socket(AF_NETLINK, SOCK_RAW, 15) == EACCES);
	CHECK(try_socket(AF_NETLINK, SOCK_DGRAM, 0) == EACCES);
	CHECK(try_socket(AF_PACKET, SOCK_RAW, 0) == EACCES);
	/* Stray high bits in the 64-bit registers cannot dodge the filter. */
	errno = 0;
	CHECK(syscall(SYS_socket, 0x100000000L | AF_INET6, (long)SOCK_STREAM, 0L) < 0 && errno == EACCES);
	errno = 0;
	CHECK(syscall(SYS_socket, (long)AF_INET, (long)SOCK_STREAM, 0x100000000L | IPPROTO_MPTCP) < 0 && errno == EACCES);
	return 0;
}

/* A socket allow-list whose filter would exceed the kernel's 4096 BPF
 * instructions is refused with -E2BIG while compiling, before anything is
 * applied (never loaded cut short). */
static int test_oversized_socket_filter_is_refused(void)
{
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);
	for (int family = 1; family <= 14; family++)
		for (int type = 1; type <= 3; type++)
			for (int protocol = 0; protocol < 256; protocol += 2)
				CHECK_RC(netfence_ruleset_allow_socket(rs, family, type, protocol), 0);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -E2BIG);
	CHECK(strstr(netfence_last_error(), "4096 instructions") != NULL);
	CHECK(st.seccomp_installed == 0 && st.landlock_applied == 0 && st.no_new_privs == 0);
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_socket_rule_bad_input(void)
{
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(NULL), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(NULL, AF_INET, SOCK_STREAM, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, NETFENCE_ANY, SOCK_STREAM, 0), -EINVAL); /* family explicit */
	CHECK(strstr(netfence_last_error(), "family") != NULL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, 0, SOCK_STREAM, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, 46, SOCK_STREAM, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, 1000, SOCK_STREAM, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, 0, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, 7, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM | 0x100, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, -2, 0), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, -2), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 65536), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, INT32_MIN), -EINVAL);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), 0);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, NETFENCE_ANY, NETFENCE_ANY), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, 80), -EINVAL); /* LISTEN not handled */
	CHECK_RC(netfence_ruleset_handle_net(rs, LISTEN), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, 70000), -EINVAL);
	netfence_ruleset_free(rs);
	return 0;
}

/* MPTCP and SCTP escape Landlock's TCP rights: denied when TCP is handled. */
static int test_tcp_bypass_protocols(void)
{
	int mptcp_before = try_socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, BIND), 0);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET6, SOCK_STREAM, IPPROTO_MPTCP), 0); /* explicit */
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.seccomp_installed == 1 && st.sockets_requested == 0);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_TCP_BYPASS_BLOCKED);
	CHECK(try_socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) == EACCES);
	CHECK(try_socket(AF_INET6, SOCK_STREAM, IPPROTO_SCTP) == EACCES);
	CHECK(try_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP) == EACCES);
	CHECK(try_socket(AF_SMC, SOCK_STREAM, 0) == EACCES);
	/* Explicitly allowed: whatever the kernel says (EPROTONOSUPPORT without MPTCP). */
	if (mptcp_before == 0)
		CHECK(try_socket(AF_INET6, SOCK_STREAM, IPPROTO_MPTCP) == 0);
	/* Everything else is untouched (sockets are not handled). */
	CHECK(try_socket(AF_INET, SOCK_STREAM, 0) == 0 && try_socket(AF_INET, SOCK_DGRAM, 0) == 0);
	CHECK(try_socket(AF_UNIX, SOCK_STREAM, 0) == 0);
	return 0;
}

static int test_io_uring_blocked(void)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	long control = syscall(SYS_io_uring_setup, 4, &params);
	int available = control >= 0;
	if (available)
		close((int)control);
	CHECK_RC(restrict_sockets(NULL, 0, 0), 0);
	memset(&params, 0, sizeof(params));
	errno = 0;
	CHECK(syscall(SYS_io_uring_setup, 4, &params) < 0 && errno == ENOSYS);
	errno = 0;
	CHECK(syscall(SYS_io_uring_enter, 0, 0, 0, 0, NULL, 0) < 0 && errno == ENOSYS);
	errno = 0;
	CHECK(syscall(SYS_io_uring_register, 0, 0, NULL, 0) < 0 && errno == ENOSYS);
	(void)available;
	return 0;
}

/* The child makes a foreign-ABI syscall after restricting; returns its wait status. */
static int foreign_abi_status(int use_x32)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (restrict_sockets(NULL, 0, 0) != 0)
			_exit(3);
		if (use_x32) {
			/* x32 socket(): __X32_SYSCALL_BIT | 41 */
			syscall(0x40000000L | 41, (long)AF_INET, (long)SOCK_STREAM, 0L);
		} else {
			/* i386 socketcall(SYS_SOCKET, args) through int 0x80. */
			static unsigned int args[3] = {AF_INET, SOCK_STREAM, 0};
			long ret;
			__asm__ volatile("int $0x80" : "=a"(ret) : "a"(102), "b"(1), "c"(args) : "memory");
			(void)ret;
			/* i386 socket() (359) too. */
			__asm__ volatile("int $0x80" : "=a"(ret) : "a"(359), "b"(AF_INET), "c"(SOCK_STREAM), "d"(0) : "memory");
		}
		_exit(0); /* survived: the filter failed */
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

static int test_foreign_abi_killed(void)
{
	int status = foreign_abi_status(0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	status = foreign_abi_status(1);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);
	return 0;
}

static int restrict_listen(const uint16_t *ports, size_t count)
{
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	int rc = netfence_ruleset_new(&rs);
	if (rc == 0)
		rc = netfence_ruleset_handle_net(rs, LISTEN);
	for (size_t i = 0; rc == 0 && i < count; i++)
		rc = netfence_ruleset_allow_port(rs, LISTEN, ports[i]);
	if (rc == 0)
		rc = netfence_ruleset_restrict_self(rs, 0, &st);
	netfence_ruleset_free(rs);
	if (rc == 0 && count > 0 && (st.listen_mode != NETFENCE_LISTEN_PER_PORT || st.listen_supervisor_pid <= 0))
		return -EFAULT;
	return rc;
}

static int listen_on(int family, uint16_t port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (port != 0 && bind_fd(fd, family, port) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	int err = listen(fd, 4) < 0 ? errno : 0;
	close(fd);
	return err;
}

static int test_listen_per_port(void)
{
	uint16_t allowed = free_port(), denied = free_port();
	uint16_t ports[] = {allowed};
	CHECK_RC(restrict_listen(ports, 1), 0);
	CHECK(listen_on(AF_INET, allowed) == 0);
	CHECK(listen_on(AF_INET6, allowed) == 0);
	CHECK(listen_on(AF_INET, denied) == EACCES);
	/* listen() on a never-bound socket autobinds: needs a port-0 rule. */
	CHECK(listen_on(AF_INET, 0) == EACCES);
	/* Other families are not TCP: they may listen. */
	int unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "netfence-test-%d", getpid());
	CHECK(bind(unix_fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(unix_fd, 4) == 0);
	close(unix_fd);
	/* Not a socket: the kernel's answer. */
	errno = 0;
	CHECK(listen(0, 4) < 0 && (errno == ENOTSOCK || errno == EBADF));
	return 0;
}

static int test_listen_port_zero_rule(void)
{
	uint16_t specific = free_port();
	uint16_t ports[] = {0};
	CHECK_RC(restrict_listen(ports, 1), 0);
	CHECK(listen_on(AF_INET, 0) == 0);           /* never bound: allowed by the port-0 rule */
	CHECK(listen_on(AF_INET, specific) == EACCES); /* bound to a port without a rule */
	return 0;
}

static int test_listen_after_unspec_disconnect(void)
{
	uint16_t server_port = 0;
	int server = listener(AF_INET, &server_port);
	CHECK(server >= 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(connect_fd(fd, AF_INET, server_port) == 0); /* autobound to an ephemeral port */
	uint16_t allowed = free_port();
	uint16_t ports[] = {allowed};
	CHECK_RC(restrict_listen(ports, 1), 0);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	CHECK(connect(fd, &unspec, sizeof(unspec)) == 0);
	errno = 0;
	CHECK(listen(fd, 4) < 0 && errno == EACCES);
	close(fd);
	return 0;
}

/* Swap what fd N refers to under a concurrent listen(N): the unapproved
 * socket must never end up listening. */
static volatile int race_stop;
static int race_fd, race_good, race_bad;
static void *race_swapper(void *arg)
{
	(void)arg;
	while (!race_stop) {
		dup2(race_good, race_fd);
		dup2(race_bad, race_fd);
	}
	return NULL;
}

static int test_listen_fd_swap_race(void)
{
	uint16_t allowed = free_port(), denied = free_port();
	CHECK(allowed != 0 && denied != 0 && allowed != denied);
	race_good = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	race_bad = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(race_good >= 0 && race_bad >= 0);
	CHECK(bind_fd(race_good, AF_INET, allowed) == 0 && bind_fd(race_bad, AF_INET, denied) == 0);
	race_fd = dup(race_good);
	CHECK(race_fd >= 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, LISTEN), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, allowed), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.listen_mode == NETFENCE_LISTEN_PER_PORT && st.listen_supervisor_pid > 0);
	pthread_t swapper;
	CHECK(pthread_create(&swapper, NULL, race_swapper, NULL) == 0);
	int successes = 0, denials = 0, others = 0;
	for (int i = 0; i < 3000; i++) {
		if (listen(race_fd, 4) == 0)
			successes++;
		else if (errno == EACCES)
			denials++;
		else
			others++;
	}
	race_stop = 1;
	CHECK(pthread_join(swapper, NULL) == 0);
	CHECK(successes > 0 && denials > 0 && others == 0);
	/* The swapped-in, unapproved socket never listened... */
	int accepting = -1;
	socklen_t len = sizeof(accepting);
	CHECK(getsockopt(race_bad, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0);
	CHECK(accepting == 0);
	/* ...and the approved one does (every success was on it). */
	accepting = -1;
	len = sizeof(accepting);
	CHECK(getsockopt(race_good, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0);
	CHECK(accepting == 1);
	/* What a client sees (connect is not handled): the approved port
	 * answers, the other one refuses. */
	CHECK(try_connect(AF_INET, allowed) == 0);
	CHECK(try_connect(AF_INET, denied) == ECONNREFUSED);
	return 0;
}

static int test_fork_after_restrict(void)
{
	uint16_t allowed = free_port(), denied = free_port();
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, LISTEN), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, allowed), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	pid_t child = fork();
	if (child == 0) {
		int ok = try_socket(AF_INET6, SOCK_STREAM, 0) == EACCES && try_socket(AF_UNIX, SOCK_STREAM, 0) == EACCES &&
			 try_socket(AF_INET, SOCK_STREAM, 0) == 0 && listen_on(AF_INET, denied) == EACCES;
		/* Per-port listen in a child: works without Yama; with Yama
		 * ptrace_scope >= 1 the supervisor cannot reach the child and
		 * fails closed (EACCES). Either way never an unchecked listen. */
		int allowed_rc = listen_on(AF_INET, allowed);
		_exit(ok && (allowed_rc == 0 || allowed_rc == EACCES) ? (allowed_rc == 0 ? 10 : 11) : 1);
	}
	int status = 0;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status));
	FILE *yama = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = 0;
	if (yama != NULL) {
		if (fscanf(yama, "%d", &scope) != 1)
			scope = 0;
		fclose(yama);
	}
	/* Without Yama the child's allowed listen works; with Yama it depends on
	 * the supervisor's CAP_SYS_PTRACE (root keeps it unless dropped). */
	if (scope == 0)
		CHECK(WEXITSTATUS(status) == 10);
	else
		CHECK(WEXITSTATUS(status) == 10 || WEXITSTATUS(status) == 11);
	return 0;
}

/* ===================== spawn ===================== */

/* The spawned side: `netfence_test child-bind ALLOWED DENIED` exits 42 when
 * ALLOWED binds and DENIED gets EACCES, and it cannot create a UDP socket. */
static int child_bind_main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	uint16_t allowed = (uint16_t)atoi(argv[2]), denied = (uint16_t)atoi(argv[3]);
	int ok = try_bind(AF_INET, 0, allowed) == 0 && try_bind(AF_INET, 0, denied) == EACCES &&
		 try_socket(AF_INET, SOCK_DGRAM, 0) == EACCES;
	return ok ? PASS_SENTINEL : 1;
}

static netfence_ruleset *spawn_ruleset(uint16_t allowed)
{
	netfence_ruleset *rs = NULL;
	if (netfence_ruleset_new(&rs) != 0 || netfence_ruleset_handle_net(rs, BIND) != 0 ||
	    netfence_ruleset_allow_port(rs, BIND, allowed) != 0 || netfence_ruleset_handle_sockets(rs) != 0 ||
	    netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0) != 0) {
		netfence_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

static int spawn_and_wait_self(netfence_ruleset *rs, uint16_t allowed, uint16_t denied, netfence_status *st)
{
	char self[4096];
	if (self_exe(self, sizeof(self)) != 0)
		return -1;
	char a[16], d[16];
	snprintf(a, sizeof(a), "%u", allowed);
	snprintf(d, sizeof(d), "%u", denied);
	char *argv[] = {self, "child-bind", a, d, NULL};
	int32_t pid = 0;
	int rc = netfence_ruleset_spawn(rs, self, argv, NULL, &pid, st);
	if (rc != 0)
		return rc;
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == PASS_SENTINEL ? 0 : -2;
}

static int test_spawn_restricts_child_only(void)
{
	uint16_t allowed = free_port(), denied = free_port();
	netfence_ruleset *rs = spawn_ruleset(allowed);
	CHECK(rs != NULL);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(spawn_and_wait_self(rs, allowed, denied, &st), 0);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL && st.landlock_applied == 1 && st.seccomp_installed == 1);
	CHECK(st.all_threads == 1 && st.thread_count == 1 && st.no_new_privs == 1);
	/* The parent is untouched... */
	CHECK(try_bind(AF_INET, 0, denied) == 0 && try_socket(AF_INET, SOCK_DGRAM, 0) == 0);
	CHECK(proc_status_hex("NoNewPrivs") == 0 || proc_status_hex("NoNewPrivs") == UINT64_MAX);
	/* ...and the ruleset may spawn again. */
	CHECK_RC(spawn_and_wait_self(rs, allowed, denied, &st), 0);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_spawn_exec_failure(void)
{
	netfence_ruleset *rs = spawn_ruleset(1);
	CHECK(rs != NULL);
	char *argv[] = {"missing", NULL};
	int32_t pid = -7;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_spawn(rs, "/nonexistent/netfence-program", argv, NULL, &pid, &st), -ENOENT);
	CHECK(strstr(netfence_last_error(), "/nonexistent/netfence-program") != NULL);
	CHECK(strstr(netfence_last_error(), "reaped") != NULL);
	CHECK(pid == -7); /* not written on failure */
	/* No zombie: the child was reaped, nothing is left to wait for. */
	errno = 0;
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	/* Not executable. */
	CHECK_RC(netfence_ruleset_spawn(rs, "/etc/passwd", argv, NULL, &pid, &st), -EACCES);
	/* PATH search in the parent. */
	CHECK_RC(netfence_ruleset_spawn(rs, "netfence-no-such-program", argv, NULL, &pid, &st), -ENOENT);
	char *env_argv[] = {"true", NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	CHECK_RC(netfence_ruleset_spawn(rs, "true", env_argv, envp, &pid, &st), 0);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Bad input. */
	CHECK_RC(netfence_ruleset_spawn(NULL, "/bin/true", argv, NULL, &pid, &st), -EINVAL);
	CHECK_RC(netfence_ruleset_spawn(rs, NULL, argv, NULL, &pid, &st), -EINVAL);
	CHECK_RC(netfence_ruleset_spawn(rs, "/bin/true", NULL, NULL, &pid, &st), -EINVAL);
	CHECK_RC(netfence_ruleset_spawn(rs, "/bin/true", argv, NULL, NULL, &st), -EINVAL);
	char *empty[] = {NULL};
	CHECK_RC(netfence_ruleset_spawn(rs, "/bin/true", empty, NULL, &pid, &st), -EINVAL);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_spawn_from_threaded_parent(void)
{
	pthread_t threads[3];
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&threads[i], NULL, idle_thread, NULL) == 0);
	uint16_t allowed = free_port(), denied = free_port();
	netfence_ruleset *rs = spawn_ruleset(allowed);
	CHECK(rs != NULL);
	netfence_status st = NETFENCE_STATUS_INIT;
	/* restrict_self would refuse (-EBUSY before ABI 8); spawn is made for this. */
	CHECK_RC(spawn_and_wait_self(rs, allowed, denied, &st), 0);
	CHECK(st.all_threads == 1);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_spawn_with_listen_supervisor(void)
{
	uint16_t allowed = free_port();
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, LISTEN), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, allowed), 0);
	char script[256];
	/* A child that listens on the allowed port and then on an unbound socket. */
	snprintf(script, sizeof(script),
		 "import socket,sys\n"
		 "a=socket.socket(); a.bind(('127.0.0.1',%u)); a.listen()\n"
		 "b=socket.socket()\n"
		 "try:\n b.listen()\nexcept PermissionError:\n sys.exit(42)\n"
		 "sys.exit(1)\n", allowed);
	char *argv[] = {"python3", "-c", script, NULL};
	int32_t pid = 0;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_spawn(rs, "python3", argv, NULL, &pid, &st), 0);
	CHECK(st.listen_mode == NETFENCE_LISTEN_PER_PORT && st.listen_supervisor_pid > 0);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42);
	netfence_ruleset_free(rs);
	return 0;
}

/* The spawned child drops capabilities itself, with raw syscalls (it shares
 * the parent's memory until exec): it keeps exactly CAP_NET_BIND_SERVICE,
 * in the bounding and ambient sets too, with securebits locked; the parent
 * keeps everything. */
static int child_caps_main(void)
{
	const uint64_t bind_service = UINT64_C(1) << 10;
	if (proc_status_hex("CapEff") != bind_service || proc_status_hex("CapPrm") != bind_service ||
	    proc_status_hex("CapBnd") != bind_service || proc_status_hex("CapAmb") != bind_service)
		return 1;
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	return bits >= 0 && (bits & 0x2a) == 0x2a ? PASS_SENTINEL : 2; /* the *_LOCKED bits of NOROOT, NO_SETUID_FIXUP, KEEP_CAPS */
}

static int test_spawn_drops_capabilities(void)
{
	uint64_t before = proc_status_hex("CapEff");
	netfence_ruleset *rs = NULL;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_keep_caps(rs, "cap_net_bind_service"), 0);
	CHECK_RC(netfence_ruleset_set_caps_options(rs, NETFENCE_CAPS_AMBIENT), 0);
	char self[4096];
	CHECK(self_exe(self, sizeof(self)) == 0);
	char *argv[] = {self, "child-caps", NULL};
	int32_t pid = 0;
	netfence_status st = NETFENCE_STATUS_INIT;
	errno = 0;
	CHECK_RC(netfence_ruleset_spawn(rs, self, argv, NULL, &pid, &st), 0);
	CHECK(st.caps_applied == 1 && st.caps_effective == (UINT64_C(1) << 10));
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == PASS_SENTINEL);
	CHECK(proc_status_hex("CapEff") == before);
	netfence_ruleset_free(rs);
	return 0;
}

static int test_second_per_port_layer_fails_closed(void)
{
	uint16_t allowed = free_port();
	uint16_t ports[] = {allowed};
	CHECK_RC(restrict_listen(ports, 1), 0);
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_net(rs, LISTEN), 0);
	CHECK_RC(netfence_ruleset_allow_port(rs, LISTEN, allowed), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.listen_mode == NETFENCE_LISTEN_DENY_ALL);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_LISTEN_FAIL_CLOSED);
	CHECK(st.enforced == NETFENCE_ENFORCED_PARTIAL && st.seccomp_installed == 1);
	CHECK(listen_on(AF_INET, allowed) == EACCES); /* the outer layer denies all now */
	return 0;
}

static int test_seqpacket_zero_is_sctp(void)
{
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(BIND, 0, 0, &st), 0);
	CHECK(try_socket(AF_INET, SOCK_SEQPACKET, 0) == EACCES);
	CHECK(try_socket(AF_INET6, SOCK_STREAM, 256 /* IPPROTO_SMC */) == EACCES);
	CHECK(try_socket(AF_INET, SOCK_STREAM, 0) == 0);
	return 0;
}

/* A sibling thread with its own seccomp filter cannot be synchronized:
 * the call must fail, never report a filter that is not there. */
static int sibling_ready[2], sibling_stop[2];
static void *filtered_sibling(void *arg)
{
	(void)arg;
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	char byte = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 'y' : 'n';
	if (write(sibling_ready[1], &byte, 1) != 1 || read(sibling_stop[0], &byte, 1) < 0)
		return NULL;
	return NULL;
}

static int test_seccomp_tsync_failure_is_reported(void)
{
	CHECK(pipe(sibling_ready) == 0 && pipe(sibling_stop) == 0);
	pthread_t sibling;
	CHECK(pthread_create(&sibling, NULL, filtered_sibling, NULL) == 0);
	char byte = 0;
	CHECK(read(sibling_ready[0], &byte, 1) == 1 && byte == 'y');
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), -EBUSY);
	/* Before ABI 8 the ptrace-isolation Landlock domain refuses the other
	 * thread up front; from ABI 8 seccomp's TSYNC reports the sibling. */
	CHECK(strstr(netfence_last_error(), landlock_abi >= 8 ? "seccomp" : "threads") != NULL);
	CHECK(st.seccomp_installed == 0 && st.enforced != NETFENCE_ENFORCED_FULL);
	CHECK(try_socket(AF_UNIX, SOCK_STREAM, 0) == 0); /* indeed not filtered */
	netfence_ruleset_free(rs);
	return 0;
}

/* ===================== concurrency ===================== */

static void *builder_thread(void *arg)
{
	intptr_t id = (intptr_t)arg;
	for (int round = 0; round < 200; round++) {
		netfence_ruleset *rs = NULL;
		if (netfence_ruleset_new(&rs) != 0)
			return (void *)1;
		netfence_ruleset_handle_net(rs, BIND | LISTEN);
		netfence_ruleset_allow_port_range(rs, BIND, 1000, 1000 + (uint64_t)round);
		netfence_ruleset_allow_socket(rs, AF_INET, SOCK_STREAM, 0);
		/* A failure whose message names this thread's own bad port. */
		uint64_t bad = 70000 + (uint64_t)id * 1000 + (uint64_t)round;
		if (netfence_ruleset_allow_port(rs, BIND, bad) != -EINVAL)
			return (void *)2;
		char expected[32];
		snprintf(expected, sizeof(expected), "%llu", (unsigned long long)bad);
		if (strstr(netfence_last_error(), expected) == NULL)
			return (void *)3; /* the message must be this thread's */
		netfence_status st = NETFENCE_STATUS_INIT;
		char *text = NULL;
		if (netfence_status_format(&st, NETFENCE_FORMAT_JSON, &text) != 0)
			return (void *)4;
		netfence_free(text);
		if (strcmp(netfence_last_error(), "") != 0)
			return (void *)5; /* cleared by the success, on this thread only */
		netfence_ruleset_free(rs);
	}
	return NULL;
}

static int test_concurrent_builders_and_errors(void)
{
	pthread_t threads[8];
	for (intptr_t i = 0; i < 8; i++)
		CHECK(pthread_create(&threads[i], NULL, builder_thread, (void *)i) == 0);
	for (int i = 0; i < 8; i++) {
		void *result = NULL;
		CHECK(pthread_join(threads[i], &result) == 0);
		CHECK(result == NULL);
	}
	return 0;
}

/* ===================== review findings ===================== */

/* TCP Fast Open connects inside sendto(): refused whenever CONNECT_TCP is enforced. */
static int test_fast_open_refused(void)
{
	uint16_t allowed = 0, other = 0;
	int l1 = listener(AF_INET, &allowed), l2 = listener(AF_INET, &other);
	CHECK(l1 >= 0 && l2 >= 0);
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(restrict_net(CONNECT, CONNECT, allowed, &st), 0);
	CHECK(st.seccomp_features & NETFENCE_SECCOMP_FAST_OPEN_BLOCKED);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	make_addr(AF_INET, other, &ss, &len);
	errno = 0;
	CHECK(sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&ss, len) < 0 && errno == EOPNOTSUPP);
	struct iovec iov = {.iov_base = "x", .iov_len = 1};
	struct msghdr msg = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
	errno = 0;
	CHECK(sendmsg(fd, &msg, MSG_FASTOPEN) < 0 && errno == EOPNOTSUPP);
	close(fd);
	/* The other port is still only reachable through connect(), which Landlock checks. */
	CHECK(try_connect(AF_INET, other) == EACCES);
	CHECK(try_connect(AF_INET, allowed) == 0);
	return 0;
}

/* A ruleset whose only layer is seccomp still gets a Landlock domain, so the
 * process cannot ptrace or pidfd_getfd its way into unsandboxed processes. */
static int test_seccomp_only_ruleset_is_isolated(void)
{
	pid_t outside = paused_child();
	netfence_ruleset *rs = NULL;
	netfence_status st = NETFENCE_STATUS_INIT;
	CHECK_RC(netfence_ruleset_new(&rs), 0);
	CHECK_RC(netfence_ruleset_handle_sockets(rs), 0);
	CHECK_RC(netfence_ruleset_allow_socket(rs, AF_UNIX, NETFENCE_ANY, NETFENCE_ANY), 0);
	CHECK_RC(netfence_ruleset_restrict_self(rs, 0, &st), 0);
	netfence_ruleset_free(rs);
	CHECK(st.landlock_applied == 1 && st.landlock_isolation == 1 && st.fs_enforced == 0);
	CHECK(st.enforced == NETFENCE_ENFORCED_FULL);
	errno = 0;
	int traced = (int)ptrace(PTRACE_ATTACH, outside, NULL, NULL);
	int ptrace_errno = errno;
	int pidfd = (int)syscall(SYS_pidfd_open, outside, 0);
	errno = 0;
	int stolen = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0) : -1;
	int getfd_errno = errno;
	end_child(outside);
	CHECK(traced < 0 && ptrace_errno == EPERM);
	CHECK(stolen < 0 && getfd_errno == EPERM);
	/* Nothing else changed: the filesystem is as before. */
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	return 0;
}

static uint16_t thread_listen_port;
static void *listen_from_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)listen_on(AF_INET, thread_listen_port);
}

/* listen() from a thread other than the main one: the supervisor resolves it. */
static int test_listen_from_other_thread(void)
{
	thread_listen_port = free_port();
	uint16_t ports[] = {thread_listen_port};
	CHECK_RC(restrict_listen(ports, 1), 0);
	pthread_t thread;
	CHECK(pthread_create(&thread, NULL, listen_from_thread, NULL) == 0);
	void *result = (void *)1;
	CHECK(pthread_join(thread, &result) == 0);
	CHECK((intptr_t)result == 0);
	return 0;
}

/* Closed stdio must not cost the supervisor its socket. */
static int test_listen_with_closed_stdio(void)
{
	uint16_t allowed = free_port();
	int saved_in = dup(0), saved_out = dup(1);
	close(0);
	close(1);
	uint16_t ports[] = {allowed};
	int rc = restrict_listen(ports, 1);
	dup2(saved_in, 0);
	dup2(saved_out, 1);
	CHECK_RC(rc, 0);
	CHECK(listen_on(AF_INET, allowed) == 0);
	return 0;
}

struct test {
	const char *name;
	int (*fn)(void);
	int min_abi;
	int needs_root;
};

static const struct test tests[] = {
	{"null_handles", test_null_handles, 0, 0},
	{"bad_ports_and_bits", test_bad_ports_and_bits, 0, 0},
	{"bad_paths", test_bad_paths, 0, 0},
	{"policy_text", test_policy_text, 0, 0},
	{"policy_enforced", test_policy_enforced, 4, 0},
	{"restrict_self_bad_input", test_restrict_self_bad_input, 0, 0},
	{"freed_handles", test_freed_handles, 0, 0},
	{"strings_and_queries", test_strings_and_queries, 0, 0},
	{"calls_after_restrict", test_calls_after_restrict, 4, 0},
	{"tcp_bind_ipv4_proto0", test_bind_ipv4_proto0, 4, 0},
	{"tcp_bind_ipv4_ipproto_tcp", test_bind_ipv4_ipproto_tcp, 4, 0},
	{"tcp_bind_ipv6_proto0", test_bind_ipv6_proto0, 4, 0},
	{"tcp_bind_ipv6_ipproto_tcp", test_bind_ipv6_ipproto_tcp, 4, 0},
	{"tcp_connect_ipv4", test_connect_ipv4, 4, 0},
	{"tcp_connect_ipv6", test_connect_ipv6, 4, 0},
	{"port_zero_rule", test_port_zero_rule, 4, 0},
	{"specific_rule_denies_port_zero", test_specific_rule_denies_port_zero, 4, 0},
	{"range_edges", test_range_edges, 4, 0},
	{"range_merging_and_count", test_range_merging_and_count, 4, 0},
	{"full_range_is_unrestricted", test_full_range_is_unrestricted, 4, 0},
	{"socket_created_before_restrict", test_socket_created_before_restrict, 4, 0},
	{"bound_before_restrict_keeps_working", test_bound_before_restrict_keeps_working, 4, 0},
	{"filesystem_rule", test_filesystem_rule, 1, 0},
	{"preexisting_thread", test_preexisting_thread, 4, 0},
	{"compat_best_effort_udp", test_compat_best_effort_udp, 4, 0},
	{"compat_hard_requirement", test_compat_hard_requirement, 4, 0},
	{"compat_soft_requirement", test_compat_soft_requirement, 4, 0},
	{"status_grows_compatibly", test_status_grows_compatibly, 4, 0},
	{"scopes", test_scopes, 1, 0},
	{"caps_bad_input", test_caps_bad_input, 0, 0},
	{"caps_text_and_status_format", test_caps_text_and_status_format, 4, 0},
	{"caps_drop_all", test_caps_drop_all, 0, 1},
	{"caps_keep_bind_service_with_landlock", test_caps_keep_bind_service_with_landlock, 4, 1},
	{"caps_ambient_across_exec", test_caps_ambient_across_exec, 0, 1},
	{"caps_no_ambient_lost_across_exec", test_caps_no_ambient_lost_across_exec, 0, 1},
	{"failure_part_way_is_reported", test_failure_part_way_is_reported, 4, 1},
	{"no_network_program", test_no_network_program, 4, 0},
	{"tcp_server", test_tcp_server, 4, 0},
	{"bind_early_then_deny_everything", test_bind_early_then_deny_everything, 0, 0},
	{"socket_wildcards_and_aliases", test_socket_wildcards_and_aliases, 0, 0},
	{"socket_rule_bad_input", test_socket_rule_bad_input, 0, 0},
	{"oversized_socket_filter_is_refused", test_oversized_socket_filter_is_refused, 0, 0},
	{"tcp_bypass_protocols", test_tcp_bypass_protocols, 4, 0},
	{"io_uring_blocked", test_io_uring_blocked, 0, 0},
	{"foreign_abi_killed", test_foreign_abi_killed, 0, 0},
	{"listen_per_port", test_listen_per_port, 0, 0},
	{"listen_port_zero_rule", test_listen_port_zero_rule, 0, 0},
	{"listen_after_unspec_disconnect", test_listen_after_unspec_disconnect, 0, 0},
	{"listen_fd_swap_race", test_listen_fd_swap_race, 0, 0},
	{"fork_after_restrict", test_fork_after_restrict, 0, 0},
	{"second_per_port_layer_fails_closed", test_second_per_port_layer_fails_closed, 0, 0},
	{"seqpacket_zero_is_sctp", test_seqpacket_zero_is_sctp, 4, 0},
	{"seccomp_tsync_failure_is_reported", test_seccomp_tsync_failure_is_reported, 0, 0},
	{"concurrent_builders_and_errors", test_concurrent_builders_and_errors, 0, 0},
	{"fast_open_refused", test_fast_open_refused, 4, 0},
	{"seccomp_only_ruleset_is_isolated", test_seccomp_only_ruleset_is_isolated, 1, 0},
	{"listen_from_other_thread", test_listen_from_other_thread, 0, 0},
	{"listen_with_closed_stdio", test_listen_with_closed_stdio, 0, 0},
	{"spawn_restricts_child_only", test_spawn_restricts_child_only, 4, 0},
	{"spawn_exec_failure", test_spawn_exec_failure, 4, 0},
	{"spawn_from_threaded_parent", test_spawn_from_threaded_parent, 4, 0},
	{"spawn_with_listen_supervisor", test_spawn_with_listen_supervisor, 0, 0},
	{"spawn_drops_capabilities", test_spawn_drops_capabilities, 0, 1},
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child-bind") == 0)
		return child_bind_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "child-caps") == 0)
		return child_caps_main();
	landlock_abi = netfence_landlock_abi();
	int passed = 0, failed = 0, skipped = 0;
	printf("netfence C ABI tests (library %s, Landlock ABI %d)\n", netfence_version(), landlock_abi);
	/* NETFENCE_EXPECT_ABI: another ABI fails the run (the cases still run). */
	int expect = expected_abi();
	failed += abi_mismatch("c-abi", expect, landlock_abi);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		if (argc > 1 && strcmp(argv[1], t->name) != 0)
			continue;
		if (t->needs_root && geteuid() != 0) {
			printf("skip %s: needs root (capabilities to drop)\n", t->name);
			skipped++;
			continue;
		}
		if (t->min_abi > 0 && landlock_abi < t->min_abi) {
			/* A kernel-feature skip: a failure when the ABI is expected. */
			if (expect != 0) {
				printf("FAIL %s: needs Landlock ABI %d, the kernel has %d (NETFENCE_EXPECT_ABI is set: no kernel-feature skip)\n",
				       t->name, t->min_abi, landlock_abi);
				failed++;
			} else {
				printf("skip %s: needs Landlock ABI %d, the kernel has %d\n", t->name, t->min_abi, landlock_abi);
				skipped++;
			}
			continue;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(t->fn() == 0 ? PASS_SENTINEL : 1);
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			printf("FAIL %s: cannot run the child\n", t->name);
			failed++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == PASS_SENTINEL) {
			printf("ok   %s\n", t->name);
			passed++;
		} else {
			printf("FAIL %s (%s %d)\n", t->name, WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			failed++;
		}
	}
	printf("c-abi: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	if (failed > 0 || passed + skipped == 0)
		return 1;
	return skipped > 0 ? EXIT_SKIPPED : 0;
}
