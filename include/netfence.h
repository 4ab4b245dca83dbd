/* SPDX-License-Identifier: MIT */
/**
 * @file netfence.h
 * @brief netfence: give up the network (and filesystem) access a Linux
 *        process does not need, with Landlock, behind a stable C ABI.
 *
 * This header is the single source of truth of the netfence C ABI.
 * The Swift implementation is checked against it by the compiler
 * (`@c @implementation`).
 *
 * Conventions (every function follows them unless its comment says otherwise):
 * - Functions return 0 on success, or a negative errno from the closed list
 *   documented in the function's comment. After a failure,
 *   netfence_last_error() describes it (thread-local, names the function).
 * - Out-parameters are never written on failure. A single result
 *   (netfence_ruleset_new, netfence_caps_text) comes first; where a call
 *   also takes an object and options, the results come last
 *   (netfence_status_format, netfence_ruleset_spawn). The status report of
 *   netfence_ruleset_restrict_self() and netfence_ruleset_spawn() is the
 *   exception to "never written on failure": it is filled then too (it says
 *   what was applied).
 * - Memory exhaustion inside the library aborts the process (the Swift
 *   runtime does); -ENOMEM reports the kernel's refusals, and a handle
 *   registry that cannot grow (netfence_ruleset_new).
 * - Ports, masks and flags are 64- or 32-bit fixed-width integers so that
 *   out-of-range input is rejected with -EINVAL, never truncated.
 * - No C enum, bool, varargs or library-owned object other than opaque
 *   handles and documented static/thread-local strings crosses this ABI.
 * - Thread-safety: a netfence_ruleset is not thread-safe; use one handle from
 *   one thread at a time. Functions without a handle are thread-safe.
 *
 * Closed errno list (see netfence_strerror()):
 *   EINVAL      invalid argument: NULL pointer, unknown bit, out-of-range port,
 *               right not handled, struct size too small, empty ruleset
 *   ENOMEM      out of memory
 *   EALREADY    the ruleset was already enforced by netfence_ruleset_restrict_self()
 *   EBUSY       other threads exist and a layer being applied cannot cover
 *               them; see NETFENCE_RESTRICT_CALLING_THREAD_ONLY
 *   ENOSYS      Landlock is not built into the running kernel
 *   EOPNOTSUPP  Landlock is disabled at boot, or a requested feature is missing
 *               under NETFENCE_COMPAT_HARD_REQUIREMENT
 *   EPERM, E2BIG kernel refusals passed through from landlock_restrict_self(2)
 *               (no privileges / 16 stacked layers)
 *   EMFILE, ENFILE no file descriptor left for the kernel ruleset
 *   open(2)'s errno (ENOENT, EACCES, ENOTDIR, ELOOP, ENAMETOOLONG, ...) from
 *               netfence_ruleset_allow_path(), and execve(2)'s or clone(2)'s
 *               errno (ENOENT, EACCES, ENOEXEC, EAGAIN, ...) from
 *               netfence_ruleset_spawn(): these two pass the system's errno through
 *   EFAULT      internal error (a bug in netfence; please report it)
 */
#ifndef NETFENCE_H
#define NETFENCE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define NETFENCE_EXTERN __attribute__((visibility("default")))
#else
#define NETFENCE_EXTERN
#endif

/** @defgroup version Version @{ */
#define NETFENCE_VERSION_MAJOR 0
#define NETFENCE_VERSION_MINOR 2
#define NETFENCE_VERSION_PATCH 0

/**
 * The library version as "MAJOR.MINOR.PATCH" (static string, never NULL).
 * Compare with NETFENCE_VERSION_* to detect a header/library mismatch.
 */
NETFENCE_EXTERN const char *netfence_version(void);
/** @} */

/** @defgroup rights Access rights, scopes, compatibility levels, flags @{ */

/* Network rights: the kernel's LANDLOCK_ACCESS_NET_* bit values. */
/** bind(2) a TCP socket to a local port (Landlock ABI 4, Linux 6.7). */
#define NETFENCE_ACCESS_NET_BIND_TCP         (UINT64_C(1) << 0)
/** connect(2) a TCP socket to a remote port (Landlock ABI 4). */
#define NETFENCE_ACCESS_NET_CONNECT_TCP      (UINT64_C(1) << 1)
/** bind(2) a UDP socket to a local port (Landlock ABI 10, Linux 7.2). */
#define NETFENCE_ACCESS_NET_BIND_UDP         (UINT64_C(1) << 2)
/** connect(2) a UDP socket, or sendto(2)/sendmsg(2) with an explicit
 *  destination, to a remote port (Landlock ABI 10). */
