/* SPDX-License-Identifier: MIT */
/* Capabilities: reading them, names, the sets of a plan, and the two ways of applying them (libcap, raw system calls). */
/* Package.swift defines it for SwiftPM builds; tools may compile this file alone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "netfence_system.h"
#include "system_internal.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

static int libcap_set_working(const struct nf_apply_plan *plan) { return cap_set_proc(plan->caps_working); }
static int libcap_set_final(const struct nf_apply_plan *plan) { return cap_set_proc(plan->caps_final); }
static int libcap_drop_bound(int cap) { return cap_drop_bound(cap); }
static int libcap_reset_ambient(void) { return cap_reset_ambient(); }
static int libcap_raise_ambient(int cap) { return cap_set_ambient(cap, CAP_SET); }
static int libcap_set_securebits(uint32_t bits) { return cap_set_secbits(bits); }

const struct nf_caps_ops nf_libcap_ops = {
	libcap_set_working, libcap_set_final, libcap_drop_bound,
	libcap_reset_ambient, libcap_raise_ambient, libcap_set_securebits,
};

static int raw_set_working(const struct nf_apply_plan *plan) { return raw_capset(plan->caps_working_set, plan->caps_inheritable); }
static int raw_set_final(const struct nf_apply_plan *plan) { return raw_capset(plan->caps_final_set, plan->caps_inheritable); }
static int raw_drop_bound(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
static int raw_reset_ambient(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
static int raw_raise_ambient(int cap) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0); }
static int raw_set_securebits(uint32_t bits) { return prctl(PR_SET_SECUREBITS, bits, 0, 0, 0); }

const struct nf_caps_ops nf_raw_caps_ops = {
	raw_set_working, raw_set_final, raw_drop_bound,
	raw_reset_ambient, raw_raise_ambient, raw_set_securebits,
};
