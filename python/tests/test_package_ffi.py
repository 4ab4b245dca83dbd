# SPDX-License-Identifier: MIT
"""The netfence package against include/netfence.h: library loading, the one
signature table, the netfence_status layout, the constants and errno values,
the C library's own argument checks, the module-level functions, and the
package's import graph. Nothing here restricts anything."""
import ast
import ctypes
import errno
import os
import re

import pytest

import netfence
import netfence_header
from conftest import run_python
from netfence import _errors, _ffi
from netfence.flags import (ANY, AccessFS, AccessNet, CapsOptions, Compat, Enforced, Format, ListenMode,
                            RestrictFlags, Scope, SeccompFeatures)

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


@pytest.fixture(scope="module")
def compiled():
    """What a C compiler makes of the header (offsets, sizes, values)."""
    result = netfence_header.compiled()
    if result is None:
        pytest.skip("no C compiler (cc, gcc, clang or $CC) to compile include/netfence.h")
    return result


# The ctypes type for each C field type of netfence_status.
CTYPES_OF = {"uint32_t": ctypes.c_uint32, "int32_t": ctypes.c_int32, "uint64_t": ctypes.c_uint64}


def test_status_fields_match_the_header():
    """Names and C types, in order, parsed from the header text."""
    fields = netfence_header.status_fields()
    assert [(name, CTYPES_OF[kind]) for name, kind in fields] == list(_ffi.StatusStruct._fields_)
    # The friendly value type has every field but size.
    assert [name for name, _ in fields if name != "size"] == list(netfence.Status.__dataclass_fields__)


def test_status_layout_matches_the_compiled_header(compiled):
    """Every field's offset, size and signedness, and the struct's size, as
    the C compiler lays out the header's netfence_status."""
    names = [name for name, _ in _ffi.StatusStruct._fields_]
    assert names == list(compiled.fields), "the ctypes fields are not the header's, in order"
    for name, kind in _ffi.StatusStruct._fields_:
        field = getattr(_ffi.StatusStruct, name)
        c_field = compiled.fields[name]
        assert (field.offset, field.size) == (c_field.offset, c_field.size), name
        # A signed C field must be read as signed (landlock_abi holds -ENOSYS).
        assert (kind(-1).value < 0) == c_field.signed, name
    assert ctypes.sizeof(_ffi.StatusStruct) == compiled.status_size == _ffi.STATUS_SIZE


def test_status_struct_is_private_and_sets_its_size():
    assert "StatusStruct" not in netfence.__all__ and not hasattr(netfence, "StatusStruct")
    # As NETFENCE_STATUS_INIT: size is the caller's sizeof, unless given.
    assert _ffi.StatusStruct().size == ctypes.sizeof(_ffi.StatusStruct)
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


def test_constants_match_the_header(compiled):
    """Every NETFENCE_* macro's value, as the compiler evaluates it, is the
    value of the matching Python member, and every member is in the header."""
    macros = compiled.macros
    assert sorted(macros) == sorted(netfence_header.macro_names())
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


def test_errno_values_match_the_header(compiled):
    """The package maps errno values with Python's errno module: each name of
    the header's closed errno list has the value <errno.h> gives C callers,
    and every errno with a dedicated exception class is in that list."""
    names = netfence_header.errno_names()
    assert {name: getattr(errno, name) for name in names} == compiled.errnos
    listed = set(compiled.errnos.values())
    for code, kind in _errors._BY_ERRNO.items():
        assert code in listed, f"{kind.__name__} maps {errno.errorcode[code]}, which netfence.h does not list"


def test_flag_values():
    assert AccessNet.LISTEN_TCP == 1 << 63
    assert RestrictFlags.CALLING_THREAD_ONLY == 1 << 31
    assert len([m for m in AccessFS.__members__.values() if bin(m).count("1") == 1]) == 17
    assert AccessFS.FILE_RIGHTS == (AccessFS.EXECUTE | AccessFS.WRITE_FILE | AccessFS.READ_FILE
                                    | AccessFS.TRUNCATE | AccessFS.IOCTL_DEV)
    combined = AccessNet.BIND_TCP | AccessNet.CONNECT_TCP
    assert isinstance(combined, AccessNet) and combined == 3


