# SPDX-License-Identifier: MIT
"""The netfence package against include/netfence.h: library loading, the one
signature table, the netfence_status layout, the constants, and the
module-level functions. Nothing here restricts anything."""
import ctypes
import errno
import os
import re

import pytest

import netfence
import netfence_header
from conftest import run_python
from netfence import _ffi
from netfence.flags import (ANY, AccessFS, AccessNet, CapsOptions, Compat, Enforced, Format, ListenMode,
                            RestrictFlags, Scope, SeccompFeatures)
from test_smoke import Status as AdHocStatus

PACKAGE_DIR = os.path.dirname(netfence.__file__)

# How each C type of the header must be declared (ownership included: a
# "char **" out-parameter is caller-owned, so c_void_p, never c_char_p).
C_TYPES = {
    "void": None,
    "int": ctypes.c_int,
    "uint32_t": ctypes.c_uint32,
    "int32_t": ctypes.c_int32,
    "uint64_t": ctypes.c_uint64,
    "size_t": ctypes.c_size_t,
    "const char *": ctypes.c_char_p,
    "void *": ctypes.c_void_p,
    "char **": ctypes.POINTER(ctypes.c_void_p),
    "char * const[]": ctypes.POINTER(ctypes.c_char_p),
    "int32_t *": ctypes.POINTER(ctypes.c_int32),
    "const uint32_t *": ctypes.POINTER(ctypes.c_uint32),
    "netfence_ruleset *": _ffi.ruleset_p,
    "netfence_ruleset **": ctypes.POINTER(_ffi.ruleset_p),
    "netfence_status *": ctypes.POINTER(_ffi.StatusStruct),
    "const netfence_status *": ctypes.POINTER(_ffi.StatusStruct),
}


def test_every_header_function_is_declared_once_with_its_c_types():
    header = netfence_header.functions()
    names = [row[0] for row in _ffi.SIGNATURES]
    assert len(names) == len(set(names)), "a function is declared twice"
    assert sorted(names) == sorted(header)
    for name, restype, argtypes, checked in _ffi.SIGNATURES:
        c_restype, c_params = header[name]
        assert restype is C_TYPES[c_restype], name
        assert argtypes == [C_TYPES[p] for p in c_params], name
        function = getattr(_ffi.lib, name)
        assert function.restype is restype and function.argtypes == argtypes
        # Every int-returning function goes through the one checker.
        assert checked == (c_restype == "int"), name
        assert (function.errcheck is _ffi._check) == checked, name


def test_one_table_one_checker_and_no_errno():
    sources = {}
    for filename in os.listdir(PACKAGE_DIR):
        if filename.endswith(".py"):
            with open(os.path.join(PACKAGE_DIR, filename)) as f:
                sources[filename] = f.read()
    for filename, source in sources.items():
        assert "get_errno" not in source.replace("``ctypes.get_errno()``", ""), filename
        assert "use_errno" not in source.replace("``use_errno``", ""), filename
        if filename != "_ffi.py":
            assert not re.search(r"\.(argtypes|restype|errcheck)\s*=", source), filename


def test_status_layout_matches_the_header():
    fields = netfence_header.status_fields()
    assert ctypes.sizeof(_ffi.StatusStruct) == netfence_header.status_size() == _ffi.STATUS_SIZE == 208
    kinds = {"uint32_t": ctypes.c_uint32, "int32_t": ctypes.c_int32, "uint64_t": ctypes.c_uint64}
    assert [(name, kinds[kind]) for name, kind in fields] == list(_ffi.StatusStruct._fields_)
    offset = 0
    for name, kind in fields:
        size = netfence_header.SIZES[kind]
        offset = (offset + size - 1) // size * size
        assert getattr(_ffi.StatusStruct, name).offset == offset, name
        assert getattr(AdHocStatus, name).offset == offset, name  # test_smoke's declaration agrees
        offset += size
    # The friendly wrapper has every field but size.
    assert [f for f, _ in fields if f != "size"] == list(netfence.Status.__dataclass_fields__)


def test_status_struct_sets_its_size():
    assert _ffi.StatusStruct().size == 208
    assert _ffi.StatusStruct(size=300).size == 300


PREFIXES = {
    "NETFENCE_ACCESS_NET_": AccessNet,
    "NETFENCE_ACCESS_FS_": AccessFS,
    "NETFENCE_SCOPE_": Scope,
    "NETFENCE_COMPAT_": Compat,
    "NETFENCE_RESTRICT_": RestrictFlags,
    "NETFENCE_ENFORCED_": Enforced,
    "NETFENCE_LISTEN_": ListenMode,
    "NETFENCE_SECCOMP_": SeccompFeatures,
    "NETFENCE_FORMAT_": Format,
    "NETFENCE_CAPS_": CapsOptions,
}


def test_constants_match_the_header():
    macros = netfence_header.macros()
    seen = set()
    for name, value in macros.items():
        if name.startswith("NETFENCE_VERSION_"):
            continue
        if name == "NETFENCE_ANY":
            assert ANY == value == -1
            continue
        prefix = next(p for p in PREFIXES if name.startswith(p))
        member = PREFIXES[prefix][name[len(prefix):]]
        assert int(member) == value, name
        seen.add((PREFIXES[prefix], member.name))
    for kind in PREFIXES.values():
        for member in kind.__members__.values():
            if (kind, member.name) not in seen:
                assert (kind, member.name) == (Enforced, "UNDECIDED"), f"{kind.__name__}.{member.name} not in the header"
    version = tuple(macros[f"NETFENCE_VERSION_{part}"] for part in ("MAJOR", "MINOR", "PATCH"))
    assert version == _ffi.HEADER_VERSION


