# SPDX-License-Identifier: MIT
"""ctypes coverage of netfence_ruleset_spawn: the child is restricted, this
process is not; an exec failure comes back as an error."""
import ctypes
import errno
import os
import socket
import sys

import pytest

from test_smoke import Status, load


def spawn_lib():
    lib = load()
    lib.netfence_ruleset_spawn.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                                           ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_int32),
                                           ctypes.POINTER(Status)]
    return lib


def c_argv(args):
    array = (ctypes.c_char_p * (len(args) + 1))()
    array[:-1] = [a.encode() for a in args]
    array[-1] = None
    return array


def test_spawn_restricts_only_the_child():
    lib = spawn_lib()
    if lib.netfence_landlock_abi() < 4:
        pytest.skip("TCP port rules need Landlock ABI 4 (Linux 6.7)")
    handle = ctypes.c_void_p()
    assert lib.netfence_ruleset_new(ctypes.byref(handle)) == 0
    try:
        assert lib.netfence_ruleset_handle_net(handle, 1) == 0  # BIND_TCP, no rule
        code = "import socket,sys\ntry:\n socket.socket().bind(('127.0.0.1',0))\nexcept PermissionError:\n sys.exit(42)"
        argv = c_argv([sys.executable, "-c", code])
        pid = ctypes.c_int32()
        status = Status(size=ctypes.sizeof(Status))
        rc = lib.netfence_ruleset_spawn(handle, sys.executable.encode(), argv, None, ctypes.byref(pid), ctypes.byref(status))
        assert rc == 0, lib.netfence_last_error()
        _, wait_status = os.waitpid(pid.value, 0)
        assert os.waitstatus_to_exitcode(wait_status) == 42
        assert status.enforced == 1 and status.all_threads == 1
        # This (multi-threaded, pytest) process is untouched.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
        missing = lib.netfence_ruleset_spawn(handle, b"/nonexistent/netfence", c_argv(["x"]), None,
                                             ctypes.byref(pid), None)
        assert missing == -errno.ENOENT
        assert b"/nonexistent/netfence" in lib.netfence_last_error()
    finally:
        lib.netfence_ruleset_free(handle)
