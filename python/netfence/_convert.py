# SPDX-License-Identifier: MIT
"""Private checks that run before a C call.

ctypes silently truncates integers (70000 passed as ``c_uint16`` is 4464, -1
as ``c_uint64`` is 2**64-1), so every integer is range-checked against its C
type here first; a wrong type raises TypeError, a value that does not fit
raises InvalidArgumentError (a ValueError), worded like the library's own
messages. Strings are encoded with the filesystem encoding and rejected if
they contain a NUL byte, which C would silently treat as the end.
"""
from __future__ import annotations

import os
from typing import Any, Union

from ._errors import invalid_argument

UINT32_MAX = (1 << 32) - 1
UINT64_MAX = (1 << 64) - 1
INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
PORT_MAX = 65535


def integer(value: Any, function: str, what: str) -> int:
    """``value`` as an ``int``; TypeError for anything else, including bool
    (``True`` as a mask or port is always a mistake) and float."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{function}: {what} must be an int, not {type(value).__name__}")
    return int(value)


def in_range(value: Any, low: int, high: int, function: str, what: str) -> int:
    """``integer(value)`` checked to lie in ``low..high``."""
    number = integer(value, function, what)
    if not low <= number <= high:
        raise invalid_argument(function, f"{what} {number} is out of range ({low}-{high})")
    return number


def uint32(value: Any, function: str, what: str) -> int:
    """A value for a ``uint32_t`` parameter."""
    return in_range(value, 0, UINT32_MAX, function, what)


def uint64(value: Any, function: str, what: str) -> int:
    """A value for a ``uint64_t`` parameter."""
    return in_range(value, 0, UINT64_MAX, function, what)


def int32(value: Any, function: str, what: str) -> int:
    """A value for an ``int32_t`` (or ``int``) parameter."""
    return in_range(value, INT32_MIN, INT32_MAX, function, what)


def port(value: Any, function: str, what: str = "port") -> int:
    """A port number, 0..65535 (host byte order)."""
    return in_range(value, 0, PORT_MAX, function, what)


StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def c_string(value: Any, function: str, what: str, *, path: bool = False) -> bytes:
    """``value`` encoded for a ``const char *`` parameter.

    Accepts ``str`` and ``bytes``, and ``os.PathLike`` when ``path`` is true;
    ``None`` and other types raise TypeError (the C ABI's NULL is never passed
    from Python). Encoded with ``os.fsencode`` (surrogateescape), so a ``str``
    obtained from ``os.listdir`` round-trips.
    """
    if value is None:
        raise TypeError(f"{function}: {what} must be a str, not None")
    if path and isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        data = os.fsencode(value)
    elif isinstance(value, bytes):
        data = value
    else:
        kinds = "a str, bytes or os.PathLike" if path else "a str or bytes"
        raise TypeError(f"{function}: {what} must be {kinds}, not {type(value).__name__}")
    if b"\0" in data:
        raise invalid_argument(function, f"{what} contains a NUL byte")
    return data
