# SPDX-License-Identifier: MIT
"""Private ctypes binding of libnetfence.so.0: loading, the one table of C
signatures, and the one return-code checker.

Ownership rules (docs/error-handling.md, netfence.h):

- Library-owned strings (``netfence_version``, ``netfence_last_error``,
  ``netfence_strerror``) are declared ``c_char_p``: ctypes copies them into
  ``bytes`` and nobody frees them.
- Caller-owned strings (the ``char **out`` of ``netfence_caps_text`` and
  ``netfence_status_format``) are declared ``c_void_p``, read with
  ``ctypes.string_at`` and released with ``netfence_free``.
- No function reports through ``errno``: ``use_errno`` is not needed and
  ``ctypes.get_errno()`` is never read.
"""
from __future__ import annotations

import ctypes
import os
from ctypes import (
    POINTER,
    c_char_p,
    c_int,
    c_int32,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Tuple

from ._errors import error_for

#: The environment variable that names the library file to load.
LIBRARY_ENV = "NETFENCE_LIBRARY"
#: The soname of the C ABI this package binds.
SONAME = "libnetfence.so.0"
#: NETFENCE_VERSION_MAJOR / _MINOR of the header this binding was written for.
HEADER_VERSION = (0, 2, 0)


class StatusStruct(ctypes.Structure):
    """The C ``netfence_status`` (netfence.h), field by field, 208 bytes.

    Private to the package (not exported by ``netfence``): users get the
    :class:`netfence.Status` value, made with ``Status.from_struct()``. The
    tests compare every field's name, offset and size with the header.

    Caller-allocated: ``size`` must hold ``ctypes.sizeof(StatusStruct)``
    (the constructor sets it, as ``NETFENCE_STATUS_INIT`` does in C) so that
    the library writes only that many bytes.
    """

    _fields_ = [
        ("size", c_uint32),
        ("enforced", c_uint32),
        ("landlock_abi", c_int32),
        ("landlock_applied", c_uint32),
        ("no_new_privs", c_uint32),
        ("all_threads", c_uint32),
        ("thread_count", c_uint32),
        ("flags_requested", c_uint32),
        ("flags_enforced", c_uint32),
        ("landlock_errata", c_int32),
        ("net_requested", c_uint64),
        ("net_enforced", c_uint64),
        ("net_all_ports", c_uint64),
        ("fs_requested", c_uint64),
        ("fs_enforced", c_uint64),
        ("scopes_requested", c_uint64),
        ("scopes_enforced", c_uint64),
        ("port_rules", c_uint64),
        ("path_rules", c_uint64),
        ("caps_requested", c_uint32),
        ("caps_applied", c_uint32),
        ("caps_options", c_uint32),
        ("securebits", c_uint32),
        ("caps_kept", c_uint64),
        ("caps_effective", c_uint64),
        ("caps_permitted", c_uint64),
        ("caps_inheritable", c_uint64),
        ("caps_bounding", c_uint64),
        ("caps_ambient", c_uint64),
        ("seccomp_installed", c_uint32),
        ("seccomp_features", c_uint32),
        ("sockets_requested", c_uint32),
        ("socket_rules", c_uint32),
        ("listen_mode", c_uint32),
        ("seccomp_instructions", c_uint32),
        ("listen_supervisor_pid", c_int32),
        ("landlock_isolation", c_uint32),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("size", ctypes.sizeof(type(self)))
        super().__init__(*args, **kwargs)


#: sizeof(netfence_status) in the current header (the header is not
#: installed with the package, so the value is written here; the tests
#: compare it with what a C compiler says the header's struct measures).
STATUS_SIZE = 208


class _RulesetOpaque(ctypes.Structure):
    """The opaque ``struct netfence_ruleset``; only pointers to it exist."""


#: ``netfence_ruleset *``: a distinct pointer type, so that no other pointer
#: can be passed where a ruleset handle is expected.
ruleset_p = POINTER(_RulesetOpaque)


#: The library a wheel carries, beside this file (``make wheel``).
BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), SONAME)


def library_candidates(
    environ: Mapping[str, str] = os.environ,
    find_library: Optional[Callable[[str], Optional[str]]] = None,
    bundled: Optional[str] = BUNDLED,
) -> Iterator[Tuple[str, str]]:
    """The (origin, name) pairs to try loading, in order, produced lazily.

    The library bundled in the package (a wheel's), when the file is there;
    then ``NETFENCE_LIBRARY`` when set (and then only it: an explicit choice
    must not silently fall back to another library), else the soname
    ``libnetfence.so.0`` (the dynamic loader's search path), then what
    ``ctypes.util.find_library("netfence")`` finds. find_library runs
    ``ldconfig -p`` in a subprocess, several milliseconds: it is imported and
    called only when the soname did not load.
    """
    if bundled and os.path.isfile(bundled):
        yield ("bundled", bundled)
    explicit = environ.get(LIBRARY_ENV)
    if explicit:
        yield (LIBRARY_ENV, explicit)
        return
    yield ("soname", SONAME)
    if find_library is None:
        import ctypes.util

        find_library = ctypes.util.find_library
    found = find_library("netfence")
    if found and found != SONAME:
        yield ('ctypes.util.find_library("netfence")', found)


def loaded_path(name: str, maps: str = "/proc/self/maps") -> str:
    """The file the library loaded by ``name`` is: ``name`` itself when it is a
    path, else the mapped file of that name in ``maps`` (a soname resolved by
    the dynamic loader), else ``name``."""
    if os.sep in name:
        return os.path.realpath(name)
    try:
        with open(maps) as lines:
            for line in lines:
                path = line.split(None, 5)[-1].strip()
                if os.path.basename(path).startswith(name.split(".so")[0] + ".so"):
                    return path
    except OSError:
        pass
    return name


