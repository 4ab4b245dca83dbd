/* SPDX-License-Identifier: MIT */
/*
 * Internal C shim of netfence: what Swift cannot call directly.
 * - syscall(2) is variadic, so Swift imports it as unavailable; the Landlock
 *   syscalls have no libc wrappers (glibc 2.36).
 * - prctl(2) is not visible from Swift's Glibc module.
 * - errno must be read right after the call, so every wrapper returns
 *   -errno itself.
 * Not installed; every symbol is hidden so nothing leaks from the .so.
 */
#ifndef NETFENCE_SHIM_H
#define NETFENCE_SHIM_H

#include <stddef.h>
#include <stdint.h>

#define NF_HIDDEN __attribute__((visibility("hidden")))

/*
 * Our own copy of the Landlock UAPI (Debian 12's <linux/landlock.h> is
 * 6.1-era and has no network part). Prefixed so it can never clash with a
 * system header. Layouts are asserted in shim.c against the kernel's
 * build_check_abi() values.
 */
struct nf_landlock_ruleset_attr {
	uint64_t handled_access_fs;  /* ABI 1 */
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct nf_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct nf_landlock_net_port_attr {
	uint64_t allowed_access;
	uint64_t port; /* host byte order, <= 65535 */
};

#define NF_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define NF_LANDLOCK_CREATE_RULESET_ERRATA  (1U << 1) /* ABI 7 */
#define NF_LANDLOCK_RULE_PATH_BENEATH 1
#define NF_LANDLOCK_RULE_NET_PORT     2
#define NF_LANDLOCK_RESTRICT_SELF_TSYNC (1U << 3) /* ABI 8 */

/* Landlock syscalls; each returns the syscall result or -errno. */
NF_HIDDEN int nf_landlock_create_ruleset(const struct nf_landlock_ruleset_attr *attr, size_t size, uint32_t flags);
NF_HIDDEN int nf_landlock_add_net_port_rule(int ruleset_fd, uint64_t allowed_access, uint64_t port);
NF_HIDDEN int nf_landlock_add_path_beneath_rule(int ruleset_fd, uint64_t allowed_access, int parent_fd);
NF_HIDDEN int nf_landlock_restrict_self(int ruleset_fd, uint32_t flags);

/* prctl(PR_SET_NO_NEW_PRIVS) / PR_GET_NO_NEW_PRIVS: 0/1 or -errno. */
NF_HIDDEN int nf_set_no_new_privs(void);
NF_HIDDEN int nf_get_no_new_privs(void);

/* Number of threads of the calling process (entries of /proc/self/task),
 * or -errno. Uses getdents64 on a stack buffer: no allocation. */
NF_HIDDEN int nf_thread_count(void);

/* open(path, O_PATH | O_CLOEXEC); *is_dir = S_ISDIR. fd or -errno. */
NF_HIDDEN int nf_open_path(const char *path, int *is_dir);
NF_HIDDEN void nf_close(int fd);

/* Thread-local last-error message (pthread key with a destructor, so the
 * buffer is freed when a thread exits). nf_error_get never returns NULL. */
NF_HIDDEN void nf_error_set(const char *message);
NF_HIDDEN void nf_error_clear(void);
NF_HIDDEN const char *nf_error_get(void);

/* Thin forwarders so Swift can name errno values without Glibc. */
NF_HIDDEN const char *nf_strerror(int errnum);
/* "EACCES" for EACCES; "errno N" style fallback handled by the caller (NULL). */
NF_HIDDEN const char *nf_errno_name(int errnum);

#endif