#define NETFENCE_ACCESS_NET_CONNECT_SEND_UDP (UINT64_C(1) << 3)

/** listen(2) on a TCP (or MPTCP) socket, by the socket's bound local port.
 *  netfence-defined, enforced in user space with seccomp (no released kernel
 *  has a listen right); bit 63 so that it can never clash with a kernel
 *  right. Handled with netfence_ruleset_handle_net(); with no listen rule
 *  every listen() is denied (EACCES; seccomp cannot see the socket, so this
 *  includes AF_UNIX). With rules (netfence_ruleset_allow_port*()), listen()
 *  on a TCP socket is allowed only if its bound port is allowed, a port-0
 *  rule allowing a never-bound socket (listen() then autobinds an ephemeral
 *  port, which Landlock never checks); other families may listen. Per-port
 *  checks run in a supervisor process (seccomp user notification) that
 *  duplicates the socket, checks the port and calls listen() on that same
 *  socket itself, so the check and the action can never be split. */
#define NETFENCE_ACCESS_NET_LISTEN_TCP       (UINT64_C(1) << 63)

/* Filesystem rights: the kernel's LANDLOCK_ACCESS_FS_* bit values. */
#define NETFENCE_ACCESS_FS_EXECUTE      (UINT64_C(1) << 0)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_WRITE_FILE   (UINT64_C(1) << 1)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_READ_FILE    (UINT64_C(1) << 2)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_READ_DIR     (UINT64_C(1) << 3)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_REMOVE_DIR   (UINT64_C(1) << 4)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_REMOVE_FILE  (UINT64_C(1) << 5)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_CHAR    (UINT64_C(1) << 6)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_DIR     (UINT64_C(1) << 7)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_REG     (UINT64_C(1) << 8)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_SOCK    (UINT64_C(1) << 9)  /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_FIFO    (UINT64_C(1) << 10) /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_BLOCK   (UINT64_C(1) << 11) /**< ABI 1 */
#define NETFENCE_ACCESS_FS_MAKE_SYM     (UINT64_C(1) << 12) /**< ABI 1 */
#define NETFENCE_ACCESS_FS_REFER        (UINT64_C(1) << 13) /**< ABI 2 */
#define NETFENCE_ACCESS_FS_TRUNCATE     (UINT64_C(1) << 14) /**< ABI 3 */
#define NETFENCE_ACCESS_FS_IOCTL_DEV    (UINT64_C(1) << 15) /**< ABI 5 */
#define NETFENCE_ACCESS_FS_RESOLVE_UNIX (UINT64_C(1) << 16) /**< ABI 9 */

/** Rights that apply to a non-directory; netfence_ruleset_allow_path() keeps
 *  only these for a path that is not a directory. */
#define NETFENCE_ACCESS_FS_FILE_RIGHTS                                        \
	(NETFENCE_ACCESS_FS_EXECUTE | NETFENCE_ACCESS_FS_WRITE_FILE |          \
	 NETFENCE_ACCESS_FS_READ_FILE | NETFENCE_ACCESS_FS_TRUNCATE |          \
	 NETFENCE_ACCESS_FS_IOCTL_DEV)

/* Scopes: the kernel's LANDLOCK_SCOPE_* bit values (ABI 6, Linux 6.12). */
/** Deny connecting to abstract UNIX sockets created outside the sandbox. */
#define NETFENCE_SCOPE_ABSTRACT_UNIX_SOCKET (UINT64_C(1) << 0)
/** Deny sending signals to processes outside the sandbox. */
#define NETFENCE_SCOPE_SIGNAL               (UINT64_C(1) << 1)

/* Compatibility levels for netfence_ruleset_set_compat() (rust-landlock's
 * meanings). */
/** Default. Drop what the running kernel lacks, enforce the rest, and report
 *  exactly what was dropped in the status. */
#define NETFENCE_COMPAT_BEST_EFFORT      UINT32_C(0)
/** If anything requested is missing, enforce nothing at all (no Landlock, no
 *  no_new_privs) and report NETFENCE_ENFORCED_NONE; the call succeeds. */
#define NETFENCE_COMPAT_SOFT_REQUIREMENT UINT32_C(1)
/** If anything requested is missing, fail before anything is applied: with
 *  -EOPNOTSUPP (a kernel feature), -ENOSYS (Landlock not built into the
 *  kernel), or -EPERM (a capability change needs CAP_SETPCAP). */
#define NETFENCE_COMPAT_HARD_REQUIREMENT UINT32_C(2)

/* Flags for netfence_ruleset_restrict_self(). The LOG flags are the kernel's
 * LANDLOCK_RESTRICT_SELF_LOG_* values (ABI 7, Linux 6.15). */