def test_flag_values():
    assert AccessNet.LISTEN_TCP == 1 << 63
    assert RestrictFlags.CALLING_THREAD_ONLY == 1 << 31
    assert len([m for m in AccessFS.__members__.values() if bin(m).count("1") == 1]) == 17
    assert AccessFS.FILE_RIGHTS == (AccessFS.EXECUTE | AccessFS.WRITE_FILE | AccessFS.READ_FILE
                                    | AccessFS.TRUNCATE | AccessFS.IOCTL_DEV)
    combined = AccessNet.BIND_TCP | AccessNet.CONNECT_TCP
    assert isinstance(combined, AccessNet) and combined == 3


def test_module_functions():
    assert netfence.version() == "0.1.0" == netfence.__version__
    assert netfence.library_path() == os.environ.get("NETFENCE_LIBRARY", netfence.library_path())
    try:
        abi = netfence.landlock_abi()
    except netfence.UnsupportedError as error:
        assert error.errno in (errno.ENOSYS, errno.EOPNOTSUPP)
        assert error.function == "netfence_landlock_abi"
    else:
        assert abi > 0
        try:
            assert netfence.landlock_errata() >= 0
        except netfence.UnsupportedError as error:
            assert error.errno == errno.EOPNOTSUPP and abi < 7
    text = netfence.caps_text()
    assert text.startswith("effective: ") and "\nambient: " in text and "\nsecurebits: " in text
    assert netfence.strerror(-errno.EINVAL) == netfence.strerror(errno.EINVAL) == "invalid argument"
    assert netfence.strerror(-errno.EALREADY) == "the ruleset was already enforced"
    assert netfence.strerror(0) == "success"
    assert netfence.strerror(-errno.ENOENT) == os.strerror(errno.ENOENT)
    assert netfence.strerror(-(2**31)) == "unknown error"
    assert netfence.strerror(2**31 - 1) == "unknown error"


@pytest.mark.parametrize("bad", ["22", 22.0, None, True])
def test_strerror_bad_type(bad):
    with pytest.raises(TypeError):
        netfence.strerror(bad)


@pytest.mark.parametrize("bad", [2**31, -(2**31) - 1, 2**64])
def test_strerror_out_of_range_is_never_truncated(bad):
    with pytest.raises(netfence.InvalidArgumentError) as info:
        netfence.strerror(bad)
    assert isinstance(info.value, ValueError) and info.value.errno == errno.EINVAL


def test_library_candidates_order():
    def candidates(environ, found):
        return list(_ffi.library_candidates(environ, lambda name: found))

    assert candidates({"NETFENCE_LIBRARY": "/x/libnetfence.so.0"}, "other") == [
        ("NETFENCE_LIBRARY", "/x/libnetfence.so.0")]
    assert candidates({}, None) == [("soname", "libnetfence.so.0")]
    assert candidates({"NETFENCE_LIBRARY": ""}, "libnetfence.so.0") == [("soname", "libnetfence.so.0")]
    assert candidates({}, "/opt/lib/libnetfence.so") == [
        ("soname", "libnetfence.so.0"), ('ctypes.util.find_library("netfence")', "/opt/lib/libnetfence.so")]


def test_find_library_only_when_the_soname_fails():
    # ctypes.util.find_library spawns ldconfig: not when the soname loads.
    calls = []
    generator = _ffi.library_candidates({}, lambda name: calls.append(name) or "/opt/lib/libnetfence.so")
    assert next(generator) == ("soname", "libnetfence.so.0") and calls == []
    assert next(generator)[1] == "/opt/lib/libnetfence.so" and calls == ["netfence"]
    result = run_python("import sys, netfence; print('ctypes.util' in sys.modules)")
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr


def test_load_failure_names_every_attempt():
    with pytest.raises(ImportError) as info:
        _ffi.load_library([("first", "/nonexistent/a.so"), ("second", "/nonexistent/b.so")])
    message = str(info.value)
    assert "/nonexistent/a.so (first)" in message and "/nonexistent/b.so (second)" in message
    assert "NETFENCE_LIBRARY" in message


def test_import_fails_clearly_in_a_child():
    missing = run_python("import netfence", env={"NETFENCE_LIBRARY": "/nonexistent/libnetfence.so.0"})
    assert missing.returncode != 0
    assert "ImportError" in missing.stderr and "/nonexistent/libnetfence.so.0 (NETFENCE_LIBRARY)" in missing.stderr
    # A library that loads but is not netfence: the missing symbol is named.
    wrong = run_python("import netfence", env={"NETFENCE_LIBRARY": "libc.so.6"})
    assert wrong.returncode != 0
    assert "ImportError" in wrong.stderr and "has no symbol netfence_" in wrong.stderr


def test_every_public_name_is_documented():
    import inspect
    for name in netfence.__all__:
        obj = getattr(netfence, name)
        if name == "ANY":
            continue
        assert inspect.getdoc(obj), name
        if inspect.isclass(obj):
            for attribute, value in vars(obj).items():
                if attribute.startswith("_") or not (callable(value) or isinstance(value, (property, classmethod))):
                    continue
                assert inspect.getdoc(getattr(obj, attribute)), f"{name}.{attribute}"
    # Calls into the library name their C function.
    for name in ("version", "landlock_abi", "landlock_errata", "caps_text", "strerror"):
        assert "netfence_" + name in getattr(netfence, name).__doc__, name
    for attribute, value in vars(netfence.Ruleset).items():
        if callable(value) and not attribute.startswith("_"):
            assert "``netfence_ruleset_" in value.__doc__ or "``netfence_" in value.__doc__, attribute
    assert "netfence_status_format" in netfence.Status.format.__doc__
