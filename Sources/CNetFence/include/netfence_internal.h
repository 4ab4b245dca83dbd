/* SPDX-License-Identifier: MIT */
/* Internal to the library (not installed, hidden from the .so's exports). */
#ifndef NETFENCE_INTERNAL_H
#define NETFENCE_INTERNAL_H
__attribute__((visibility("hidden"))) const char *netfence__version_string(void);
#endif
