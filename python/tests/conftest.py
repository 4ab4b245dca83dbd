# SPDX-License-Identifier: MIT
"""Shared set-up of the Python suite.

- Makes the netfence package of this source tree importable (tests/run.sh
  runs pytest from the repository root without installing it).
- run_python: runs Python code in a child process, where every enforcement
  scenario happens. The pytest process itself is never restricted.
- Kernel requirements, and NETFENCE_EXPECT_ABI. A test that needs a kernel
  feature calls require_landlock() or require_abi() (or uses the ``abi``
  fixture) instead of pytest.skip. Normally a missing feature skips the test,
  with the reason. When NETFENCE_EXPECT_ABI=N is set (a CI machine whose
  kernel is known), the suite first checks that netfence reports Landlock ABI
  N and stops with a failure if not; and a test that would skip for a missing
  kernel feature fails instead, so that nothing the machine should run is
  silently left out. Skips for other reasons (not root, a missing Python
  module or C compiler, a kernel too *new* to show a downgrade) stay skips.
"""
import os
import subprocess
import sys
from typing import Dict, List, Optional, Union

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(PYTHON_DIR)

if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

# A developer running pytest by hand without NETFENCE_LIBRARY gets the build
# tree's library when there is one (tests/run.sh always sets the variable).
_BUILT = os.path.join(ROOT, "build", "lib", "libnetfence.so.0")
if not os.environ.get("NETFENCE_LIBRARY") and os.path.exists(_BUILT):
    os.environ["NETFENCE_LIBRARY"] = _BUILT

EXPECT_ABI = "NETFENCE_EXPECT_ABI"


def report_field(text: str, label: str) -> Optional[str]:
    """The value of `label:` in the text report (netfence_status_format with
    NETFENCE_FORMAT_TEXT), or None when the report has no such row."""
    for line in text.splitlines():
        name, sep, value = line.strip().partition(":")
        if sep and name == label:
            return value.strip()
    return None


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a child Python: this one, with the package on
    PYTHONPATH (NETFENCE_LIBRARY is inherited)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PYTHON_DIR, env.get("PYTHONPATH")) if p)
    env.update(extra or {})
    return env


def run_python(code: str, *args: str, env: Optional[Dict[str, str]] = None, timeout: float = 30) -> "subprocess.CompletedProcess[str]":
    """Run ``code`` with ``sys.executable -c`` in a child process."""
    command: List[str] = [sys.executable, "-c", code, *args]
    return subprocess.run(command, capture_output=True, text=True, env=child_env(env), timeout=timeout)


@pytest.fixture
def python_child():
    """The run_python helper, as a fixture."""
    return run_python


# -- kernel requirements -----------------------------------------------------


def expected_abi() -> Optional[int]:
    """The Landlock ABI that NETFENCE_EXPECT_ABI declares; None when unset.

    Raises:
        ValueError: the variable is not a positive integer.
    """
    value = os.environ.get(EXPECT_ABI, "")
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{EXPECT_ABI}={value!r} is not a Landlock ABI (a positive integer)")
    return int(value)


def kernel_abi() -> Union[int, str]:
    """The Landlock ABI netfence reports for the running kernel, or, when
    Landlock is unavailable, the reason as text. Only probes: this restricts
    nothing."""
    import netfence

    try:
        return netfence.landlock_abi()
    except netfence.UnsupportedError as error:
        return f"Landlock is unavailable: {error}"


def require_kernel(available: bool, reason: str) -> None:
    """Skip the test, with ``reason``, when a kernel feature it needs is not
    ``available``; fail it instead under NETFENCE_EXPECT_ABI, where every
    kernel feature the tests need is expected to be there."""
    __tracebackhide__ = True  # report the skip at the test's line, not here
    if available:
        return
    expected = expected_abi()
    if expected is not None:
        pytest.fail(f"{EXPECT_ABI}={expected}, but this test would be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


def require_landlock() -> int:
    """The kernel's Landlock ABI; skips (or fails) the test without Landlock."""
    __tracebackhide__ = True
    abi = kernel_abi()
    require_kernel(isinstance(abi, int), str(abi))
    assert isinstance(abi, int)
    return abi


def require_abi(minimum: int, feature: str) -> int:
    """The kernel's Landlock ABI, at least ``minimum``; skips (or fails) the
    test otherwise. ``feature`` says what needs it ("TCP port rules")."""
    __tracebackhide__ = True
    abi = require_landlock()
    require_kernel(abi >= minimum, f"needs Landlock ABI {minimum} ({feature}), the kernel has ABI {abi}")
    return abi


def skip_on_newer_kernel(reason: str) -> None:
    """Skip a test that checks a downgrade the running kernel is too new to
    show (it has the feature). Not a missing feature: stays a skip under
    NETFENCE_EXPECT_ABI."""
    __tracebackhide__ = True
    pytest.skip(reason)


def expected_abi_mismatch() -> Optional[str]:
    """Why the kernel does not match NETFENCE_EXPECT_ABI; None when it does or
    when the variable is unset."""
    try:
        expected = expected_abi()
    except ValueError as error:
        return str(error)
    if expected is None:
        return None
    actual = kernel_abi()
    if actual == expected:
        return None
    found = f"the kernel's Landlock ABI is {actual}" if isinstance(actual, int) else actual
    return f"{EXPECT_ABI}={expected}, but {found} (netfence.landlock_abi())"


@pytest.fixture(scope="session", autouse=True)
def expected_kernel():
    """Before the first test: stop the whole run, failed, when the kernel is
    not the one NETFENCE_EXPECT_ABI declares. Every result would be measured
    on the wrong kernel, so none is worth reporting; pytest.exit gives one
    clear line instead of the same error repeated for each test."""
    reason = expected_abi_mismatch()
    if reason is not None:
        pytest.exit(reason, returncode=pytest.ExitCode.TESTS_FAILED)


@pytest.fixture(scope="session")
def abi() -> int:
    """The kernel's Landlock ABI; the test is skipped (or fails, under
    NETFENCE_EXPECT_ABI) without Landlock."""
    return require_landlock()
