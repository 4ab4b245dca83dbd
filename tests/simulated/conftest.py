# SPDX-License-Identifier: MIT
"""NETFENCE_EXPECT_ABI for this suite, shared with tests/cli
(tests/cli/netfence_expect.py): the session check, the needs_landlock_abi
marker, and no kernel-feature skip when it is set."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cli"))

from netfence_expect import (  # noqa: E402,F401 (pytest finds hooks and fixtures here)
    netfence_expected_abi,
    pytest_configure,
    pytest_runtest_makereport,
    pytest_runtest_setup,
)