def test_module_functions():
    assert netfence.version() == "0.2.0" == netfence.__version__
    if os.environ.get("NETFENCE_LIBRARY"):
        assert netfence.library_path() == os.path.realpath(os.environ["NETFENCE_LIBRARY"])
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
    assert netfence.strerror(-errno.EINVAL) == netfence.strerror(errno.EINVAL)
    assert netfence.strerror(errno.EINVAL).startswith("invalid argument")
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


def test_library_candidates_order(tmp_path):
    def candidates(environ, found, bundled=None):
        return list(_ffi.library_candidates(environ, lambda name: found, bundled))

    # A wheel's own library first, then the explicit choice, then the system's.
    bundled = tmp_path / "libnetfence.so.0"
    bundled.write_bytes(b"")
    assert candidates({"NETFENCE_LIBRARY": "/x/libnetfence.so.0"}, "other", str(bundled)) == [
        ("bundled", str(bundled)), ("NETFENCE_LIBRARY", "/x/libnetfence.so.0")]
    assert candidates({}, None, str(bundled))[:2] == [("bundled", str(bundled)), ("soname", "libnetfence.so.0")]
    assert candidates({}, None, str(tmp_path / "absent")) == [("soname", "libnetfence.so.0")]

    assert candidates({"NETFENCE_LIBRARY": "/x/libnetfence.so.0"}, "other") == [
        ("NETFENCE_LIBRARY", "/x/libnetfence.so.0")]
    assert candidates({}, None) == [("soname", "libnetfence.so.0")]
    assert candidates({"NETFENCE_LIBRARY": ""}, "libnetfence.so.0") == [("soname", "libnetfence.so.0")]
    assert candidates({}, "/opt/lib/libnetfence.so") == [
        ("soname", "libnetfence.so.0"), ('ctypes.util.find_library("netfence")', "/opt/lib/libnetfence.so")]


def test_find_library_only_when_the_soname_fails():
    # ctypes.util.find_library spawns ldconfig: not when the soname loads.
    calls = []
    generator = _ffi.library_candidates({}, lambda name: calls.append(name) or "/opt/lib/libnetfence.so", None)
    assert next(generator) == ("soname", "libnetfence.so.0") and calls == []
    assert next(generator)[1] == "/opt/lib/libnetfence.so" and calls == ["netfence"]
    result = run_python("import sys, netfence; print('ctypes.util' in sys.modules)")
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr


def test_library_path_is_the_loaded_file(tmp_path):
    # From the source tree the tests load $NETFENCE_LIBRARY: that file.
    path = netfence.library_path()
    assert os.path.isabs(path) and os.path.basename(path).startswith("libnetfence.so"), path
    # Loaded by its soname: the file the dynamic loader mapped.
    fake = tmp_path / "maps"
    fake.write_text("7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libnetfence.so.0.2.0\n")
    assert _ffi.loaded_path("libnetfence.so.0", str(fake)) == "/usr/lib/x86_64-linux-gnu/libnetfence.so.0.2.0"
    assert _ffi.loaded_path("libnetfence.so.0", "/nonexistent/maps") == "libnetfence.so.0"


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


def test_the_c_library_checks_arguments_itself():
    """The Python layer rejects bad values before the C call; these calls go
    straight to the library (through the package's signature table and
    checker) to show that it rejects them on its own and never truncates."""
    lib = _ffi.lib
    handle = _ffi.ruleset_p()
    lib.netfence_ruleset_new(ctypes.byref(handle))
    try:
        lib.netfence_ruleset_handle_net(handle, AccessNet.BIND_TCP)
        # 70000 is rejected by the library, not truncated to 4464.
        with pytest.raises(netfence.InvalidArgumentError, match="70000") as info:
            lib.netfence_ruleset_allow_port(handle, AccessNet.BIND_TCP, 70000)
        assert info.value.errno == errno.EINVAL and info.value.function == "netfence_ruleset_allow_port"
        # NULL where the library needs a pointer.
        for call in (lambda: lib.netfence_ruleset_new(None),
                     lambda: lib.netfence_caps_text(None),
                     lambda: lib.netfence_ruleset_keep_caps_array(handle, None, 3)):  # NULL array, 3 items
            with pytest.raises(netfence.InvalidArgumentError) as info:
                call()
            assert info.value.errno == errno.EINVAL
        # The status pointer of spawn may be NULL: an exec failure still
        # comes back with its errno and the program named.
        argv = (ctypes.c_char_p * 2)(b"netfence-test", None)
        pid = ctypes.c_int32()
        with pytest.raises(netfence.NetFenceError) as info:
            lib.netfence_ruleset_spawn(handle, b"/nonexistent/netfence", argv, None, ctypes.byref(pid), None)
        assert info.value.errno == errno.ENOENT and "/nonexistent/netfence" in info.value.message
    finally:
        lib.netfence_ruleset_free(handle)