/** Do not log denials of the calling program (useful for interpreters). */
#define NETFENCE_RESTRICT_LOG_SAME_EXEC_OFF  UINT32_C(1)
/** Also log denials after the next execve(2). */
#define NETFENCE_RESTRICT_LOG_NEW_EXEC_ON    UINT32_C(2)
/** Do not log denials of nested domains created later. */
#define NETFENCE_RESTRICT_LOG_SUBDOMAINS_OFF UINT32_C(4)
/** netfence-defined (never passed to the kernel): accept restricting only
 *  the calling thread when the process has other threads and a layer cannot
 *  cover them (capabilities, always; Landlock before ABI 8). Without it such
 *  a call fails with -EBUSY. */
#define NETFENCE_RESTRICT_CALLING_THREAD_ONLY (UINT32_C(1) << 31)
/** netfence-defined (never passed to the kernel): accept that io_uring kernel
 *  threads of the process (an SQPOLL ring's "iou-sqp-" thread, "iou-wrk-"
 *  workers), which run ring operations with the credentials of the ring's
 *  creation, stay unrestricted. Without it, their presence fails the call
 *  with -EBUSY, even with NETFENCE_RESTRICT_CALLING_THREAD_ONLY; with it, the
 *  status reports them (all_threads 0, a dropped item). */
#define NETFENCE_RESTRICT_ACCEPT_IO_URING_THREADS (UINT32_C(1) << 30)
/** @} */

/** @defgroup status Enforcement status @{ */

/** The whole request is in force. */
#define NETFENCE_ENFORCED_FULL    UINT32_C(1)
/** Part of the request is in force; the *_requested and *_enforced masks
 *  and the capability fields say which part. */
#define NETFENCE_ENFORCED_PARTIAL UINT32_C(2)
/** Nothing requested is in force (no layer). */
#define NETFENCE_ENFORCED_NONE    UINT32_C(3)

/**
 * What netfence_ruleset_restrict_self() applied. Caller-allocated; initialise
 * it with NETFENCE_STATUS_INIT so that `size` holds the size the caller was
 * compiled with: the library writes only that many bytes, so the struct can
 * grow at the end in later versions without breaking old callers.
 *
 * It is filled on success and on failure (then it says what was applied
 * before the failure; nothing is rolled back since every layer is
 * irreversible). When a call fails before applying anything, `enforced` is 0
 * and every *_enforced mask is 0.
 */
typedef struct netfence_status {
	/** sizeof(netfence_status) as known to the caller (input). */
	uint32_t size;
	/** NETFENCE_ENFORCED_FULL, _PARTIAL or _NONE (0 if the call failed
	 *  before deciding). */
	uint32_t enforced;
	/** Landlock ABI of the running kernel (> 0), or -ENOSYS / -EOPNOTSUPP
	 *  when Landlock is not built / disabled at boot. */
	int32_t landlock_abi;
	/** 1 if the Landlock domain was applied. */
	uint32_t landlock_applied;
	/** 1 if no_new_privs is set on the calling thread after the call. */
	uint32_t no_new_privs;
	/** 1 if every thread of the process is restricted by every layer
	 *  applied (single-threaded process, or TSYNC for Landlock at ABI >= 8
	 *  and seccomp, with no capability drop); 0 if only the calling thread
	 *  is (NETFENCE_RESTRICT_CALLING_THREAD_ONLY with other threads). */
	uint32_t all_threads;
	/** Threads in the process when the call checked (docs/threading.md). */
	uint32_t thread_count;
	/** Restrict flags requested / passed to the kernel. */
	uint32_t flags_requested;
	uint32_t flags_enforced;
	/** The kernel's Landlock errata mask (see netfence_landlock_errata()),
	 *  or a negative errno when the kernel cannot report it. */
	int32_t landlock_errata;
	/** Network rights handled by the ruleset / in force. A right whose rules
	 *  cover all 65536 ports is in force without being sent to the kernel
	 *  (it restricts nothing); such rights are listed in net_all_ports and,
	 *  when the call succeeded, counted in net_enforced. */
	uint64_t net_requested;
	uint64_t net_enforced;
	uint64_t net_all_ports;
	/** Filesystem rights handled / in force. */
	uint64_t fs_requested;
	uint64_t fs_enforced;
	/** Scopes requested / in force. */
	uint64_t scopes_requested;
	uint64_t scopes_enforced;
	/** Kernel rules added: one per port (ranges are expanded) and one per
	 *  path. */
	uint64_t port_rules;
	uint64_t path_rules;
	/** 1 if capabilities were to be dropped (netfence_ruleset_keep_caps*()
	 *  was called), and 1 if the drop completed. */
	uint32_t caps_requested;
	uint32_t caps_applied;
	/** NETFENCE_CAPS_* options requested. */
	uint32_t caps_options;
	/** The calling thread's securebits after the call (read back). */
	uint32_t securebits;
	/** Capabilities asked to be kept (bit n = capability n). */
	uint64_t caps_kept;
	/** The calling thread's capability sets after the call (read back from
	 *  the kernel, not predicted; for spawn: as planned for the child):
	 *  bit n = capability n. Read only when capabilities were to be dropped
	 *  (caps_requested); 0 otherwise. */
	uint64_t caps_effective;
	uint64_t caps_permitted;
	uint64_t caps_inheritable;
	uint64_t caps_bounding;
	uint64_t caps_ambient;
	/** 1 if the seccomp filter was loaded. */
	uint32_t seccomp_installed;
	/** NETFENCE_SECCOMP_* bits: what the filter does. */
	uint32_t seccomp_features;
	/** 1 if socket creation was handled; the number of distinct allow rules
	 *  (after SOCK_NONBLOCK/SOCK_CLOEXEC are stripped from the type). */
	uint32_t sockets_requested;
	uint32_t socket_rules;
	/** NETFENCE_LISTEN_OFF, _DENY_ALL or _PER_PORT. */
	uint32_t listen_mode;
	/** Classic BPF instructions of the filter. */
	uint32_t seccomp_instructions;
	/** The listen() supervisor's pid in per-port mode, else 0. */
	int32_t listen_supervisor_pid;
	/** 1 if the Landlock domain was added by netfence only to confine
	 *  ptrace-style access (ptrace, pidfd_getfd, /proc/PID/mem) to processes
	 *  inside the sandbox: a ruleset whose only layer is seccomp would
	 *  otherwise let the process reach unsandboxed processes of its user. */
	uint32_t landlock_isolation;
} netfence_status;

