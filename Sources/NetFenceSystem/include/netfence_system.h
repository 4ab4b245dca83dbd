/* SPDX-License-Identifier: MIT */
/*
 * netfence's system layer: what Swift cannot call directly. One file per
 * job: landlock.c, threads.c, files.c, capabilities.c, apply.c, spawn.c,
 * bpf.c, supervisor.c, proc.c.
 * - syscall(2) is variadic, so Swift imports it as unavailable; the Landlock
 *   syscalls have no libc wrappers (glibc 2.36).
 * - prctl(2) is not visible from Swift's Glibc module.
 * - errno must be read right after the call, so every wrapper returns
 *   -errno itself.
 * Not installed; every symbol is hidden so nothing leaks from the .so.
 */
#ifndef NETFENCE_SYSTEM_H
#define NETFENCE_SYSTEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#define NF_HIDDEN __attribute__((visibility("hidden")))

/*
 * Our own copy of the Landlock UAPI (Debian 12's <linux/landlock.h> is
 * 6.1-era and has no network part). Prefixed so it can never clash with a
 * system header. Layouts are asserted in landlock.c against the kernel's
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
/* The kernel's Landlock ABI (> 0) or -ENOSYS / -EOPNOTSUPP, probed on first
 * use and cached (lowered by the test-only NETFENCE_TEST_ABI). */
NF_HIDDEN int nf_kernel_landlock_abi(void);
/* Its errata bitmask (ABI 7+), probed and cached with it; -ENOSYS /
 * -EOPNOTSUPP without Landlock, -EOPNOTSUPP before ABI 7. */
NF_HIDDEN int nf_kernel_landlock_errata(void);
NF_HIDDEN int nf_landlock_add_net_port_rule(int ruleset_fd, uint64_t allowed_access, uint64_t port);
NF_HIDDEN int nf_landlock_add_path_beneath_rule(int ruleset_fd, uint64_t allowed_access, int parent_fd);

/* prctl(PR_SET_NO_NEW_PRIVS) / PR_GET_NO_NEW_PRIVS: 0/1 or -errno. */
NF_HIDDEN int nf_set_no_new_privs(void);
NF_HIDDEN int nf_get_no_new_privs(void);

/* Number of threads of the calling process, or -errno: 1 when
 * unshare(CLONE_THREAD) succeeds (no seccomp filter in place), else the link
 * count of /proc/self/task (2 + threads), else its entries (getdents64 on a
 * stack buffer). No allocation. */
NF_HIDDEN int nf_thread_count(void);
NF_HIDDEN int nf_io_uring_threads(char *names, size_t size);
/* The entries of /proc/self/task only (tests compare the two). */
NF_HIDDEN int nf_thread_count_by_entries(void);
/* 1 when unshare(CLONE_THREAD) proves the caller the only thread (no seccomp filter in place). */
NF_HIDDEN int nf_only_thread(void);
/* prctl(PR_GET_SECCOMP): 0 without a filter, 2 under one (tests). */
NF_HIDDEN int nf_seccomp_mode(void);

/* open(path, O_PATH | O_CLOEXEC); *is_dir = S_ISDIR. fd or -errno. */
NF_HIDDEN int nf_open_path(const char *path, int *is_dir);
NF_HIDDEN void nf_close(int fd);

/* Thin forwarders so Swift can name errno values without Glibc. */
NF_HIDDEN const char *nf_strerror(int errnum);

/* "MAJOR.MINOR.PATCH" from include/netfence.h's NETFENCE_VERSION_* (version.c). */
NF_HIDDEN const char *nf_netfence_version(void);
/* "EACCES" for EACCES; "errno N" style fallback handled by the caller (NULL). */
NF_HIDDEN const char *nf_errno_name(int errnum);

/* ---- Capabilities, through libcap. Masks: bit n = capability n. ---- */

struct nf_caps_state {
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
	uint64_t bounding;
	uint64_t ambient;
	uint32_t securebits;
	uint32_t reserved;
};

/* The calling thread's capability state; 0 or -errno. */
NF_HIDDEN int nf_caps_read(struct nf_caps_state *out);
/* The highest capability number the running kernel knows (cap_max_bits - 1). */
NF_HIDDEN int nf_cap_last(void);
/* A capability number from libcap's name ("cap_net_raw"), or -EINVAL. */
NF_HIDDEN int nf_cap_from_name(const char *name);
/* libcap's name of a capability, copied into buf (NUL-terminated); 0 or -errno. */
NF_HIDDEN int nf_cap_name(int cap, char *buf, size_t size);
/* A prepared cap_t with E/P/I set from the masks, or NULL (ENOMEM). */
NF_HIDDEN void *nf_caps_new(uint64_t effective, uint64_t permitted, uint64_t inheritable);
NF_HIDDEN void nf_caps_free(void *caps);
NF_HIDDEN uint32_t nf_geteuid(void);

