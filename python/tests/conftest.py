# SPDX-License-Identifier: MIT
"""Makes the netfence package of this source tree importable (tests/run.sh
runs pytest from the repository root without installing it), and gives the
tests a helper that runs Python code in a child process, where every
enforcement scenario happens. The pytest process itself is never restricted."""
import os
import subprocess
import sys
from typing import Dict, List, Optional

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


@pytest.fixture(scope="session")
def abi():
    """The kernel's Landlock ABI; the test is skipped without Landlock."""
    import netfence

    try:
        return netfence.landlock_abi()
    except netfence.UnsupportedError as error:
        pytest.skip(f"Landlock is unavailable: {error}")
