/* SPDX-License-Identifier: MIT */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sizes and offsets from the kernel's build_check_abi() (ABI 6..9 sizes). */
_Static_assert(sizeof(struct nf_landlock_ruleset_attr) == 24, "ruleset_attr");
_Static_assert(offsetof(struct nf_landlock_ruleset_attr, handled_access_net) == 8, "ruleset_attr.net");
_Static_assert(offsetof(struct nf_landlock_ruleset_attr, scoped) == 16, "ruleset_attr.scoped");
_Static_assert(sizeof(struct nf_landlock_path_beneath_attr) == 12, "path_beneath_attr is packed");
_Static_assert(sizeof(struct nf_landlock_net_port_attr) == 16, "net_port_attr");
_Static_assert(offsetof(struct nf_landlock_net_port_attr, port) == 8, "net_port_attr.port");

/* x86_64 and asm-generic share these numbers; fall back if libc's headers
 * predate Landlock. */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

static inline int result(long rc)
{
	return rc < 0 ? -errno : (int)rc;
}

int nf_landlock_create_ruleset(const struct nf_landlock_ruleset_attr *attr, size_t size, uint32_t flags)
{
	return result(syscall(SYS_landlock_create_ruleset, attr, size, flags));
}

/* The running kernel's Landlock ABI, probed on first use and cached: > 0, or
 * -ENOSYS / -EOPNOTSUPP. In C, not a Swift lazy global: a first restrict in a
 * freshly forked process then runs none of the Swift runtime's one-time
 * initialisation machinery for it. (Not in a constructor: a process under a
 * seccomp allow-list that kills on unknown syscalls must not die merely for
 * loading the library.) */
static int kernel_abi; /* 0: not probed yet */
static int kernel_errata; /* valid once kernel_abi is set */

static int probe_kernel_abi(void)
{
	int saved_errno = errno;
	int rc = nf_landlock_create_ruleset(NULL, 0, NF_LANDLOCK_CREATE_RULESET_VERSION);
	if (rc > 0) {
		/* Test-only: NETFENCE_TEST_ABI=N makes netfence behave as on an
		 * older kernel (ABI N, never more than the real one), to test
		 * downgrades on the real kernel (docs/security-testing.md).
		 * secure_getenv: never in a setuid or otherwise privileged
		 * program, whose invoker controls the environment. */
		const char *text = secure_getenv("NETFENCE_TEST_ABI");
		if (text != NULL && text[0] >= '0' && text[0] <= '9') { /* digits only: no sign, no space */
			char *end = NULL;
			errno = 0;
			long value = strtol(text, &end, 10);
			if (errno == 0 && end != text && *end == '\0' && value >= 1 && value < rc)
				rc = (int)value;
		}
	} else if (rc != -ENOSYS && rc != -EOPNOTSUPP) {
		/* Anything else than "not built" / "disabled" is a kernel we do
		 * not understand: unavailable rather than a guess. */
		rc = -EOPNOTSUPP;
	}
	/* Written back only when it changed: errno is thread-local, and a
	 * fresh process pays a copy-on-write fault for the first write there. */
	if (errno != saved_errno)
		errno = saved_errno;
	return rc;
}

/* The errata bitmask for the ABI in use: -errno when there is none to ask
 * (no Landlock, or an ABI before 7, whose kernels answer EINVAL). */
static int probe_kernel_errata(int abi)
{
	if (abi <= 0)
		return abi;
	if (abi < 7)
		return -EOPNOTSUPP;
	int saved_errno = errno;
	int rc = nf_landlock_create_ruleset(NULL, 0, NF_LANDLOCK_CREATE_RULESET_ERRATA);
	if (errno != saved_errno)
		errno = saved_errno;
	return rc >= 0 ? rc : -EOPNOTSUPP;
}

int nf_kernel_landlock_abi(void)
{
	int abi = __atomic_load_n(&kernel_abi, __ATOMIC_ACQUIRE);
	if (abi == 0) {
		/* Threads racing here probe alike and store the same values;
		 * the errata are published before the ABI that marks both done. */
		abi = probe_kernel_abi();
		__atomic_store_n(&kernel_errata, probe_kernel_errata(abi), __ATOMIC_RELAXED);
		__atomic_store_n(&kernel_abi, abi, __ATOMIC_RELEASE);
	}
	return abi;
}