PACKAGE_MODULES = sorted(name[:-3] for name in os.listdir(PACKAGE_DIR) if name.endswith(".py"))


def package_imports(module):
    """The package modules that ``module`` imports (``from . import x``,
    ``from .x import y``): (at load, on call). "At load" counts every
    statement outside a function, ``if TYPE_CHECKING:`` blocks included, so
    that a cycle hidden from the interpreter still counts; "on call" is what
    function bodies import when they run."""
    with open(os.path.join(PACKAGE_DIR, module + ".py")) as f:
        tree = ast.parse(f.read())
    at_load, on_call = set(), set()

    def visit(node, found):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, on_call)
            elif isinstance(child, ast.ImportFrom) and child.level == 1:
                names = [child.module.split(".")[0]] if child.module else [alias.name for alias in child.names]
                found.update(name for name in names if name in PACKAGE_MODULES)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and (child.module or "").startswith("netfence."):
                found.add(child.module.split(".")[1])
            elif isinstance(child, ast.Import):
                found.update(a.name.split(".")[1] for a in child.names if a.name.startswith("netfence."))
            else:
                visit(child, found)

    visit(tree, at_load)
    return at_load, on_call


def test_the_import_graph_has_no_cycle():
    graph = {module: package_imports(module)[0] for module in PACKAGE_MODULES}

    def walk(module, path):
        assert module not in path, "import cycle: " + " -> ".join(path + [module])
        for imported in sorted(graph[module]):
            walk(imported, path + [module])

    for module in PACKAGE_MODULES:
        walk(module, [])
    # A module imported only on call must already be loaded by the package
    # (__init__): a process that restricted its filesystem access may not be
    # able to read the module's file any more.
    loaded = set()
    pending = ["__init__"]
    while pending:
        module = pending.pop()
        if module not in loaded:
            loaded.add(module)
            pending.extend(graph[module])
    for module in PACKAGE_MODULES:
        for imported in package_imports(module)[1]:
            assert imported in loaded, f"{module} imports {imported} on call, which import netfence does not load"


# The modules that must load without the C library (what _errors needs).
PURE_MODULES = ["_errors", "_status", "flags"]


def test_the_pure_modules_load_without_the_library():
    graph = {module: package_imports(module)[0] for module in PACKAGE_MODULES}
    for module in PURE_MODULES:
        assert graph[module] <= set(PURE_MODULES), f"{module} imports {sorted(graph[module] - set(PURE_MODULES))}"
    # For real, in a child where the library cannot load: the package object
    # is made without running its __init__ (which loads the library), then
    # the pure modules are imported and used.
    code = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    "netfence", {os.path.join(PACKAGE_DIR, "__init__.py")!r}, submodule_search_locations=[{PACKAGE_DIR!r}])
sys.modules["netfence"] = importlib.util.module_from_spec(spec)
import netfence._errors, netfence._status, netfence.flags
error = netfence._errors.error_for(-22, "netfence_x", "netfence_x: why")
error.status = netfence._status.Status(landlock_abi=7, net_enforced=netfence.flags.AccessNet.BIND_TCP)
assert isinstance(error, netfence._errors.InvalidArgumentError)
assert error.status.to_dict()["net_enforced"] == 1
print(sorted(name for name in sys.modules if name.startswith("netfence")))
try:
    import netfence._ffi
except ImportError as failure:
    print("no library:", failure)
"""
    result = run_python(code, env={"NETFENCE_LIBRARY": "/nonexistent/libnetfence.so.0"})
    assert result.returncode == 0, result.stderr
    loaded, library = result.stdout.splitlines()
    assert loaded == str(sorted(["netfence"] + ["netfence." + module for module in PURE_MODULES]))
    # The same child cannot load _ffi: the pure modules really ran without it.
    assert library.startswith("no library:") and "/nonexistent/libnetfence.so.0" in library


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