/* Securebits netfence locks when dropping capabilities as root: an exec'd
 * root program cannot regain capabilities (NOROOT), setuid transitions do
 * not change them (NO_SETUID_FIXUP), KEEP_CAPS stays off, and no capability
 * can be raised into the ambient set later. Each bit with its lock. */
#include <linux/securebits.h>
enum {
	NF_SECUREBITS_LOCKDOWN = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
				 SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
	NF_SECBIT_KEEP_CAPS = SECBIT_KEEP_CAPS,
	NF_SECBIT_NO_CAP_AMBIENT_RAISE = SECBIT_NO_CAP_AMBIENT_RAISE,
};

/* ---- seccomp (libseccomp) ---- */

#define NF_CMP_MASKED_EQ 0 /* (arg & mask) == datum */
#define NF_CMP_LT 1        /* arg < datum (64-bit, unsigned) */
#define NF_CMP_GT 2        /* arg > datum */

struct nf_seccomp_cmp {
	uint32_t arg;
	uint32_t op;
	uint64_t mask;
	uint64_t datum;
};

/* A rule's action: an errno to return (0..0xffff), or one of these. */
#define NF_SECCOMP_NOTIFY       0x10000u /* seccomp user notification */
#define NF_SECCOMP_KILL_PROCESS 0x20000u /* kill the whole process */

/* Protocols that older libc headers may lack (kernel values). */
#include <netinet/in.h>
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262 /* Linux 5.6 */
#endif
#define NF_IPPROTO_SMC 256 /* Linux 6.11: SMC over an AF_INET/AF_INET6 socket */
#define NF_MSG_FASTOPEN 0x20000000 /* MSG_FASTOPEN, not in every libc */

/* The syscalls netfence's rules name, by number for this build's native
 * architecture (the only one the filter accepts; foreign ABIs are killed).
 * io_uring (Linux 5.1) has the same numbers on x86_64 and aarch64: headers
 * older than that still build there. */
#if !defined(SYS_io_uring_setup) && (defined(__x86_64__) || defined(__aarch64__))
#define SYS_io_uring_setup 425
#define SYS_io_uring_enter 426
#define SYS_io_uring_register 427
#endif
enum {
	NF_SYSCALL_SOCKET = SYS_socket,
	NF_SYSCALL_SOCKETPAIR = SYS_socketpair,
	NF_SYSCALL_LISTEN = SYS_listen,
	NF_SYSCALL_SENDTO = SYS_sendto,
	NF_SYSCALL_SENDMSG = SYS_sendmsg,
	NF_SYSCALL_SENDMMSG = SYS_sendmmsg,
	NF_SYSCALL_IO_URING_SETUP = SYS_io_uring_setup,
	NF_SYSCALL_IO_URING_ENTER = SYS_io_uring_enter,
	NF_SYSCALL_IO_URING_REGISTER = SYS_io_uring_register,
	NF_SYSCALL_SECCOMP = SYS_seccomp,
};

/* A rule: when every comparison holds, the syscall gets the action. */
struct nf_seccomp_rule {
	int32_t syscall; /* NF_SYSCALL_* */
	uint32_t action;
	uint32_t count;
	struct nf_seccomp_cmp cmp[3];
};

/* One classic BPF instruction: the layout of struct sock_filter
 * (<linux/filter.h>; asserted in bpf.c), under a name Swift can import
 * without the kernel headers. */
