/* SPDX-License-Identifier: MIT */
/* The public header alone must compile cleanly as strict C99 and as C++
 * (-Wall -Wextra -pedantic -Werror), and its initialiser must fill the size. */
#include <netfence.h>
#include <netfence.h> /* include guard */

int main(void)
{
	netfence_status st = NETFENCE_STATUS_INIT;
	netfence_ruleset *rs = 0;
	(void)rs;
	return st.size == sizeof(netfence_status) && st.enforced == 0 ? 0 : 1;
}
