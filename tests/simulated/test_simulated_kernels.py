# SPDX-License-Identifier: MIT
"""Scenarios as if on other kernels, on the real one: no Landlock (ENOSYS),
Landlock disabled at boot (EOPNOTSUPP) through fake-kernel's seccomp filter,
and older ABIs through the test-only NETFENCE_TEST_ABI override. Each run is
a `netfence run` subprocess; its report is checked against what a probe
child actually observes: never more protection claimed than applied."""
import json
import os
import socket
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("NETFENCE_CLI", os.path.join(ROOT, "build", "bin", "netfence"))
FAKE = os.environ.get("NETFENCE_FAKE_KERNEL", os.path.join(ROOT, "build", "bin", "fake-kernel"))
sys.path.insert(0, os.path.join(ROOT, "tests", "cli"))
from netfence_expect import landlock_abi  # noqa: E402
from test_cli import PROBE, free_port  # noqa: E402

# The real ABI (what netfence reports); simulations that need more of it are
# marked needs_landlock_abi (conftest.py: skipped, or failed under
# NETFENCE_EXPECT_ABI).
REAL_ABI = landlock_abi()


def run(args, fake=None, abi=None, tmp_path=None):
    env = dict(os.environ)
    if abi is not None:
        env["NETFENCE_TEST_ABI"] = str(abi)
    report = os.path.join(tmp_path, "status.json")
    command = [CLI, "run", *args, "--status-json", report, "--", sys.executable, "-c", PROBE]
    prefix = [FAKE, fake] if fake else []
    return report, prefix + command, env


def probe(args, ops, fake=None, abi=None, tmp_path=None, expect=0):
    report, command, env = run(args, fake, abi, tmp_path)
    result = subprocess.run(command + ops, capture_output=True, text=True, env=env)
    assert result.returncode == expect, result.stderr
    data = json.load(open(report)) if expect == 0 else None
    return result, data


@pytest.mark.parametrize("fake,abi_value", [("enosys", -38), ("eopnotsupp", -95)])
def test_no_landlock(tmp_path, fake, abi_value):
    port = free_port()
    # Best effort: nothing of Landlock, reported; the bind really works.
    result, data = probe(["--bind-tcp", ""], [f"bind={port}"], fake=fake, tmp_path=tmp_path)
    assert data["landlock"]["abi"] == abi_value and data["landlock"]["available"] is False
    assert data["enforcement"] == "none"
    assert data["landlock"]["net"]["enforced"] == []
    assert {"layer": "landlock.net", "item": "bind_tcp"}.items() <= data["not_in_force"][0].items()
    assert result.stdout.split() == ["ok"]
    # Soft requirement: nothing at all. (no_new_privs is read back from the
    # kernel: fake-kernel itself set it to install its filter.)
    _, soft = probe(["--bind-tcp", "", "--soft"], [f"bind={port}"], fake=fake, tmp_path=tmp_path)
    assert soft["enforcement"] == "none" and soft["seccomp"]["installed"] is False
    # Hard requirement: refused, with the kernel's reason.
    report, command, env = run(["--bind-tcp", "", "--hard"], fake, None, tmp_path)
    hard = subprocess.run(command, capture_output=True, text=True, env=env)
    assert hard.returncode == 125
    assert ("not built" in hard.stderr) if fake == "enosys" else ("disabled" in hard.stderr)


@pytest.mark.parametrize("fake", ["enosys", "eopnotsupp"])
def test_socket_layer_without_landlock(tmp_path, fake):
    result, data = probe(["--no-network"], ["tcp", "udp", "unix", "listen=0"], fake=fake, tmp_path=tmp_path)
    assert data["seccomp"]["installed"] is True and data["seccomp"]["sockets"]["handled"] is True
    assert data["enforcement"] == "partial"  # TCP rights need Landlock: reported as not in force
    assert result.stdout.split() == ["EACCES"] * 4


@pytest.mark.needs_landlock_abi(4, "simulating ABIs 1 and 3")
@pytest.mark.parametrize("abi", [1, 3])
def test_abi_without_network_rules(tmp_path, abi):
    port = free_port()
    result, data = probe(["--bind-tcp", ""], [f"bind={port}"], abi=abi, tmp_path=tmp_path)
    assert data["landlock"]["abi"] == abi
    assert data["landlock"]["net"]["enforced"] == []
    item = next(i for i in data["not_in_force"] if i["item"] == "bind_tcp")
    assert item["reason"] == f"needs Landlock ABI 4 (Linux 6.7), this kernel has {abi}"
    assert result.stdout.split() == ["ok"]  # indeed not enforced: the report is honest
    report, command, env = run(["--bind-tcp", "", "--hard"], None, abi, tmp_path)
    assert subprocess.run(command, capture_output=True, text=True, env=env).returncode == 125


@pytest.mark.needs_landlock_abi(6, "simulating ABI 4")
def test_abi_4_network_but_no_scopes(tmp_path):
    port = free_port()
    result, data = probe(["--bind-tcp", "", "--scope", "signal"], [f"bind={port}", f"kill={os.getppid()}"],
                         abi=4, tmp_path=tmp_path)
    assert data["enforcement"] == "partial"
    assert data["landlock"]["net"]["enforced"] == ["bind_tcp"]
    assert data["landlock"]["scopes"]["enforced"] == []
    assert result.stdout.split() == ["EACCES", "ok"]  # bind denied as claimed; signal not scoped, as claimed


@pytest.mark.needs_landlock_abi(7, "simulating ABI 6")
def test_abi_6_drops_log_flags(tmp_path):
    _, data = probe(["--bind-tcp", "", "--log-new-exec-on"], [], abi=6, tmp_path=tmp_path)
    assert data["landlock"]["flags"]["requested"] == ["log_new_exec_on"]
    assert data["landlock"]["flags"]["enforced"] == []
    assert any(i["layer"] == "landlock.flags" for i in data["not_in_force"])


@pytest.mark.needs_landlock_abi(4, "simulating ABI 1")
def test_abi_1_filesystem_downgrade(tmp_path):
    result, data = probe(["--rox", "/"], [], abi=1, tmp_path=tmp_path)
    enforced = set(data["landlock"]["fs"]["enforced"])
    assert "read_file" in enforced and "refer" not in enforced and "truncate" not in enforced
    # The options ask for the same rights on every kernel: what ABI 1 lacks is
    # not in force, reported, and warned about, one line each.
    assert data["enforcement"] == "partial"
    assert [i["item"] for i in data["not_in_force"]] == ["refer", "truncate", "ioctl_dev"]
    assert result.stderr.count("netfence: warning: the ") == 3, result.stderr


def test_override_cannot_raise_the_abi(tmp_path):
    _, data = probe(["--bind-tcp", "0"], [], abi=REAL_ABI + 5, tmp_path=tmp_path)
    assert data["landlock"]["abi"] == REAL_ABI
