# SPDX-License-Identifier: MIT
"""Ruleset.spawn() from this multi-threaded pytest process: the child is
restricted, this process is not; failures in the child come back as
exceptions. (netfence_ruleset_spawn() restricts only the new process.)"""
import errno
import os
import socket
import sys
import threading

import pytest

import netfence
from conftest import require_abi
from netfence import AccessNet, Enforced, InvalidArgumentError, NetFenceError, Ruleset, SeccompFeatures


def wait_exit_code(pid):
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def other_thread():
    """Keeps a second thread alive in this process for the test's duration."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    assert len(os.listdir("/proc/self/task")) >= 2
    yield thread
    stop.set()
    thread.join()


BIND_CHILD = ("import socket, sys\n"
              "try:\n"
              "    socket.socket().bind(('127.0.0.1', 0))\n"
              "except PermissionError:\n"
              "    sys.exit(42)\n"
              "sys.exit(1)\n")


def test_spawn_restricts_only_the_child(other_thread):
    require_abi(4, "TCP port rules, Linux 6.7")
    with Ruleset() as rs:
        rs.handle_net(AccessNet.BIND_TCP)
        pid, status = rs.spawn([sys.executable, "-c", BIND_CHILD])
        assert wait_exit_code(pid) == 42
        assert status.enforced is Enforced.FULL
        assert status.all_threads is True and status.thread_count == 1
        assert status.landlock_applied and status.no_new_privs
        assert status.net_enforced == AccessNet.BIND_TCP
        # The ruleset is not spent: it spawns again.
        again = rs.spawn([sys.executable, "-c", BIND_CHILD])
        assert isinstance(again, netfence.Spawned) and again.pid != pid
        assert wait_exit_code(again.pid) == 42
    # This (multi-threaded) process is untouched.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
    assert len(os.listdir("/proc/self/task")) >= 2


def test_spawned_child_cannot_create_udp_socket(other_thread):
    code = ("import socket, sys\n"
            "tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
            "try:\n"
            "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "except PermissionError:\n"
            "    sys.exit(42)\n")
    with Ruleset() as rs:
        rs.handle_sockets().allow_socket(socket.AF_INET, socket.SOCK_STREAM)
        pid, status = rs.spawn([sys.executable, "-c", code])
    assert wait_exit_code(pid) == 42
    assert status.seccomp_installed and SeccompFeatures.SOCKETS_HANDLED in status.seccomp_features
    assert status.sockets_requested and status.socket_rules == 1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM):
        pass  # still allowed here


def test_spawn_path_env_and_path_search():
    with Ruleset() as rs:
        rs.handle_sockets()
        # path given explicitly, args[0] is only the name the child sees.
        code = "import os, sys; sys.exit(42 if os.environ.get('NETFENCE_MARK') == 'yes' and 'HOME' not in os.environ else 1)"
        pid, _ = rs.spawn(["renamed-python", "-c", code], path=sys.executable, env={"NETFENCE_MARK": "yes"})
        assert wait_exit_code(pid) == 42
        # A name without '/' is searched in PATH (from env when given).
        pid, _ = rs.spawn(["sh", "-c", "exit 43"], env={"PATH": "/usr/bin:/bin"})
        assert wait_exit_code(pid) == 43
        pid, _ = rs.spawn([b"sh", "-c", "exit 44"])
        assert wait_exit_code(pid) == 44


def test_exec_failure_raises_with_errno(tmp_path):
    with Ruleset() as rs:
        rs.handle_sockets()
        with pytest.raises(NetFenceError) as info:
            rs.spawn(["/nonexistent/netfence"])
        error = info.value
        assert error.errno == errno.ENOENT and type(error) is NetFenceError
        assert error.function == "netfence_ruleset_spawn"
        assert "/nonexistent/netfence" in error.message
        assert isinstance(error.status, netfence.Status)
        with pytest.raises(NetFenceError) as info:
            rs.spawn(["netfence-no-such-program"], env={"PATH": str(tmp_path)})
        assert info.value.errno == errno.ENOENT
        script = tmp_path / "not-executable"
        script.write_text("#!/bin/sh\nexit 0\n")
        script.chmod(0o644)
        with pytest.raises(NetFenceError) as info:
            rs.spawn([script])
        assert info.value.errno == errno.EACCES


def test_spawn_of_an_empty_ruleset_is_invalid():
    with Ruleset() as rs:
        with pytest.raises(InvalidArgumentError, match="handles nothing") as info:
            rs.spawn(["true"])
        assert info.value.status is not None and info.value.status.enforced is Enforced.UNDECIDED


def test_spawn_bad_input():
    with Ruleset() as rs:
        rs.handle_sockets()
        for bad in ("ls", b"ls", None, 5, {"a": 1}):
            with pytest.raises(TypeError):
                rs.spawn(bad)
        for bad_args in ([None], [5], ["sh", 1.0]):
            with pytest.raises(TypeError):
                rs.spawn(bad_args)
        with pytest.raises(InvalidArgumentError, match="empty"):
            rs.spawn([])
        with pytest.raises(InvalidArgumentError, match="NUL"):
            rs.spawn(["sh", "-c", "exit 0\0"])
        with pytest.raises(TypeError):
            rs.spawn(["sh"], path=5)
        with pytest.raises(InvalidArgumentError, match="NUL"):
            rs.spawn(["sh"], path="/bin/sh\0")
        with pytest.raises(TypeError):
            rs.spawn(["sh"], env=[("A", "B")])
        with pytest.raises(TypeError):
            rs.spawn(["sh"], env={"A": None})
        for name in ("A=B", ""):
            with pytest.raises(InvalidArgumentError, match="environment variable name"):
                rs.spawn(["sh"], env={name: "x"})
        with pytest.raises(InvalidArgumentError, match="NUL"):
            rs.spawn(["sh"], env={"A": "x\0y"})
