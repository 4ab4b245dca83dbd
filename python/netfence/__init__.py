# SPDX-License-Identifier: MIT
"""netfence: give up the network (and filesystem) access a Linux process does
not need, with Landlock and seccomp.

A pure-ctypes binding of the netfence C library (``libnetfence.so.0``). The
library is looked up, in order, in the package itself (a wheel carries it),
at ``$NETFENCE_LIBRARY`` (only there, after the bundled one, when it is set),
by its soname, then with ``ctypes.util.find_library("netfence")``;
importing this package raises ImportError, naming every attempt, when none
loads.

Quick start::

    import netfence
    from netfence import AccessNet

    with netfence.Ruleset() as rs:
        rs.handle_net(AccessNet.BIND_TCP | AccessNet.CONNECT_TCP)
        rs.allow_port(AccessNet.CONNECT_TCP, 443)
        status = rs.restrict_self()      # irreversible
    print(status)

Every C return code becomes an exception (:class:`NetFenceError` and its
subclasses) carrying ``netfence_last_error()``'s message.
"""
from __future__ import annotations

import ctypes

# _cstatus is imported now although only Status.format() and to_struct()
# use it: they import it on call, and a process that has just restricted its
# filesystem access may no longer be able to read the module's file.
from . import _convert, _cstatus, _ffi  # noqa: F401
from ._errors import (
    AlreadyEnforcedError,
    InternalError,
    InvalidArgumentError,
    NetFenceError,
    NotPermittedError,
    OtherThreadsError,
    OutOfMemoryError,
    UnsupportedError,
)
from ._ruleset import Ruleset, Spawned
from ._status import Status
from .flags import (
    ANY,
    AccessFS,
    AccessNet,
    CapsOptions,
    Compat,
    Enforced,
    Format,
    ListenMode,
    RestrictFlags,
    Scope,
    SeccompFeatures,
)

from ._version import __version__

__all__ = [
    "ANY",
    "AccessFS",
    "AccessNet",
    "AlreadyEnforcedError",
    "CapsOptions",
    "Compat",
    "Enforced",
    "Format",
    "InternalError",
    "InvalidArgumentError",
    "ListenMode",
    "NetFenceError",
    "NotPermittedError",
    "OtherThreadsError",
    "OutOfMemoryError",
    "RestrictFlags",
    "Ruleset",
    "Scope",
    "SeccompFeatures",
    "Spawned",
    "Status",
    "UnsupportedError",
    "caps_text",
    "landlock_abi",
    "landlock_errata",
    "library_path",
    "strerror",
    "version",
]


def version() -> str:
    """The loaded library's version, ``"MAJOR.MINOR.PATCH"``
    (``netfence_version()``)."""
    return str(_ffi.lib.netfence_version().decode("ascii", "replace"))


def library_path() -> str:
    """The file of the C library this package loaded: the one bundled in the
    package (a wheel), else ``$NETFENCE_LIBRARY``, else the system's, found by
    its soname (the path the dynamic loader chose)."""
    return _ffi.loaded_path(_ffi.library_name)


def landlock_abi() -> int:
    """The Landlock ABI version of the running kernel, > 0
    (``netfence_landlock_abi()``; probed once, then cached).

    Raises:
        UnsupportedError: Landlock is not built into the kernel (``errno``
            ENOSYS) or disabled at boot (EOPNOTSUPP).
    """
    return int(_ffi.lib.netfence_landlock_abi())


def landlock_errata() -> int:
    """The kernel's Landlock errata bitmask, >= 0 (``netfence_landlock_errata()``):
    erratum N is fixed iff bit N-1 is set. Informational.

    Raises:
        UnsupportedError: the kernel cannot report errata (ABI < 7, Landlock
            disabled: EOPNOTSUPP) or Landlock is not built in (ENOSYS).
    """
    return int(_ffi.lib.netfence_landlock_errata())


def caps_text() -> str:
    """The calling thread's capability state as text, one ``name: value`` line
    per set (effective, permitted, inheritable, bounding, ambient) and
    securebits (``netfence_caps_text()``; freed with ``netfence_free()``).

    Raises:
        OutOfMemoryError.
    """
    out = ctypes.c_void_p()
    _ffi.lib.netfence_caps_text(ctypes.byref(out))
    try:
        return ctypes.string_at(out.value).decode("utf-8", "backslashreplace")
    finally:
        _ffi.lib.netfence_free(out)


def strerror(code: int) -> str:
    """A static, generic description of a netfence return code, negative or
    positive (``netfence_strerror()``); ``"unknown error"`` for unknown codes.
    Prefer an exception's message, which says what failed.

    Raises:
        TypeError: code is not an int.
        InvalidArgumentError: code does not fit in a C int.
    """
    value = _convert.int32(code, "netfence_strerror", "code")
    return str(_ffi.lib.netfence_strerror(value).decode("utf-8", "backslashreplace"))