/** Initialiser: `netfence_status st = NETFENCE_STATUS_INIT;` */
#define NETFENCE_STATUS_INIT \
	{(uint32_t)sizeof(netfence_status), 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
	 0, 0, 0, 0, 0, 0, 0, 0}

/* netfence_status.listen_mode */
#define NETFENCE_LISTEN_OFF      UINT32_C(0) /**< listen() not restricted */
#define NETFENCE_LISTEN_DENY_ALL UINT32_C(1) /**< every listen() fails (EACCES) */
#define NETFENCE_LISTEN_PER_PORT UINT32_C(2) /**< a supervisor checks the bound port */

/* netfence_status.seccomp_features */
/** socket()/socketpair() only for allowed (family, type, protocol). */
#define NETFENCE_SECCOMP_SOCKETS_HANDLED      (UINT32_C(1) << 0)
/** io_uring_setup/enter/register fail with ENOSYS: io_uring can create, bind
 *  and listen sockets without the filtered syscalls. */
#define NETFENCE_SECCOMP_IO_URING_BLOCKED     (UINT32_C(1) << 1)
/** A foreign syscall ABI (i386 int 0x80, x32) kills the process. */
#define NETFENCE_SECCOMP_FOREIGN_ARCH_BLOCKED (UINT32_C(1) << 2)
/** MPTCP, SCTP and SMC sockets (and AF_SMC), raw IP sockets (SOCK_RAW) and
 *  packet sockets (AF_PACKET, SOCK_PACKET), which reach TCP ports around
 *  Landlock's TCP rights, are denied unless an allow_socket rule names them
 *  (a type or protocol wildcard does not). */
#define NETFENCE_SECCOMP_TCP_BYPASS_BLOCKED   (UINT32_C(1) << 3)
/** Listen rules exist but the supervisor could not run: listen() is denied. */
#define NETFENCE_SECCOMP_LISTEN_FAIL_CLOSED   (UINT32_C(1) << 4)
/** TCP Fast Open (MSG_FASTOPEN in sendto/sendmsg/sendmmsg) fails with
 *  EOPNOTSUPP: it connects without connect(2), which Landlock's CONNECT_TCP
 *  check never sees. Set whenever CONNECT_TCP is enforced by the kernel. */
#define NETFENCE_SECCOMP_FAST_OPEN_BLOCKED    (UINT32_C(1) << 5)

/** Formats of netfence_status_format(). */
#define NETFENCE_FORMAT_TEXT UINT32_C(0) /**< human-readable lines */
#define NETFENCE_FORMAT_JSON UINT32_C(1) /**< JSON, schema "netfence-status/1" (docs/status-schema.json) */

