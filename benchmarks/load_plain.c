/* SPDX-License-Identifier: MIT */
/* Load-cost baseline: the same program as load_linked.c without libnetfence. */
#include <stdio.h>
int main(void)
{
	return puts("0") < 0;
}
