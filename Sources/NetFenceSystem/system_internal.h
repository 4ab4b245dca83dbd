/* SPDX-License-Identifier: MIT */
/*
 * Shared between the files of this target only (Swift sees netfence_system.h).
 */
#ifndef NETFENCE_SYSTEM_INTERNAL_H
#define NETFENCE_SYSTEM_INTERNAL_H

#include <errno.h>
#include <sys/types.h>

#include <sys/syscall.h>

#include "netfence_system.h"

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

/* A system call's result as 0..n, or -errno. */
static inline int nf_result(long rc)
{
	return rc < 0 ? -errno : (int)rc;
}

/*
 * The capability operations of the apply sequence: through libcap in this
 * process; with raw system calls in the spawn child, which shares the
 * parent's memory: libcap may route its calls through libpsx (when the
 * program uses it), whose machinery belongs to the parent's threads. Each
 * returns 0, or -1 with errno set.
 */
struct nf_caps_ops {
	int (*set_working)(const struct nf_apply_plan *plan);
	int (*set_final)(const struct nf_apply_plan *plan);
	int (*drop_bound)(int cap);
	int (*reset_ambient)(void);
	int (*raise_ambient)(int cap);
	int (*set_securebits)(uint32_t bits);
};

NF_HIDDEN extern const struct nf_caps_ops nf_libcap_ops;
NF_HIDDEN extern const struct nf_caps_ops nf_raw_caps_ops;

/* The apply sequence with the given capability operations (apply.c). */
NF_HIDDEN void nf_apply_with(const struct nf_apply_plan *plan, struct nf_apply_result *result,
			     const struct nf_caps_ops *caps);

/* A numeric field of a /proc status file ("\nTgid:"), or -errno (proc.c). */
NF_HIDDEN int nf_proc_status_field(const char *path, const char *field);
/* The thread group of a thread id, or -1 (proc.c). */
NF_HIDDEN int nf_thread_group_of(pid_t tid);

#endif