/**
 * Render a status as text or JSON, covering every layer: Landlock (ABI,
 * errata, requested vs enforced per kind and why something is not in force),
 * seccomp (socket allow-list, listen mode, bypasses), capabilities (read
 * back after a drop; "untouched" and not read otherwise), no_new_privs and
 * thread coverage.
 * Ownership: *out is allocated by the library; release it with netfence_free().
 * @return 0, -EINVAL (NULL pointer, st->size too small, unknown format),
 *         -ENOMEM.
 */
NETFENCE_EXTERN int netfence_status_format(const netfence_status *st, uint32_t format, char **out);
/** @} */

/** @defgroup ruleset Ruleset builder @{ */

/** Opaque ruleset handle; create with netfence_ruleset_new(), release with
 *  netfence_ruleset_free(). A handle that was freed, or that did not come
 *  from netfence_ruleset_new(), is recognised: every call on it fails with
 *  -EINVAL ("not a live ruleset"), never touching freed memory. */
typedef struct netfence_ruleset netfence_ruleset;

/**
 * Create an empty ruleset (handles nothing, compat level best effort).
 * Ownership: *out belongs to the caller; release it with netfence_ruleset_free().
 * @return 0, -EINVAL (out is NULL), -ENOMEM.
 */
NETFENCE_EXTERN int netfence_ruleset_new(netfence_ruleset **out);

/** Release a ruleset and the file descriptors it holds. NULL is a no-op. A
 *  handle that is not live (a second free) frees nothing and sets
 *  netfence_last_error(). */
NETFENCE_EXTERN void netfence_ruleset_free(netfence_ruleset *rs);

/**
 * Choose what happens when the running kernel lacks something requested:
 * NETFENCE_COMPAT_BEST_EFFORT (default), _SOFT_REQUIREMENT or
 * _HARD_REQUIREMENT. Applies to the whole ruleset; may be called any time
 * before netfence_ruleset_restrict_self().
 * @return 0, -EINVAL (NULL, unknown level), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_set_compat(netfence_ruleset *rs, uint32_t level);

/**
 * Handle network rights: once enforced, each handled right is denied except
 * where a port rule allows it (EACCES). Unhandled rights stay allowed.
 * Calls accumulate (bitwise OR). Handling a right with no rule denies it
 * entirely.
 * @param access NETFENCE_ACCESS_NET_* bits, non-zero.
 * @return 0, -EINVAL (NULL, zero or unknown bits), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_handle_net(netfence_ruleset *rs, uint64_t access);

/**
 * Allow network rights on one port (0..65535, host byte order). Port 0 keeps
 * the kernel meaning: for BIND rights it allows bind(2) to port 0, i.e. to an
 * ephemeral port the kernel picks (the chosen port is not checked); a rule on
 * a specific port does not allow bind(0).
 * @param access handled NETFENCE_ACCESS_NET_* bits, non-zero.
 * @return 0, -EINVAL (NULL, zero/unknown/unhandled bits, port > 65535),
 *         -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_allow_port(netfence_ruleset *rs, uint64_t access, uint64_t port);

/**
 * Allow network rights on the inclusive port range first..last. No released
 * kernel has range rules: the range is expanded into one kernel rule per port
 * when enforced (about 0.5 µs per port). If the rules of a right cover all
 * 65536 ports (0..65535), that right restricts nothing and is simply not
 * handled in the kernel (no 65536 rules); the status reports it in
 * net_all_ports.
 * @return 0, -EINVAL (NULL, zero/unknown/unhandled bits, last > 65535,
 *         first > last), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_allow_port_range(netfence_ruleset *rs, uint64_t access, uint64_t first, uint64_t last);

/**
 * Handle filesystem rights (NETFENCE_ACCESS_FS_*): once enforced, each handled
 * right is denied except beneath paths allowed by netfence_ruleset_allow_path().
 * Calls accumulate.
 * @return 0, -EINVAL (NULL, zero or unknown bits), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_handle_fs(netfence_ruleset *rs, uint64_t access);

/**
 * Allow handled filesystem rights beneath `path` (a directory: everything
 * below it; a file: the file itself). The path is opened now (O_PATH |
 * O_CLOEXEC) and the descriptor is held by the ruleset until it is freed, so
 * later renames do not change what is allowed. For a non-directory only
 * NETFENCE_ACCESS_FS_FILE_RIGHTS are kept (as the kernel's sandboxer does).
 * @return 0, -EINVAL (NULL, zero/unknown/unhandled bits, no file right left
 *         for a non-directory), -EALREADY, or open(2)'s negative
 *         errno (-ENOENT, -EACCES, -ENOTDIR, -ELOOP, -ENAMETOOLONG, -EMFILE...).
 */
