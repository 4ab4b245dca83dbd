/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the netfence C ABI: each input is a program of C ABI
 * calls with arbitrary arguments (handles, masks, ports, families, paths,
 * status sizes). Builder calls run in the fuzzer process (they never touch
 * the process's privileges); netfence_ruleset_restrict_self and spawn run
 * only in a forked child, so the fuzzer itself is never restricted.
 * Invariants checked: every int return is 0 (or a documented count) or a
 * negative errno; a failure leaves a non-empty message; strings are never
 * NULL; nothing crashes or leaks (ASan).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netfence.h>

struct reader {
	const uint8_t *data;
	size_t size;
};

static uint64_t take(struct reader *r, size_t bytes)
{
	uint64_t value = 0;
	for (size_t i = 0; i < bytes && r->size > 0; i++) {
		value = value << 8 | *r->data++;
		r->size--;
	}
	return value;
}

/* Interesting values more often than uniform ones. */
static uint64_t pick64(struct reader *r)
{
	static const uint64_t special[] = {0, 1, 2, 3, 4, 8, 0xf, 0x10, 0x1ffff, 80, 443, 65535, 65536, 70000,
					   UINT32_MAX, (uint64_t)1 << 32, (uint64_t)1 << 62, (uint64_t)1 << 63, UINT64_MAX};
	uint8_t kind = (uint8_t)take(r, 1);
	if (kind < 128)
		return special[kind % (sizeof(special) / sizeof(special[0]))];
	return take(r, 8);
}

static int32_t pick32(struct reader *r)
{
	static const int32_t special[] = {-1, 0, 1, 2, 3, 5, 6, 10, 16, 17, 43, 45, 46, 132, 256, 262, 65535, 65536, INT32_MIN, INT32_MAX};
	uint8_t kind = (uint8_t)take(r, 1);
	if (kind < 160)
		return special[kind % (sizeof(special) / sizeof(special[0]))];
	return (int32_t)take(r, 4);
}

static void check_rc(int rc, const char *what)
{
	const char *message = netfence_last_error();
	if (message == NULL) {
		fprintf(stderr, "%s: netfence_last_error() is NULL\n", what);
		abort();
	}
	if (rc > 0 || rc < -4095) {
		fprintf(stderr, "%s: returned %d, not 0 or -errno\n", what, rc);
		abort();
	}
	if (rc < 0 && message[0] == '\0') {
		fprintf(stderr, "%s: failed (%d) without a message\n", what, rc);
		abort();
	}
	if (netfence_strerror(rc) == NULL)
		abort();
}

/* restrict_self / spawn in a child: its exit code says whether the
 * invariants held (77 = fine). */
static void apply_in_child(netfence_ruleset *rs, uint32_t flags, uint32_t status_size, int spawn)
{
	pid_t pid = fork();
	if (pid == 0) {
		union {
			netfence_status st;
			unsigned char bytes[sizeof(netfence_status) + 64];
		} buffer;
		memset(&buffer, 0xA5, sizeof(buffer));
		buffer.st.size = status_size;
		int rc;
		if (spawn) {
			char *argv[] = {"true", NULL};
			int32_t child = 0;
			rc = netfence_ruleset_spawn(rs, "/bin/true", argv, NULL, &child, status_size ? &buffer.st : NULL);
			if (rc == 0)
				while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
				}
		} else {
			rc = netfence_ruleset_restrict_self(rs, flags, status_size ? &buffer.st : NULL);
		}
		check_rc(rc, spawn ? "spawn" : "restrict_self");
		/* Nothing written past the caller's size. */
		if (status_size >= sizeof(netfence_status) && status_size <= sizeof(buffer) &&
		    buffer.bytes[sizeof(buffer) - 1] != 0xA5)
			abort();
		if (status_size != 0 && status_size < sizeof(netfence_status) && rc != -EINVAL)
			abort();
		_exit(77);
	}
	if (pid < 0)
		return; /* no process to spare right now: nothing to check */
	/* libFuzzer's timers interrupt waitpid (EINTR): retry, or the status
	 * would be read unset (the first "crash" this harness found). */
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			abort();
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 77) {
		fprintf(stderr, "apply child failed: status 0x%x\n", status);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	netfence_ruleset *rulesets[2] = {NULL, NULL};
	int applies = 0;
	while (r.size > 0) {
		uint8_t op = (uint8_t)take(&r, 1);
		netfence_ruleset *rs = rulesets[op & 1];
		switch ((op >> 1) % 21) {
		case 0:
			if (rs == NULL)
				check_rc(netfence_ruleset_new(&rulesets[op & 1]), "new");
			break;
		case 1:
			netfence_ruleset_free(rs);
			rulesets[op & 1] = NULL;
			break;
		case 2:
			check_rc(netfence_ruleset_set_compat(rs, (uint32_t)pick64(&r)), "set_compat");
			break;
		case 3:
			check_rc(netfence_ruleset_handle_net(rs, pick64(&r)), "handle_net");
			break;
		case 4: {
			uint64_t access = pick64(&r);
			check_rc(netfence_ruleset_allow_port(rs, access, pick64(&r)), "allow_port");
			break;
		}
		case 5: {
			uint64_t access = pick64(&r), first = pick64(&r);
			check_rc(netfence_ruleset_allow_port_range(rs, access, first, pick64(&r)), "allow_port_range");
			break;
		}
		case 6:
			check_rc(netfence_ruleset_handle_fs(rs, pick64(&r)), "handle_fs");
			break;
		case 7: {
			static const char *paths[] = {"/", "/etc/passwd", "/nonexistent", "", "/tmp", "/dev/null", "relative"};
			uint64_t access = pick64(&r);
			uint8_t which = (uint8_t)take(&r, 1);
			check_rc(netfence_ruleset_allow_path(rs, access, which == 255 ? NULL : paths[which % 7]), "allow_path");
			break;
		}
		case 8:
			check_rc(netfence_ruleset_set_scope(rs, pick64(&r)), "set_scope");
			break;
		case 9:
			check_rc(netfence_ruleset_handle_sockets(rs), "handle_sockets");
			break;
		case 10: {
			int32_t family = pick32(&r), type = pick32(&r);
			check_rc(netfence_ruleset_allow_socket(rs, family, type, pick32(&r)), "allow_socket");
			break;
		}
		case 11: {
			/* A NUL-terminated name list from the input. */
			char names[64];
			size_t n = (size_t)take(&r, 1) % sizeof(names);
			for (size_t i = 0; i < n; i++)
				names[i] = (char)take(&r, 1);
			names[n] = '\0';
			check_rc(netfence_ruleset_keep_caps(rs, (op & 0x80) ? NULL : names), "keep_caps");
			break;
		}
		case 12: {
			uint32_t caps[8];
			size_t count = (size_t)take(&r, 1) % 9;
			for (size_t i = 0; i < count; i++)
				caps[i] = (uint32_t)pick64(&r);
			check_rc(netfence_ruleset_keep_caps_array(rs, (op & 0x80) ? NULL : caps, count), "keep_caps_array");
			break;
		}
		case 13:
			check_rc(netfence_ruleset_set_caps_options(rs, (uint32_t)pick64(&r)), "set_caps_options");
			break;
		case 14: {
			netfence_status st = NETFENCE_STATUS_INIT;
			st.size = (op & 0x80) ? (uint32_t)take(&r, 2) : st.size;
			char *out = NULL;
			check_rc(netfence_status_format(&st, (uint32_t)take(&r, 1) % 3, &out), "status_format");
			netfence_free(out);
			break;
		}
		case 15: {
			char *out = NULL;
			check_rc(netfence_caps_text(&out), "caps_text");
			netfence_free(out);
			break;
		}
		case 16:
			if (netfence_strerror((int)pick32(&r)) == NULL || netfence_version() == NULL)
				abort();
			break;
		case 17:
		case 18:
			/* Apply in a child (at most twice per input: forks are slow). */
			if (applies++ < 2) {
				uint32_t flags = (uint32_t)pick64(&r);
				uint32_t sizes[] = {0, sizeof(netfence_status), 8, 176, sizeof(netfence_status) + 64};
				apply_in_child(rs, flags, sizes[take(&r, 1) % 5], ((op >> 1) % 21) == 18);
			}
			break;
		case 19: {
			/* A policy: the next bytes as text, through the tool's parser
			 * (netfence_ruleset_add_policy reads exactly len bytes). */
			size_t len = (size_t)take(&r, 1) % 96;
			if (len > r.size)
				len = r.size;
			check_rc(netfence_ruleset_add_policy(rs, (const char *)r.data, len), "add_policy");
			r.data += len;
			r.size -= len;
			break;
		}
		default: {
			int abi = netfence_landlock_abi();
			check_rc(abi > 0 ? 0 : abi, "landlock_abi");
			int errata = netfence_landlock_errata();
			check_rc(errata >= 0 ? 0 : errata, "landlock_errata");
			break;
		}
		}
	}
	netfence_ruleset_free(rulesets[0]);
	netfence_ruleset_free(rulesets[1]);
	return 0;
}