def load_library(candidates: Iterable[Tuple[str, str]]) -> Tuple[ctypes.CDLL, str]:
    """Load the first candidate that loads; ImportError naming every attempt
    otherwise. Returns the library and the name it was loaded by."""
    failures = []
    for origin, name in candidates:
        try:
            return ctypes.CDLL(name), name
        except OSError as error:
            failures.append(f"{name} ({origin}): {error}")
    raise ImportError(
        "netfence: cannot load the netfence C library; tried "
        + "; ".join(failures)
        + f". Install libnetfence.so.0 or set {LIBRARY_ENV} to its path."
    )


def _check(result: int, function: Any, arguments: Tuple[Any, ...]) -> int:
    """The one errcheck of every fallible function.

    A negative result is ``-errno``: read ``netfence_last_error()`` now, on
    this thread, before any other netfence call can replace the thread-local
    message, and raise the matching exception. Non-negative results (0, or
    the value of ``netfence_landlock_abi`` / ``_errata``) pass through.
    """
    if result < 0:
        raw = lib.netfence_last_error()
        message = raw.decode("utf-8", "backslashreplace") if raw else ""
        if not message:
            text = lib.netfence_strerror(result)
            message = f"{function.__name__}: {text.decode('utf-8', 'backslashreplace') if text else 'unknown error'}"
        raise error_for(-result, function.__name__, message)
    return result


_char_pp = POINTER(c_char_p)
_status_p = POINTER(StatusStruct)

#: The C ABI: (name, restype, argtypes, checked). ``checked`` functions return
#: 0 / a value, or a negative errno that _check turns into an exception.
SIGNATURES: Tuple[Tuple[str, Any, List[Any], bool], ...] = (
    ("netfence_version", c_char_p, [], False),
    ("netfence_status_format", c_int, [_status_p, c_uint32, POINTER(c_void_p)], True),
    ("netfence_ruleset_new", c_int, [POINTER(ruleset_p)], True),
    ("netfence_ruleset_free", None, [ruleset_p], False),
    ("netfence_ruleset_set_compat", c_int, [ruleset_p, c_uint32], True),
    ("netfence_ruleset_handle_net", c_int, [ruleset_p, c_uint64], True),
    ("netfence_ruleset_allow_port", c_int, [ruleset_p, c_uint64, c_uint64], True),
    ("netfence_ruleset_allow_port_range", c_int, [ruleset_p, c_uint64, c_uint64, c_uint64], True),
    ("netfence_ruleset_handle_fs", c_int, [ruleset_p, c_uint64], True),
    ("netfence_ruleset_allow_path", c_int, [ruleset_p, c_uint64, c_char_p], True),
    ("netfence_ruleset_add_policy", c_int, [ruleset_p, c_char_p, c_size_t], True),
    ("netfence_ruleset_set_scope", c_int, [ruleset_p, c_uint64], True),
    ("netfence_ruleset_handle_sockets", c_int, [ruleset_p], True),
    ("netfence_ruleset_allow_socket", c_int, [ruleset_p, c_int32, c_int32, c_int32], True),
    ("netfence_ruleset_keep_caps", c_int, [ruleset_p, c_char_p], True),
    ("netfence_ruleset_keep_caps_array", c_int, [ruleset_p, POINTER(c_uint32), c_size_t], True),
    ("netfence_ruleset_set_caps_options", c_int, [ruleset_p, c_uint32], True),
    ("netfence_ruleset_restrict_self", c_int, [ruleset_p, c_uint32, _status_p], True),
    (
        "netfence_ruleset_spawn",
        c_int,
        [ruleset_p, c_char_p, _char_pp, _char_pp, POINTER(c_int32), _status_p],
        True,
    ),
    ("netfence_landlock_abi", c_int, [], True),
    ("netfence_landlock_errata", c_int, [], True),
    ("netfence_caps_text", c_int, [POINTER(c_void_p)], True),
    ("netfence_free", None, [c_void_p], False),
    ("netfence_last_error", c_char_p, [], False),
    ("netfence_strerror", c_char_p, [c_int], False),
)


def _declare(library: ctypes.CDLL, path: str) -> None:
    for name, restype, argtypes, checked in SIGNATURES:
        try:
            function = getattr(library, name)
        except AttributeError:
            raise ImportError(
                f"netfence: {path} has no symbol {name}: it is not the netfence C library "
                f"this package was written for (netfence.h {'.'.join(map(str, HEADER_VERSION))})"
            ) from None
        function.restype = restype
        function.argtypes = argtypes
        if checked:
            function.errcheck = _check


def _check_version(library: ctypes.CDLL, path: str) -> str:
    version = library.netfence_version().decode("ascii", "replace")
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        raise ImportError(f"netfence: {path} reports an unreadable version {version!r}") from None
    if major != HEADER_VERSION[0] or minor < HEADER_VERSION[1]:
        raise ImportError(
            f"netfence: {path} is version {version}; this package needs "
            f"{HEADER_VERSION[0]}.{HEADER_VERSION[1]} or a later {HEADER_VERSION[0]}.x"
        )
    return version


if ctypes.sizeof(StatusStruct) != STATUS_SIZE:  # pragma: no cover - a broken platform
    raise ImportError(f"netfence: sizeof(netfence_status) is {ctypes.sizeof(StatusStruct)}, expected {STATUS_SIZE}")

lib, library_name = load_library(library_candidates())
_declare(lib, library_name)
library_version = _check_version(lib, library_name)