NETFENCE_EXTERN int netfence_ruleset_allow_path(netfence_ruleset *rs, uint64_t access, const char *path);

/**
 * Add the rules of a policy: the text format of `netfence run --policy`
 * (netfence(1), POLICY FILES), read by the tool's own parser and option
 * table. One option of `netfence run` per line without the dashes
 * ("connect-tcp = 443, 5432-5439", "allow-socket = ip:stream", "rox = /usr",
 * "no-network"), '#' comments, blank lines; a key given twice adds up.
 * "best-effort", "soft", "hard" or "strict" set the compatibility level
 * (refused when the ruleset has another level than best effort); scopes and
 * kept capabilities add to the ruleset's own.
 * Keys about one run of the tool and Landlock's log flags are refused.
 * `text` holds `len` bytes of UTF-8 (no terminating NUL needed; NULL only
 * with len 0). The policy is added whole or not at all: it is parsed and
 * tried on a scratch ruleset (paths opened) first. The message of an error
 * names the line and column ("policy:3:15: connect-tcp: ...").
 * Since 0.2.0.
 * @return 0, -EINVAL (NULL, len over 1 MiB, not UTF-8, an unknown or refused
 *         key, a bad value, a level other than the ruleset's own), -EALREADY,
 *         or open(2)'s negative errno for a path (-ENOENT,
 *         -EACCES, -ENOTDIR, ...).
 */
NETFENCE_EXTERN int netfence_ruleset_add_policy(netfence_ruleset *rs, const char *text, size_t len);

/**
 * Set the IPC scopes (NETFENCE_SCOPE_*), replacing earlier ones (0 clears).
 * @return 0, -EINVAL (NULL, unknown bits), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_set_scope(netfence_ruleset *rs, uint64_t scopes);

/** Wildcard for the type or protocol of netfence_ruleset_allow_socket(). */
#define NETFENCE_ANY (-1)

/**
 * Make socket creation deny-by-default: socket(2) and socketpair(2) succeed
 * only for the (family, type, protocol) triples allowed with
 * netfence_ruleset_allow_socket(); anything else fails with EACCES (known,
 * unknown and future families alike). Enforced with a seccomp filter loaded
 * last in netfence_ruleset_restrict_self(). Sockets that already exist keep
 * working; accept(2), send and receive are never filtered.
 * @return 0, -EINVAL (NULL), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_handle_sockets(netfence_ruleset *rs);

/**
 * Allow one (family, type, protocol). The family is always explicit (1..45);
 * type is compared without SOCK_NONBLOCK/SOCK_CLOEXEC; NETFENCE_ANY for type
 * or protocol means any. For AF_INET/AF_INET6, protocol 0 and the default
 * protocol of the type (SOCK_STREAM: IPPROTO_TCP, SOCK_DGRAM: IPPROTO_UDP) are
 * the same socket: either spelling allows both and nothing else.
 *
 * When Landlock enforces TCP bind/connect rights (handled, sent to the
 * kernel, not covering every port), MPTCP, SCTP and SMC under
 * AF_INET/AF_INET6 (IPPROTO_MPTCP, IPPROTO_SCTP, IPPROTO_SMC, and protocol 0
 * of SOCK_SEQPACKET, which is SCTP) and AF_SMC are denied even without
 * netfence_ruleset_handle_sockets(), because Landlock's TCP rights do not
 * cover them; a rule naming the protocol (or AF_SMC) explicitly allows them
 * again (a NETFENCE_ANY protocol does not). A type wildcard never includes
 * SOCK_PACKET (an AF_PACKET socket in disguise under AF_INET).
 * @return 0, -EINVAL (NULL, unknown family, unknown type, protocol outside
 *         0..65535 and not NETFENCE_ANY), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_allow_socket(netfence_ruleset *rs, int32_t family, int32_t type, int32_t protocol);

/* Options of the capability drop (netfence_ruleset_set_caps_options()). */
/** Also raise the kept capabilities in the ambient set, so that a program the
 *  process executes keeps them even when it runs as non-root. */
#define NETFENCE_CAPS_AMBIENT            (UINT32_C(1) << 0)
/** Do not lock securebits. By default, dropping capabilities as root (euid 0)
 *  sets and locks SECBIT_NOROOT, SECBIT_NO_SETUID_FIXUP, SECBIT_KEEP_CAPS_LOCKED
 *  and SECBIT_NO_CAP_AMBIENT_RAISE so that a root program executed later
 *  cannot regain capabilities. */