int nf_kernel_landlock_errata(void)
{
	(void)nf_kernel_landlock_abi();
	return __atomic_load_n(&kernel_errata, __ATOMIC_RELAXED);
}

int nf_landlock_add_net_port_rule(int ruleset_fd, uint64_t allowed_access, uint64_t port)
{
	const struct nf_landlock_net_port_attr attr = {
		.allowed_access = allowed_access,
		.port = port,
	};
	return result(syscall(SYS_landlock_add_rule, ruleset_fd, NF_LANDLOCK_RULE_NET_PORT, &attr, 0));
}

int nf_landlock_add_path_beneath_rule(int ruleset_fd, uint64_t allowed_access, int parent_fd)
{
	const struct nf_landlock_path_beneath_attr attr = {
		.allowed_access = allowed_access,
		.parent_fd = parent_fd,
	};
	return result(syscall(SYS_landlock_add_rule, ruleset_fd, NF_LANDLOCK_RULE_PATH_BENEATH, &attr, 0));
}

int nf_landlock_restrict_self(int ruleset_fd, uint32_t flags)
{
	return result(syscall(SYS_landlock_restrict_self, ruleset_fd, flags));
}

int nf_set_no_new_privs(void)
{
	return result(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
}

int nf_get_no_new_privs(void)
{
	return result(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

struct nf_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Counts the entries of /proc/self/task. */
static int count_task_entries(void)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Aligned for the dirent records the kernel writes into it. */
	union { char bytes[4096]; uint64_t align; } buf;
	int count = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf.bytes, sizeof(buf.bytes));
		if (n < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			const struct nf_dirent64 *d = (const void *)(buf.bytes + off);
			if (d->d_name[0] != '.')
				count++;
			off += d->d_reclen;
		}
	}
	close(fd);
	return count;
}

/* 1 when the caller is the only thread of its process, 0 when it is not or
 * that cannot be told cheaply. unshare(CLONE_THREAD) unshares nothing: the
 * kernel accepts it exactly when the thread group has no other thread, and
 * refuses it with EINVAL otherwise (check_unshare_flags; unshare(2)). Three
 * syscalls, against a procfs lookup that costs ~7 us in a fresh process.
 * Asked only when no seccomp filter is in place (PR_GET_SECCOMP returns 0),
 * so no filter can kill the process for the unexpected syscall; and the
 * kernel must first refuse a flag it does not know (the canary), so an
 * environment that answers 0 to every unshare (a filter installed by a
 * tracer or a notifying supervisor answering for the process) is not
 * believed. Whoever controls the process's syscalls that way could fake the
 * procfs count as well. */
static int only_thread(void)
{
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
		return 0;
	/* 0x1 is a CSIGNAL bit, never an unshare flag: EINVAL from any kernel. */
	if (syscall(SYS_unshare, 0x1) != -1 || errno != EINVAL)
		return 0;
	return syscall(SYS_unshare, CLONE_THREAD) == 0;
}

int nf_thread_count(void)
{
	if (only_thread())
		return 1;
	/* procfs gives /proc/PID/task a link count of 2 plus the number of
	 * threads (proc_task_getattr, since Linux 2.6): one stat(2), about half
	 * the cost of reading the directory in a fresh process. A count that
	 * does not fit that rule is not trusted: the entries are counted. */
	struct stat st;
	if (stat("/proc/self/task", &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink >= 3 && st.st_nlink - 2 <= INT32_MAX)
		return (int)(st.st_nlink - 2);
	return count_task_entries();
}

/* The directory count and the unshare test alone, for tests that compare
 * them with nf_thread_count. */
int nf_thread_count_by_entries(void)
{
	return count_task_entries();
}

int nf_only_thread(void)
{
	return only_thread();
}

int nf_seccomp_mode(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
}

int nf_open_path(const char *path, int *is_dir)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	*is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
	return fd;
}

void nf_close(int fd)
{
	/* Linux always releases the descriptor, even when close fails with
	 * EINTR, so retrying would be wrong. */
	(void)close(fd);
}

