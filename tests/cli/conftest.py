# SPDX-License-Identifier: MIT
"""NETFENCE_EXPECT_ABI for this suite (netfence_expect.py): the session check,
the needs_landlock_abi marker, and no kernel-feature skip when it is set."""
from netfence_expect import (  # noqa: F401 (pytest finds hooks and fixtures here)
    netfence_expected_abi,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_runtest_setup,
)