#define NETFENCE_CAPS_NO_SECUREBITS_LOCK (UINT32_C(1) << 1)

/**
 * Drop every capability but these when enforcing: effective, permitted and
 * inheritable become the kept set (those of them the thread still has), the
 * bounding set is reduced to it, the ambient set is cleared (and refilled
 * with the kept set under NETFENCE_CAPS_AMBIENT), securebits are locked (see
 * NETFENCE_CAPS_NO_SECUREBITS_LOCK). Without this call capabilities are left
 * untouched. Calling it again replaces the list.
 * @param caps comma-separated names in libcap's spelling, with or without
 *        the "cap_" prefix, any case ("cap_net_bind_service,net_raw");
 *        "" keeps none.
 * @return 0, -EINVAL (NULL, unknown name (named in the message), empty item,
 *         duplicate, capability unknown to the running kernel), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_keep_caps(netfence_ruleset *rs, const char *caps);

/**
 * The same as netfence_ruleset_keep_caps() by number (CAP_NET_BIND_SERVICE is
 * 10). caps may be NULL only when count is 0 (keep none).
 * @return 0, -EINVAL (NULL with count > 0, number above the kernel's last
 *         capability, duplicate), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_keep_caps_array(netfence_ruleset *rs, const uint32_t *caps, size_t count);

/**
 * Set the options of the capability drop (NETFENCE_CAPS_* bits, replacing
 * earlier ones).
 * @return 0, -EINVAL (NULL, unknown bits), -EALREADY.
 */
NETFENCE_EXTERN int netfence_ruleset_set_caps_options(netfence_ruleset *rs, uint32_t options);

/**
 * Enforce the ruleset on the calling process. The apply step is one fixed
 * sequence: (1) drop capabilities (if asked): CAP_SETPCAP is kept while
 * working because shrinking the bounding set and locking securebits need it,
 * then the final sets drop it unless kept; (2) set no_new_privs: Landlock
 * needs it once CAP_SYS_ADMIN is gone, and it stops execve() of setuid or
 * file-capability programs from regaining privileges; (3) restrict with
 * Landlock; (4) load the seccomp filter (socket allow-list, listen, and the
 * bypasses: io_uring, foreign syscall ABIs, MPTCP/SCTP/SMC), last because it
 * needs no_new_privs and nothing after it needs a filtered syscall. Irreversible: there is no way to lift it, and it
 * is inherited by children and across execve(2).
 *
 * Everything that can fail (ABI probe, compatibility decision, thread check,
 * building the kernel ruleset with every rule, preparing the capability
 * sets) happens before the first irreversible step. If a step of the
 * sequence still fails, the call returns its errno, the steps already done
 * stay done (they are irreversible), the status reports them, and the
 * message says the process is NOT fully sandboxed.
 *
 * Threads: capabilities, no_new_privs, and Landlock before ABI 8, act on the
 * calling thread only (and threads it creates later). If the process has other threads and
 * a layer being applied cannot cover them, the call fails with -EBUSY (before
 * applying anything) unless `flags` has NETFENCE_RESTRICT_CALLING_THREAD_ONLY.
 * At ABI >= 8 netfence uses the kernel's TSYNC, which applies the Landlock
 * domain and no_new_privs to every thread (not capabilities); the seccomp
 * filter uses seccomp's TSYNC whenever every thread is to be covered, so a
 * ruleset with only the socket/listen layer covers every thread on any ABI.
 * With NETFENCE_RESTRICT_CALLING_THREAD_ONLY the filter covers the calling
 * thread only. The status says which threads are
 * covered. -EBUSY is also returned when the thread count cannot be proven
 * (the single-thread test does not apply and /proc/self/task is unreadable;
 * docs/threading.md).
 *
 * On success the ruleset is spent: later calls on it return -EALREADY
 * (netfence_ruleset_free() is still needed).
 *
 * @param flags NETFENCE_RESTRICT_* bits.
 * @param status optional (may be NULL); see netfence_status.
 * @return 0 (also when best effort or a soft requirement enforced less; read
 *         the status), -EINVAL (NULL rs, unknown flags, ruleset handles
 *         nothing, status->size too small), -EALREADY, -EBUSY, -ENOSYS /
 *         -EOPNOTSUPP (Landlock unavailable under a hard requirement),
 *         -EOPNOTSUPP (a requested feature missing under a hard requirement),
 *         -ENOMEM, -EMFILE / -ENFILE (kernel ruleset), -EPERM / -E2BIG
 *         (kernel refusal; -EPERM also when a capability change is refused,
 *         or under a hard requirement when the bounding set or securebits
 *         cannot be changed without CAP_SETPCAP; -E2BIG also for a seccomp
 *         filter over 4096 instructions), -EBUSY also when seccomp's TSYNC
 *         cannot synchronize another thread, -EINVAL also when the kernel
 *         refuses the seccomp filter, -EFAULT (internal, e.g. an unexpected
 *         libseccomp error).
 */
