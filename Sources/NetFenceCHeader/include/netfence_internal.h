/* SPDX-License-Identifier: MIT */
/* Internal to the library (not installed, hidden from the .so's exports). */
#ifndef NETFENCE_INTERNAL_H
#define NETFENCE_INTERNAL_H
/* The calling thread's last-error message (last_error.c): set copies the
 * text; get never returns NULL. */
__attribute__((visibility("hidden"))) void nf_error_set(const char *message);
__attribute__((visibility("hidden"))) void nf_error_clear(void);
__attribute__((visibility("hidden"))) const char *nf_error_get(void);
/* The registry of live rulesets (handles.c): a handle for `object`, or NULL
 * when out of memory; the object a live handle names, or NULL; and, to free,
 * the object of a live handle, which stops being live (NULL if it was not). */
__attribute__((visibility("hidden"))) void *nf_handle_new(void *object);
__attribute__((visibility("hidden"))) void *nf_handle_object(const void *handle);
__attribute__((visibility("hidden"))) void *nf_handle_release(const void *handle);
#endif