static pthread_key_t error_key;
static pthread_once_t error_once = PTHREAD_ONCE_INIT;
static int error_key_ok;

static void error_key_init(void)
{
	__atomic_store_n(&error_key_ok, pthread_key_create(&error_key, free) == 0, __ATOMIC_RELEASE);
}

void nf_error_set(const char *message)
{
	pthread_once(&error_once, error_key_init);
	if (!error_key_ok)
		return;
	char *old = pthread_getspecific(error_key);
	char *copy = strdup(message);
	if (copy == NULL) {
		/* Keep a truthful, if generic, message rather than a stale one. */
		if (old != NULL)
			old[0] = '\0';
		return;
	}
	if (pthread_setspecific(error_key, copy) != 0) {
		free(copy);
		return;
	}
	free(old);
}

void nf_error_clear(void)
{
	/* Nothing to clear before the key exists (no message was ever set in
	 * this process): every successful call clears, so skip the key's
	 * creation on that path (a fresh process's first call pays for it). */
	if (!__atomic_load_n(&error_key_ok, __ATOMIC_ACQUIRE))
		return;
	char *old = pthread_getspecific(error_key);
	if (old != NULL)
		old[0] = '\0';
}

const char *nf_error_get(void)
{
	/* No key yet: no message was ever set. */
	if (!__atomic_load_n(&error_key_ok, __ATOMIC_ACQUIRE))
		return "";
	const char *msg = pthread_getspecific(error_key);
	return msg != NULL ? msg : "";
}

const char *nf_strerror(int errnum)
{
	return strerrordesc_np(errnum) ? strerrordesc_np(errnum) : "unknown error";
}

const char *nf_errno_name(int errnum)
{
	return strerrorname_np(errnum);
}

/* ---- Capabilities ---- */

int nf_cap_last(void)
{
	return (int)cap_max_bits() - 1;
}

int nf_caps_read(struct nf_caps_state *out)
{
	memset(out, 0, sizeof(*out));
	cap_t caps = cap_get_proc();
	if (caps == NULL)
		return -errno;
	int last = nf_cap_last();
	for (int cap = 0; cap <= last && cap < 64; cap++) {
		cap_flag_value_t value;
		uint64_t bit = UINT64_C(1) << cap;
		if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &value) == 0 && value == CAP_SET)
			out->effective |= bit;
		if (cap_get_flag(caps, cap, CAP_PERMITTED, &value) == 0 && value == CAP_SET)
			out->permitted |= bit;
		if (cap_get_flag(caps, cap, CAP_INHERITABLE, &value) == 0 && value == CAP_SET)
			out->inheritable |= bit;
		if (cap_get_bound(cap) > 0)
			out->bounding |= bit;
		if (cap_get_ambient(cap) > 0)
			out->ambient |= bit;
	}
	cap_free(caps);
	out->securebits = cap_get_secbits();
	return 0;
}

int nf_cap_from_name(const char *name)
{
	cap_value_t value;
	if (cap_from_name(name, &value) != 0)
		return -EINVAL;
	return value;
}

int nf_cap_name(int cap, char *buf, size_t size)
{
	char *name = cap_to_name(cap);
	if (name == NULL)
		return -errno;
	size_t length = strlen(name);
	if (length + 1 > size) {
		cap_free(name);
		return -ERANGE;
	}
	memcpy(buf, name, length + 1);
	cap_free(name);
	return 0;
}

static int set_mask(cap_t caps, cap_flag_t flag, uint64_t mask)
{
	for (int cap = 0; cap < 64; cap++) {
		if (!(mask & (UINT64_C(1) << cap)))
			continue;
		cap_value_t value = cap;
		if (cap_set_flag(caps, flag, 1, &value, CAP_SET) != 0)
			return -1;
	}
	return 0;
}

void *nf_caps_new(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
	cap_t caps = cap_init();
	if (caps == NULL)
		return NULL;
	if (set_mask(caps, CAP_EFFECTIVE, effective) || set_mask(caps, CAP_PERMITTED, permitted) ||
	    set_mask(caps, CAP_INHERITABLE, inheritable)) {
		cap_free(caps);
		return NULL;
	}
	return caps;
}