NETFENCE_EXTERN int netfence_ruleset_restrict_self(netfence_ruleset *rs, uint32_t flags, netfence_status *status);

/**
 * Run a program in a new process restricted by this ruleset.
 *
 * Everything that can fail or allocate happens here, in the caller, before
 * the child is created (vfork-style, as posix_spawn does): the kernel
 * ruleset with every rule, the capability sets, the seccomp program, the
 * listen() supervisor, the PATH search. The child then
 * only makes raw syscalls: it resets signal handlers, applies the prepared
 * sequence (capabilities, no_new_privs, Landlock, seccomp) and calls
 * execve(2). So it is safe to call from a multi-threaded process (the child
 * is single-threaded, every layer covers it: status->all_threads is 1).
 *
 * A failure in the child, including exec failure, comes back through a
 * close-on-exec pipe: the call fails with the child's errno (-ENOENT,
 * -EACCES, ... for execve) and a message, and the child is reaped (no
 * zombie). On success the caller owns the child: wait for it with waitpid(2).
 * The ruleset is not spent: it may spawn again (or restrict the caller).
 * The status describes the child (capabilities as planned, not read back).
 *
 * @param path the program; without a '/' it is searched in PATH (taken from
 *        envp, else from the caller's environment).
 * @param argv NULL-terminated, with at least argv[0].
 * @param envp NULL-terminated, or NULL for the caller's environment.
 * @param pid_out receives the child's pid.
 * @param status optional (may be NULL).
 * @return 0, -EINVAL (NULL rs/path/argv/pid_out, empty argv, status->size too
 *         small, and the other -EINVAL causes of restrict_self), -EALREADY
 *         (the ruleset was spent by restrict_self), -ENOENT (not found in
 *         PATH), the child's execve(2) errno (-ENOENT, -EACCES, -ENOEXEC,
 *         -E2BIG, ...), -EPERM / -E2BIG (a layer refused in the child),
 *         -EOPNOTSUPP / -ENOSYS (hard requirement), -EAGAIN / -ENOMEM (creating
 *         the child: clone(2), its stack),
 *         -EMFILE / -ENFILE, -EFAULT.
 */
NETFENCE_EXTERN int netfence_ruleset_spawn(netfence_ruleset *rs, const char *path, char *const argv[],
					   char *const envp[], int32_t *pid_out, netfence_status *status);
/** @} */

/** @defgroup kernel Kernel queries @{ */

/**
 * The Landlock ABI version of the running kernel (probed once, then cached).
 * @return the ABI (> 0), -ENOSYS (not built), -EOPNOTSUPP (disabled at boot).
 */
NETFENCE_EXTERN int netfence_landlock_abi(void);

/**
 * The kernel's Landlock errata bitmask (ABI 7+): erratum N is fixed iff bit
 * N-1 is set. Informational: do not disable a sandbox over an erratum.
 * @return the mask (>= 0), -EOPNOTSUPP (kernel cannot report errata, e.g.
 *         ABI < 7, or Landlock disabled), -ENOSYS.
 */
NETFENCE_EXTERN int netfence_landlock_errata(void);
/**
 * The calling thread's capability state as text (effective, permitted,
 * inheritable, bounding, ambient sets with libcap names, and securebits),
 * one "name: value" line each. Capabilities are per thread.
 * Ownership: *out is allocated by the library; release it with netfence_free().
 * @return 0, -EINVAL (out is NULL), -ENOMEM.
 */
NETFENCE_EXTERN int netfence_caps_text(char **out);

/** Release memory the library allocated for the caller (netfence_caps_text(),
 *  netfence_status_format()). NULL is a no-op. */
NETFENCE_EXTERN void netfence_free(void *ptr);
/** @} */

/** @defgroup errors Errors @{ */

/**
 * A message describing the last failure on the calling thread, naming the
 * failing function and the cause. Library-owned and thread-local: never NULL,
 * valid until the next netfence call on this thread, never freed by the
 * caller. "" when the last call on this thread succeeded.
 */
NETFENCE_EXTERN const char *netfence_last_error(void);

/**
 * A static description of a netfence return code (negative or positive
 * errno). Never NULL; unknown codes give "unknown error".
 */
NETFENCE_EXTERN const char *netfence_strerror(int code);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* NETFENCE_H */
