/* SPDX-License-Identifier: MIT */
/*
 * The version, from the one place it is written: the NETFENCE_VERSION_*
 * macros of include/netfence.h. The Makefile (soname, file names, the
 * pkg-config file, the wheel and the Debian packages) reads the same macros;
 * the Swift module (netfenceVersion, netfence_version()) reads them here.
 */
#include "../../include/netfence.h"
#include "netfence_system.h"

#define NF_TEXT(x) #x
#define NF_NUMBER(x) NF_TEXT(x)

const char *nf_netfence_version(void)
{
	return NF_NUMBER(NETFENCE_VERSION_MAJOR) "." NF_NUMBER(NETFENCE_VERSION_MINOR) "." NF_NUMBER(NETFENCE_VERSION_PATCH);
}
