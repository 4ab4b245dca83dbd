/* SPDX-License-Identifier: MIT */
/* The apply sequence: capabilities, no_new_privs, Landlock, seccomp, in this fixed order, with nothing left to allocate or decide. */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STEP(bit, expr)                                  \
	do {                                             \
		if ((expr) != 0) {                       \
			result->failed_step = (bit);     \
			result->error = -errno;          \
			return;                          \
		}                                        \
		result->done |= (bit);                   \
	} while (0)

void nf_apply(const struct nf_apply_plan *plan, struct nf_apply_result *result)
{
	nf_apply_with(plan, result, &nf_libcap_ops);
}

void nf_apply_with(const struct nf_apply_plan *plan, struct nf_apply_result *result, const struct nf_caps_ops *caps)
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
		int rc = nf_seccomp_load(plan->seccomp, plan->seccomp_length, plan->seccomp_flags);
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
