# SPDX-License-Identifier: MIT
"""NETFENCE_EXPECT_ABI for the pytest suites under tests/ (cli, simulated),
imported by their conftest.py files.

The Landlock ABI is the one `netfence status --json` reports (the tool under
test; the test-only NETFENCE_TEST_ABI lowers it). A test that needs a Landlock
ABI says so with ``@pytest.mark.needs_landlock_abi(N, "what needs it")``: it is
skipped, with that reason, on a kernel with a lower ABI.

When NETFENCE_EXPECT_ABI=N is set (CI sets it, docs/testing.md):
- an autouse session fixture stops the run with a failure unless the ABI is N;
- a test that would be skipped for lack of a kernel feature fails instead:
  the marker above, and any other skip whose reason names Landlock.
Other skips (not root, a Python module missing) stay skips."""
import functools
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("NETFENCE_CLI", os.path.join(ROOT, "build", "bin", "netfence"))
MARKER = "needs_landlock_abi"


@functools.lru_cache(maxsize=None)
def landlock_abi() -> int:
    """The Landlock ABI netfence reports (negative when Landlock is unavailable)."""
    out = subprocess.run([CLI, "status", "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"netfence status --json exited {out.returncode}: {out.stderr}"
    return json.loads(out.stdout)["landlock"]["abi"]


def expected_abi():
    """NETFENCE_EXPECT_ABI as a number, None when unset or empty; raises
    ValueError when it is not a positive number."""
    text = os.environ.get("NETFENCE_EXPECT_ABI", "")
    if text == "":
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"NETFENCE_EXPECT_ABI={text!r} is not a Landlock ABI number")
    return int(text)


def abi_problem():
    """Why the run does not meet NETFENCE_EXPECT_ABI, or None."""
    try:
        expected = expected_abi()
    except ValueError as error:
        return str(error)
    if expected is not None and landlock_abi() != expected:
        return f"netfence reports Landlock ABI {landlock_abi()}, NETFENCE_EXPECT_ABI={expected}"
    return None


def expecting() -> bool:
    """Whether NETFENCE_EXPECT_ABI is set (then no kernel-feature skip)."""
    return os.environ.get("NETFENCE_EXPECT_ABI", "") != ""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{MARKER}(abi, what): needs Landlock ABI `abi` (skipped below it; "
        "a failure under NETFENCE_EXPECT_ABI)")


@pytest.fixture(scope="session", autouse=True)
def netfence_expected_abi():
    """Stops the whole run, as a failure, when NETFENCE_EXPECT_ABI is not met."""
    problem = abi_problem()
    if problem is not None:
        pytest.exit(f"FAIL kernel: {problem}", returncode=1)


def pytest_runtest_setup(item):
    for mark in item.iter_markers(MARKER):
        need = mark.args[0]
        what = mark.args[1] if len(mark.args) > 1 else "this test"
        if landlock_abi() < need:
            reason = f"{what} needs Landlock ABI {need}, the kernel has {landlock_abi()}"
            if expecting():
                pytest.fail(f"{reason} (NETFENCE_EXPECT_ABI is set: no kernel-feature skip)", pytrace=False)
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under NETFENCE_EXPECT_ABI, a skip whose reason names Landlock (one not
    made through the marker) is a failure too."""
    outcome = yield
    report = outcome.get_result()
    if expecting() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if "Landlock" in reason:
            report.outcome = "failed"
            report.longrepr = f"{reason} (NETFENCE_EXPECT_ABI is set: no kernel-feature skip)"
