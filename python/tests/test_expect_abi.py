# SPDX-License-Identifier: MIT
"""NETFENCE_EXPECT_ABI, the suite's strict mode (conftest.py): with the
variable set, a kernel whose Landlock ABI differs fails the run, and a test
that would skip for a missing kernel feature fails. Without it, such tests
skip with their reason. Nothing here restricts anything."""
import ast
import os
import re
import subprocess
import sys

import pytest

from conftest import (EXPECT_ABI, ROOT, child_env, kernel_abi, require_abi, require_kernel,
                      skip_on_newer_kernel)

TESTS = os.path.dirname(os.path.abspath(__file__))


def test_a_missing_feature_skips_without_an_expected_abi(monkeypatch):
    monkeypatch.delenv(EXPECT_ABI, raising=False)
    with pytest.raises(pytest.skip.Exception, match="^needs a future kernel$"):
        require_kernel(False, "needs a future kernel")
    require_kernel(True, "not used: the feature is there")


def test_a_missing_feature_fails_under_an_expected_abi(monkeypatch):
    monkeypatch.setenv(EXPECT_ABI, "7")
    with pytest.raises(pytest.fail.Exception,
                       match="^NETFENCE_EXPECT_ABI=7, but this test would be skipped: needs a future kernel$"):
        require_kernel(False, "needs a future kernel")
    require_kernel(True, "not used: the feature is there")
    # A kernel too new to show a downgrade lacks nothing: still a skip.
    with pytest.raises(pytest.skip.Exception):
        skip_on_newer_kernel("UDP rights are supported: nothing is missing")


def test_require_abi_names_the_abi(monkeypatch, abi):
    monkeypatch.delenv(EXPECT_ABI, raising=False)
    assert require_abi(abi, "what this kernel has") == abi
    with pytest.raises(pytest.skip.Exception) as info:
        require_abi(abi + 1, "a newer feature")
    assert str(info.value) == f"needs Landlock ABI {abi + 1} (a newer feature), the kernel has ABI {abi}"


def run_suite_with(expected):
    """One quick test of this suite in a child pytest, with NETFENCE_EXPECT_ABI."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
               os.path.join(TESTS, "test_package_errors.py") + "::test_hierarchy"]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=child_env({EXPECT_ABI: expected}))


def test_another_abi_fails_the_run():
    actual = kernel_abi()
    wrong = actual + 1 if isinstance(actual, int) else 1
    result = run_suite_with(str(wrong))
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    found = f"the kernel's Landlock ABI is {actual}" if isinstance(actual, int) else "Landlock is unavailable"
    assert f"{EXPECT_ABI}={wrong}, but {found}" in result.stdout
    assert " passed" not in result.stdout
    # Not a number: also a failure, saying so.
    result = run_suite_with("seven")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert f"{EXPECT_ABI}='seven' is not a Landlock ABI" in result.stdout


def test_the_expected_abi_runs(abi):
    result = run_suite_with(str(abi))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def call_name(node):
    function = node.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def test_kernel_skips_go_through_conftest():
    """A kernel-feature skip written with pytest.skip or skipif would not
    fail under NETFENCE_EXPECT_ABI: every direct skip in a test module must
    be for another reason (root, a Python module, a C compiler)."""
    for filename in sorted(os.listdir(TESTS)):
        if not (filename.startswith("test_") and filename.endswith(".py")):
            continue
        with open(os.path.join(TESTS, filename)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and call_name(node) in ("skip", "skipif", "importorskip"):
                words = " ".join(part.value for part in ast.walk(node)
                                 if isinstance(part, ast.Constant) and isinstance(part.value, str))
                assert not re.search(r"landlock|\babi\b|kernel", words, re.I), (
                    f"{filename}:{node.lineno}: a kernel-feature skip; use conftest.require_abi() or "
                    "require_kernel() (or skip_on_newer_kernel() for a downgrade a new kernel cannot show)")
