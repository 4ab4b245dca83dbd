# SPDX-License-Identifier: MIT
"""ctypes smoke test: load the built libnetfence.so.0, restrict a child
process and see EACCES. The pytest process itself is never restricted."""
import ctypes
import os
import subprocess
import sys
import textwrap

import pytest

LIBRARY = os.environ.get("NETFENCE_LIBRARY", "libnetfence.so.0")


class Status(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in (
        "size", "enforced")] + [("landlock_abi", ctypes.c_int32)] + [
        (name, ctypes.c_uint32) for name in (
            "landlock_applied", "no_new_privs", "all_threads", "thread_count",
            "flags_requested", "flags_enforced")] + [
        ("landlock_errata", ctypes.c_int32)] + [
        (name, ctypes.c_uint64) for name in (
            "net_requested", "net_enforced", "net_all_ports", "fs_requested",
            "fs_enforced", "scopes_requested", "scopes_enforced", "port_rules",
            "path_rules")] + [
        (name, ctypes.c_uint32) for name in (
            "caps_requested", "caps_applied", "caps_options", "securebits")] + [
        (name, ctypes.c_uint64) for name in (
            "caps_kept", "caps_effective", "caps_permitted", "caps_inheritable",
            "caps_bounding", "caps_ambient")] + [
        (name, ctypes.c_uint32) for name in (
            "seccomp_installed", "seccomp_features", "sockets_requested", "socket_rules",
            "listen_mode", "seccomp_instructions")] + [
        ("listen_supervisor_pid", ctypes.c_int32), ("landlock_isolation", ctypes.c_uint32)]


def load():
    lib = ctypes.CDLL(LIBRARY)
    lib.netfence_version.restype = ctypes.c_char_p
    lib.netfence_last_error.restype = ctypes.c_char_p
    lib.netfence_landlock_abi.restype = ctypes.c_int
    lib.netfence_ruleset_new.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.netfence_ruleset_allow_port.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    lib.netfence_ruleset_handle_net.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.netfence_ruleset_restrict_self.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.POINTER(Status)]
    lib.netfence_ruleset_free.argtypes = [ctypes.c_void_p]
    lib.netfence_ruleset_free.restype = None
    return lib


def test_layout_matches_header():
    assert ctypes.sizeof(Status) == 208
    assert Status.net_requested.offset == 40
    assert Status.caps_kept.offset == 128


def test_version_and_errors():
    lib = load()
    assert lib.netfence_version() == b"0.1.0"
    handle = ctypes.c_void_p()
    assert lib.netfence_ruleset_new(ctypes.byref(handle)) == 0
    try:
        assert lib.netfence_ruleset_handle_net(handle, 1) == 0
        # 70000 is rejected, never truncated to 4464.
        assert lib.netfence_ruleset_allow_port(handle, 1, 70000) == -22
        assert b"70000" in lib.netfence_last_error()
        assert lib.netfence_ruleset_new(None) == -22
    finally:
        lib.netfence_ruleset_free(handle)


CHILD = textwrap.dedent("""
    import ctypes, errno, socket, sys
    sys.path.insert(0, {tests!r})
    from test_smoke import Status, load
    lib = load()
    handle = ctypes.c_void_p()
    assert lib.netfence_ruleset_new(ctypes.byref(handle)) == 0
    assert lib.netfence_ruleset_handle_net(handle, 1) == 0   # BIND_TCP, no rule
    status = Status(size=ctypes.sizeof(Status))
    rc = lib.netfence_ruleset_restrict_self(handle, 0, ctypes.byref(status))
    assert rc == 0, lib.netfence_last_error()
    lib.netfence_ruleset_free(handle)
    assert status.enforced == 1 and status.landlock_applied == 1, status.enforced
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
    except PermissionError as e:
        assert e.errno == errno.EACCES
        print("EACCES")
    else:
        print("bind allowed")
""")


def test_restricted_child_gets_eacces():
    lib = load()
    if lib.netfence_landlock_abi() < 4:
        pytest.skip("TCP port rules need Landlock ABI 4 (Linux 6.7)")
    # Control: binding works in an unrestricted child.
    control = subprocess.run([sys.executable, "-c",
                              "import socket; socket.socket().bind(('127.0.0.1', 0)); print('ok')"],
                             capture_output=True, text=True, check=True)
    assert control.stdout.strip() == "ok"
    code = CHILD.format(tests=os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "EACCES"
