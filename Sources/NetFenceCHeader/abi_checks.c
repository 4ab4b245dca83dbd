/* SPDX-License-Identifier: MIT */
/*
 * Compile-time checks of the public struct layout. netfence_status is a
 * size-prefixed struct: fields may only ever be appended, so the offsets
 * below must never change. SwiftPM also needs one source file in this
 * target, which only exists to make include/netfence.h importable.
 */
#include <stddef.h>
#include "netfence.h"

_Static_assert(offsetof(netfence_status, size) == 0, "size must stay first");
_Static_assert(offsetof(netfence_status, landlock_errata) == 36, "layout");
_Static_assert(offsetof(netfence_status, net_requested) == 40, "layout");
_Static_assert(offsetof(netfence_status, path_rules) == 104, "layout");
_Static_assert(offsetof(netfence_status, caps_requested) == 112, "layout");
_Static_assert(offsetof(netfence_status, caps_kept) == 128, "layout");
_Static_assert(offsetof(netfence_status, caps_ambient) == 168, "layout");
_Static_assert(offsetof(netfence_status, seccomp_installed) == 176, "layout");
_Static_assert(offsetof(netfence_status, listen_supervisor_pid) == 200, "layout");
_Static_assert(sizeof(netfence_status) == 208, "netfence_status v1 is 208 bytes");