void nf_caps_free(void *caps)
{
	if (caps != NULL)
		cap_free(caps);
}

uint32_t nf_geteuid(void)
{
	return (uint32_t)geteuid();
}

/* ---- The apply sequence ---- */

#define STEP(bit, expr)                                  \
	do {                                             \
		if ((expr) != 0) {                       \
			result->failed_step = (bit);     \
			result->error = -errno;          \
			return;                          \
		}                                        \
		result->done |= (bit);                   \
	} while (0)

/* capset(2) for the calling thread, without libcap (version 3: 64 bits). */
struct nf_cap_header {
	uint32_t version;
	int pid;
};
struct nf_cap_data {
	uint32_t effective, permitted, inheritable;
};
#define NF_CAPABILITY_VERSION_3 0x20080522

static int raw_capset(uint64_t effective_permitted, uint64_t inheritable)
{
	struct nf_cap_header header = {NF_CAPABILITY_VERSION_3, 0};
	struct nf_cap_data data[2] = {
		{(uint32_t)effective_permitted, (uint32_t)effective_permitted, (uint32_t)inheritable},
		{(uint32_t)(effective_permitted >> 32), (uint32_t)(effective_permitted >> 32), (uint32_t)(inheritable >> 32)},
	};
	return syscall(SYS_capset, &header, data) == 0 ? 0 : -1;
}

/* The capability operations of the apply sequence: through libcap in this
 * process; with raw syscalls in the spawn child, which shares the parent's
 * memory: libcap may route its calls through libpsx (when the program uses
 * it), whose machinery belongs to the parent's threads. Each returns 0, or
 * -1 with errno set. */
struct caps_ops {
	int (*set_working)(const struct nf_apply_plan *plan);
	int (*set_final)(const struct nf_apply_plan *plan);
	int (*drop_bound)(int cap);
	int (*reset_ambient)(void);
	int (*raise_ambient)(int cap);
	int (*set_securebits)(uint32_t bits);
};

static int libcap_set_working(const struct nf_apply_plan *plan) { return cap_set_proc(plan->caps_working); }
static int libcap_set_final(const struct nf_apply_plan *plan) { return cap_set_proc(plan->caps_final); }
static int libcap_drop_bound(int cap) { return cap_drop_bound(cap); }
static int libcap_reset_ambient(void) { return cap_reset_ambient(); }
static int libcap_raise_ambient(int cap) { return cap_set_ambient(cap, CAP_SET); }
static int libcap_set_securebits(uint32_t bits) { return cap_set_secbits(bits); }

static const struct caps_ops libcap_ops = {
	libcap_set_working, libcap_set_final, libcap_drop_bound,
	libcap_reset_ambient, libcap_raise_ambient, libcap_set_securebits,
};

static int raw_set_working(const struct nf_apply_plan *plan) { return raw_capset(plan->caps_working_set, plan->caps_inheritable); }
static int raw_set_final(const struct nf_apply_plan *plan) { return raw_capset(plan->caps_final_set, plan->caps_inheritable); }
static int raw_drop_bound(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
static int raw_reset_ambient(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
static int raw_raise_ambient(int cap) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0); }
static int raw_set_securebits(uint32_t bits) { return prctl(PR_SET_SECUREBITS, bits, 0, 0, 0); }

static const struct caps_ops raw_ops = {
	raw_set_working, raw_set_final, raw_drop_bound,
	raw_reset_ambient, raw_raise_ambient, raw_set_securebits,
};

static void apply(const struct nf_apply_plan *plan, struct nf_apply_result *result, const struct caps_ops *caps);

void nf_apply(const struct nf_apply_plan *plan, struct nf_apply_result *result)
{
	apply(plan, result, &libcap_ops);
}

