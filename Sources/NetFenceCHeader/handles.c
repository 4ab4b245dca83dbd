/* SPDX-License-Identifier: MIT */
/*
 * The registry of live rulesets behind the C ABI's `netfence_ruleset *`.
 *
 * A handle is not the object's address but a slot number and that slot's
 * generation, so a handle that was freed (or never came from
 * netfence_ruleset_new) is recognised, even after the memory behind it has
 * been reused for a new ruleset: every call on it fails with -EINVAL, and a
 * second netfence_ruleset_free() is reported, instead of touching freed
 * memory. The few rulesets a process holds make a linear scan enough.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "netfence_internal.h"

struct slot {
	void *object;        /* NULL: free */
	uintptr_t generation; /* bumped when the slot is freed */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots;
static size_t slot_count;

/* Half the bits of a handle for the slot (plus one: a handle is never NULL),
 * half for the generation. */
#define INDEX_BITS (sizeof(uintptr_t) * 4)
#define INDEX_MASK (((uintptr_t)1 << INDEX_BITS) - 1)

static void *encode(size_t index, uintptr_t generation)
{
	return (void *)((generation << INDEX_BITS) | (uintptr_t)(index + 1));
}

/* The slot a handle names while it is live, else NULL. Under the lock. */
static struct slot *live_slot(const void *handle)
{
	uintptr_t value = (uintptr_t)handle;
	size_t index = (size_t)(value & INDEX_MASK);
	if (index == 0 || index > slot_count)
		return NULL;
	struct slot *slot = &slots[index - 1];
	uintptr_t generation = (value >> INDEX_BITS) & INDEX_MASK;
	return slot->object != NULL && (slot->generation & INDEX_MASK) == generation ? slot : NULL;
}

void *nf_handle_new(void *object)
{
	void *handle = NULL;
	pthread_mutex_lock(&lock);
	size_t index = 0;
	while (index < slot_count && slots[index].object != NULL)
		index++;
	if (index == slot_count && index < INDEX_MASK - 1) {
		size_t grown = slot_count ? slot_count * 2 : 8;
		struct slot *bigger = realloc(slots, grown * sizeof(*slots));
		if (bigger != NULL) {
			for (size_t i = slot_count; i < grown; i++)
				bigger[i] = (struct slot){NULL, 0};
			slots = bigger;
			slot_count = grown;
		}
	}
	if (index < slot_count) {
		slots[index].object = object;
		handle = encode(index, slots[index].generation & INDEX_MASK);
	}
	pthread_mutex_unlock(&lock);
	return handle;
}

void *nf_handle_object(const void *handle)
{
	pthread_mutex_lock(&lock);
	struct slot *slot = live_slot(handle);
	void *object = slot != NULL ? slot->object : NULL;
	pthread_mutex_unlock(&lock);
	return object;
}

void *nf_handle_release(const void *handle)
{
	pthread_mutex_lock(&lock);
	struct slot *slot = live_slot(handle);
	void *object = NULL;
	if (slot != NULL) {
		object = slot->object;
		slot->object = NULL;
		slot->generation++;
	}
	pthread_mutex_unlock(&lock);
	return object;
}
