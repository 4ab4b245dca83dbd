/* SPDX-License-Identifier: MIT */
/* Load cost: a C program that links libnetfence and makes one call. */
#include <stdio.h>
#include <netfence.h>
int main(void)
{
	return printf("%d\n", netfence_landlock_abi()) < 0;
}