struct nf_bpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* Compiles the rules with libseccomp (everything else allowed; a syscall
 * through another ABI than the build's gets foreign_abi_action, an
 * NF_SECCOMP_* action) into a malloc'd program: 0 and *insns_out,
 * *count_out, or -errno (-E2BIG: over the kernel's 4096 instructions).
 * Free the program with free(3). */
NF_HIDDEN int nf_seccomp_compile(const struct nf_seccomp_rule *rules, size_t count, uint32_t foreign_abi_action,
				 struct nf_bpf_insn **insns_out, size_t *count_out);
/* The audit architecture libseccomp builds programs for in this build
 * (AUDIT_ARCH_*): embedded programs are used only when they were built for it. */
NF_HIDDEN uint32_t nf_seccomp_native_arch(void);
/* seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): fd (NEW_LISTENER), 0, or -errno. */
NF_HIDDEN int nf_seccomp_load(const struct nf_bpf_insn *insns, size_t count, uint32_t flags);

/* SECCOMP_RET_USER_NOTIF (Linux 5.0), for nf_seccomp_action_available. */
#include <linux/seccomp.h>
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#define NF_SECCOMP_RET_USER_NOTIF SECCOMP_RET_USER_NOTIF
#define NF_SECCOMP_SET_MODE_FILTER SECCOMP_SET_MODE_FILTER

#define NF_SECCOMP_FILTER_FLAG_TSYNC        1u
#define NF_SECCOMP_FILTER_FLAG_NEW_LISTENER (1u << 3)
#define NF_SECCOMP_FILTER_FLAG_TSYNC_ESRCH  (1u << 4)

/* Start the listen() supervisor (double fork): ports is the 1024-word
 * bitmap of allowed listen ports, allow_unbound whether a never-bound
 * socket may listen, caps the cap_t the supervisor takes (or NULL).
 * *sock_out receives the notify fd later (nf_apply sends it). */
NF_HIDDEN int nf_supervisor_start(const uint64_t *ports, int allow_unbound, void *caps, int set_ptracer, int *sock_out,
				  int32_t *pid_out);
NF_HIDDEN int nf_send_fd(int sock, int fd);

/* ---- kernel feature probes (for `netfence status`) ---- */

/* 1 if seccomp filters can be installed, 0 if not. */
NF_HIDDEN int nf_seccomp_filter_available(void);
/* 1 if the seccomp action (e.g. SECCOMP_RET_USER_NOTIF 0x7fc00000) is available. */
NF_HIDDEN int nf_seccomp_action_available(uint32_t action);
/* /proc/sys/kernel/io_uring_disabled (0, 1, 2), or -errno (-ENOENT: no such knob). */
NF_HIDDEN int nf_read_int_file(const char *path);

/* Seccomp filters already attached to the calling thread ("Seccomp_filters"
 * in /proc/self/status, Linux 5.9), or -errno. */
NF_HIDDEN int nf_seccomp_filter_count(void);

/* ---- The apply sequence ---- */

/* Steps of nf_apply, in order; nf_apply_result.done has a bit per step done. */
#define NF_STEP_CAPS_REDUCED  (1u << 0) /* E/P/I = kept (+ CAP_SETPCAP while working) */
#define NF_STEP_BOUNDING      (1u << 1) /* bounding set reduced to the kept set */
#define NF_STEP_AMBIENT       (1u << 2) /* ambient cleared, kept caps raised if asked */
#define NF_STEP_SECUREBITS    (1u << 3) /* securebits set and locked */
#define NF_STEP_CAPS_FINAL    (1u << 4) /* E/P/I = kept exactly */
#define NF_STEP_NO_NEW_PRIVS  (1u << 5)
#define NF_STEP_LANDLOCK      (1u << 6)
#define NF_STEP_SECCOMP       (1u << 7)
#define NF_STEP_EXEC          (1u << 8) /* nf_spawn only */

/*
 * Everything prepared in advance: nf_apply only makes syscalls (through
 * libcap for capabilities), allocates nothing and takes no lock, so it is
 * also safe between fork and exec.
 */
struct nf_apply_plan {
	void *caps_working;      /* cap_t, or NULL: leave capabilities untouched */
	void *caps_final;        /* cap_t */
	/* The same sets as masks, for the spawn child, which applies them with
	 * raw capset(2) (see nf_spawn). Effective = permitted in both. */
	uint64_t caps_working_set;
	uint64_t caps_final_set;
	uint64_t caps_inheritable;
	uint64_t bounding_drop;  /* capabilities to drop from the bounding set */
	uint64_t ambient_raise;  /* capabilities to raise in the ambient set */
	int32_t set_securebits;
	uint32_t securebits;
	int32_t no_new_privs;
	int32_t landlock_fd;     /* -1: no Landlock */
	uint32_t landlock_flags;
	const struct nf_bpf_insn *seccomp; /* NULL: no seccomp */
	uint32_t seccomp_length; /* instructions */
	uint32_t seccomp_flags;
	int32_t supervisor_sock; /* -1: none; else the notify fd goes there */
};

struct nf_apply_result {
	uint32_t done;        /* NF_STEP_* bits completed */
	uint32_t failed_step; /* the NF_STEP_* bit that failed, 0 if none */
	int32_t error;        /* -errno of the failed step, 0 if none */
	int32_t supervisor_error; /* -errno if the notify fd could not be handed over */
};

NF_HIDDEN void nf_apply(const struct nf_apply_plan *plan, struct nf_apply_result *result);

struct nf_spawn_request {
	const char *path; /* resolved: no PATH search in the child */
	char *const *argv;
	char *const *envp;
	int32_t supervisor_pid; /* > 0: the child allows it to ptrace (Yama) */
	int32_t reserved;
};

/*
 * A vfork-style child (clone with CLONE_VM | CLONE_VFORK, as posix_spawn
 * does); it resets signal handlers, applies the plan and calls execve with
 * raw syscalls only (safe from a multi-threaded parent, and nothing of the
 * parent's libraries runs in the shared memory). A child
 * failure comes back through a close-on-exec pipe into *child_result, the
 * child is reaped, and -errno is returned. Returns 0 with *pid_out set when
 * the exec succeeded.
 */
NF_HIDDEN int nf_spawn(const struct nf_apply_plan *plan, const struct nf_spawn_request *request,
		       struct nf_apply_result *child_result, int32_t *pid_out);

#endif
