# SPDX-License-Identifier: MIT
"""ctypes coverage of the capability calls; enforcement in subprocesses."""
import ctypes
import os
import subprocess
import sys
import textwrap

import pytest

from test_smoke import load

EINVAL = 22


def lib_with_caps():
    lib = load()
    lib.netfence_ruleset_keep_caps.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.netfence_ruleset_keep_caps_array.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32), ctypes.c_size_t]
    lib.netfence_ruleset_set_caps_options.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    # Caller-owned strings: c_void_p, read with string_at, freed with netfence_free.
    lib.netfence_caps_text.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    lib.netfence_free.argtypes = [ctypes.c_void_p]
    lib.netfence_free.restype = None
    return lib


def test_caps_text_is_caller_owned():
    lib = lib_with_caps()
    out = ctypes.c_void_p()
    assert lib.netfence_caps_text(ctypes.byref(out)) == 0
    text = ctypes.string_at(out).decode()
    lib.netfence_free(out)
    assert text.startswith("effective: ")
    assert "\nambient: " in text
    assert lib.netfence_caps_text(None) == -EINVAL


def test_bad_capability_input():
    lib = lib_with_caps()
    handle = ctypes.c_void_p()
    assert lib.netfence_ruleset_new(ctypes.byref(handle)) == 0
    try:
        assert lib.netfence_ruleset_keep_caps(handle, b"cap_bogus") == -EINVAL
        assert b"cap_bogus" in lib.netfence_last_error()
        assert lib.netfence_ruleset_keep_caps(handle, b"net_raw,,chown") == -EINVAL
        Array = ctypes.c_uint32 * 2
        assert lib.netfence_ruleset_keep_caps_array(handle, Array(10, 10), 2) == -EINVAL
        assert lib.netfence_ruleset_keep_caps_array(handle, Array(10, 200), 2) == -EINVAL
        assert lib.netfence_ruleset_keep_caps_array(handle, None, 3) == -EINVAL
        assert lib.netfence_ruleset_keep_caps_array(handle, Array(10, 13), 2) == 0
        assert lib.netfence_ruleset_set_caps_options(handle, 1 << 9) == -EINVAL
        assert lib.netfence_ruleset_set_caps_options(handle, 1) == 0
    finally:
        lib.netfence_ruleset_free(handle)


CHILD = textwrap.dedent("""
    import ctypes, sys
    sys.path.insert(0, {tests!r})
    from test_caps import lib_with_caps
    from test_smoke import Status
    lib = lib_with_caps()
    handle = ctypes.c_void_p()
    assert lib.netfence_ruleset_new(ctypes.byref(handle)) == 0
    keep = (ctypes.c_uint32 * 1)(10)  # CAP_NET_BIND_SERVICE
    assert lib.netfence_ruleset_keep_caps_array(handle, keep, 1) == 0
    status = Status(size=ctypes.sizeof(Status))
    assert lib.netfence_ruleset_restrict_self(handle, 0, ctypes.byref(status)) == 0, lib.netfence_last_error()
    lib.netfence_ruleset_free(handle)
    print(hex(status.caps_effective), hex(status.caps_bounding))
    print(open("/proc/self/status").read().split("CapEff:")[1].split()[0])
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="keeping one capability of root's needs root")
def test_keep_one_capability_in_child():
    code = CHILD.format(tests=os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "0x400 0x400"
    assert int(lines[1], 16) == 0x400
