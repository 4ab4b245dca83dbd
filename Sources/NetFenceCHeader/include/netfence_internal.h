/* SPDX-License-Identifier: MIT */
/* Internal to the library (not installed, hidden from the .so's exports). */
#ifndef NETFENCE_INTERNAL_H
#define NETFENCE_INTERNAL_H
__attribute__((visibility("hidden"))) const char *netfence__version_string(void);
/* The calling thread's last-error message (last_error.c): set copies the
 * text; get never returns NULL. */
__attribute__((visibility("hidden"))) void nf_error_set(const char *message);
__attribute__((visibility("hidden"))) void nf_error_clear(void);
__attribute__((visibility("hidden"))) const char *nf_error_get(void);
#endif
