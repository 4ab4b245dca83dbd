/* SPDX-License-Identifier: MIT */
/*
 * The thread-local last-error message of the C ABI (netfence_last_error):
 * a pthread key with a destructor, so a thread's message is freed when the
 * thread exits.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "netfence_internal.h"

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
	/* Nothing to clear before the key exists: no message was ever set in
	 * this process. */
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