static void apply(const struct nf_apply_plan *plan, struct nf_apply_result *result, const struct caps_ops *caps)
{
	memset(result, 0, sizeof(*result));
	if (plan->caps_working != NULL) {
		/* Capabilities first: CAP_SETPCAP (kept while working) is needed to
		 * shrink the bounding set and to set securebits, and nothing later
		 * may depend on capabilities we are about to lose. */
		STEP(NF_STEP_CAPS_REDUCED, caps->set_working(plan));
		for (int cap = 0; cap < 64; cap++) {
			if ((plan->bounding_drop & (UINT64_C(1) << cap)) && caps->drop_bound(cap) != 0) {
				result->failed_step = NF_STEP_BOUNDING;
				result->error = -errno;
				return;
			}
		}
		result->done |= NF_STEP_BOUNDING;
		STEP(NF_STEP_AMBIENT, caps->reset_ambient());
		for (int cap = 0; cap < 64; cap++) {
			if ((plan->ambient_raise & (UINT64_C(1) << cap)) && caps->raise_ambient(cap) != 0) {
				result->done &= ~NF_STEP_AMBIENT;
				result->failed_step = NF_STEP_AMBIENT;
				result->error = -errno;
				return;
			}
		}
		if (plan->set_securebits)
			STEP(NF_STEP_SECUREBITS, caps->set_securebits(plan->securebits));
		STEP(NF_STEP_CAPS_FINAL, caps->set_final(plan));
	}
	/* no_new_privs before Landlock and seccomp: both require it unless the
	 * thread has CAP_SYS_ADMIN, which was just dropped. */
	if (plan->no_new_privs)
		STEP(NF_STEP_NO_NEW_PRIVS, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	if (plan->landlock_fd >= 0)
		STEP(NF_STEP_LANDLOCK, syscall(SYS_landlock_restrict_self, plan->landlock_fd, plan->landlock_flags));
	/* seccomp last: the filter does not restrict the syscalls above, and
	 * once it is loaded nothing else needs to run. */
	if (plan->seccomp != NULL) {
		int rc = nf_seccomp_load(plan->seccomp, plan->seccomp_flags);
		/* With TSYNC and no listener, a positive return is the id of a
		 * thread that could not be synchronized: nothing was loaded. */
		if (rc > 0 && (plan->seccomp_flags & NF_SECCOMP_FILTER_FLAG_TSYNC) &&
		    !(plan->seccomp_flags & NF_SECCOMP_FILTER_FLAG_NEW_LISTENER))
			rc = -EBUSY;
		/* TSYNC_ESRCH (with a listener): the same failure, as ESRCH. */
		if (rc == -ESRCH && (plan->seccomp_flags & NF_SECCOMP_FILTER_FLAG_TSYNC))
			rc = -EBUSY;
		if (rc < 0) {
			result->failed_step = NF_STEP_SECCOMP;
			result->error = rc;
			return;
		}
		result->done |= NF_STEP_SECCOMP;
		if (plan->seccomp_flags & NF_SECCOMP_FILTER_FLAG_NEW_LISTENER) {
			/* Hand the notification fd to the supervisor and keep no
			 * copy: the sandboxed process must not answer its own
			 * listen() calls. If this fails, listen() gets ENOSYS
			 * from the kernel once the fd is closed: still denied. */
			if (plan->supervisor_sock >= 0)
				result->supervisor_error = nf_send_fd(plan->supervisor_sock, rc);
			else
				result->supervisor_error = -EBADF;
			close(rc);
		}
	}
}

/* ---- spawn ---- */

/* What the spawned child needs; it lives in the parent's frame (the child
 * shares the parent's memory until it executes or exits). */
struct spawn_args {
	const struct nf_apply_plan *plan;
	const struct nf_spawn_request *request;
	int report_fd;
	uint64_t parent_mask; /* the kernel's signal mask (rt_sigprocmask) */
};

/* The kernel's struct sigaction for rt_sigaction(2) (x86_64, aarch64, ...). */
struct nf_kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/* glibc's internal signals (thread cancellation, set*id broadcast), which
 * its wrappers neither block nor let a program change. */
static int is_internal_signal(int sig)
{
	return sig == 32 || sig == 33;
}

/* The child: only syscalls and the prepared plan, on its own stack. It
 * shares the parent's memory (CLONE_VM), so it writes nothing but its stack
 * and the report pipe; the parent's calling thread is suspended meanwhile. */
static int spawn_child(void *opaque)
{
	const struct spawn_args *args = opaque;
	/* Handlers of the parent must not run here: back to the default, and
	 * glibc's internal ones ignored, as posix_spawn does (the child has its
	 * own copy of the table, no CLONE_SIGHAND). Raw syscalls: glibc's
	 * wrappers skip the internal signals. */
	for (int sig = 1; sig < 64; sig++) {
		struct nf_kernel_sigaction sa;
		if (syscall(SYS_rt_sigaction, sig, NULL, &sa, sizeof(sa.mask)) != 0)
			continue;
		if (sa.handler == SIG_IGN || (sa.handler == SIG_DFL && !is_internal_signal(sig)))
			continue;
		struct nf_kernel_sigaction reset = {.handler = is_internal_signal(sig) ? SIG_IGN : SIG_DFL};
		syscall(SYS_rt_sigaction, sig, &reset, NULL, sizeof(reset.mask));
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &args->parent_mask, NULL, sizeof(args->parent_mask));
	if (args->request->supervisor_pid > 0)
		prctl(PR_SET_PTRACER, (unsigned long)args->request->supervisor_pid, 0, 0, 0);
	struct nf_apply_result result;
	apply(args->plan, &result, &raw_ops);
	/* The outcome of the apply goes to the parent in every case (the
	 * supervisor hand-over too); a second record only if exec fails.
	 * The pipe is close-on-exec: EOF after the first record = exec'd. */
	ssize_t ignored = write(args->report_fd, &result, sizeof(result));
	if (result.failed_step == 0) {
		execve(args->request->path, args->request->argv, args->request->envp);
		result.failed_step = NF_STEP_EXEC;
		result.error = -errno;
		ignored = write(args->report_fd, &result, sizeof(result));
	}
	(void)ignored;
	_exit(127);
}

/* The child's stack: the apply sequence with raw syscalls needs little; a
 * guard page below. */
#define SPAWN_STACK_SIZE (256 * 1024)

int nf_spawn(const struct nf_apply_plan *plan, const struct nf_spawn_request *request,
	     struct nf_apply_result *child_result, int32_t *pid_out)
{
	memset(child_result, 0, sizeof(*child_result));
	int report[2];
	if (pipe2(report, O_CLOEXEC) != 0)
		return -errno;
	long page = sysconf(_SC_PAGESIZE);
	char *stack = mmap(NULL, SPAWN_STACK_SIZE + (size_t)page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED || mprotect(stack, (size_t)page, PROT_NONE) != 0) {
		int error = errno;
		if (stack != MAP_FAILED)
			munmap(stack, SPAWN_STACK_SIZE + (size_t)page);
		close(report[0]);
		close(report[1]);
		return -error;
	}
	/* vfork-style, as posix_spawn(3) does: the child shares this memory and
	 * this thread waits until it has executed the command or exited. No
	 * copy of the page tables (spawning from a large process costs the same
	 * as from a small one) and no atfork handlers in the child. Every signal
	 * is blocked across the clone, so no handler of the parent runs in the
	 * child before it has reset them. */
	struct spawn_args args = {.plan = plan, .request = request, .report_fd = report[1]};
	/* Every signal, glibc's internal ones included (raw syscall). */
	uint64_t all = ~UINT64_C(0);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &args.parent_mask, sizeof(all));
	/* The child runs on this thread's TLS: keep the caller's errno. */
	int saved_errno = errno;
	pid_t pid = clone(spawn_child, stack + SPAWN_STACK_SIZE + page, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	int fork_errno = errno;
	errno = saved_errno;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &args.parent_mask, NULL, sizeof(args.parent_mask));
	munmap(stack, SPAWN_STACK_SIZE + (size_t)page);
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return -fork_errno;
	}
	struct nf_apply_result records[2];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(report[0], (char *)records + got, sizeof(records) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(report[0]);
	size_t count = got / sizeof(records[0]);
	if (count == 0) {
		/* The child died before reporting: reap it, report a failure. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
		return -EFAULT;
	}
	*child_result = records[count - 1];
	if (child_result->failed_step != 0) {
		/* The child failed before or at execve: reap it, no zombie. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
		return child_result->error < 0 ? child_result->error : -EFAULT;
	}
	*pid_out = pid;
	return 0;
}
