# SPDX-License-Identifier: MIT
"""The C side of :class:`~netfence.Status`: conversion to the ctypes
``netfence_status`` and rendering with ``netfence_status_format()``.

Kept out of :mod:`._status` because it loads the C library (through
:mod:`._ffi`): the value type must stay importable without it.
"""
from __future__ import annotations

import ctypes
import dataclasses
from typing import Any, Dict, Tuple, Union

from . import _convert, _ffi
from ._errors import invalid_argument
from ._status import Status
from .flags import Format

# The values each C field type can hold, so that a hand-made Status is
# rejected instead of silently truncated by ctypes.
_LIMITS: Dict[Any, Tuple[int, int]] = {
    ctypes.c_uint32: (0, _convert.UINT32_MAX),
    ctypes.c_int32: (_convert.INT32_MIN, _convert.INT32_MAX),
    ctypes.c_uint64: (0, _convert.UINT64_MAX),
}
_BOUNDS: Dict[str, Tuple[int, int]] = {name: _LIMITS[kind] for name, kind in _ffi.StatusStruct._fields_}


def to_struct(status: Status) -> _ffi.StatusStruct:
    """The C ``netfence_status`` with the values of ``status`` (``size`` set)."""
    struct = _ffi.StatusStruct()
    for field in dataclasses.fields(status):
        value = getattr(status, field.name)
        low, high = _BOUNDS[field.name]
        number = _convert.in_range(int(value) if isinstance(value, bool) else value,
                                   low, high, "netfence_status", field.name)
        setattr(struct, field.name, number)
    return struct


def format_status(status: Status, fmt: Union[str, int]) -> str:
    """``netfence_status_format()`` of ``status``: see :meth:`Status.format`."""
    function = "netfence_status_format"
    if isinstance(fmt, str):
        try:
            code = int(Format[fmt.upper()])
        except KeyError:
            raise invalid_argument(function, f"unknown format {fmt!r} (\"text\" or \"json\")") from None
    else:
        code = _convert.uint32(fmt, function, "format")
    struct = to_struct(status)
    out = ctypes.c_void_p()
    _ffi.lib.netfence_status_format(ctypes.byref(struct), code, ctypes.byref(out))
    try:
        return ctypes.string_at(out.value).decode("utf-8", "backslashreplace")
    finally:
        _ffi.lib.netfence_free(out)
