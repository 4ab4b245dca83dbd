# SPDX-License-Identifier: MIT
"""The exception hierarchy of netfence, mirroring the C ABI's closed errno list.

Every netfence C function returns 0 (or a non-negative value) on success and a
negative errno on failure; ``netfence_last_error()`` then describes the
failure. The private ``_ffi`` module turns such a return code into one of the
exceptions below with :func:`error_for`. See docs/error-handling.md.
"""
from __future__ import annotations

import errno as _errno
from typing import Any, Dict, Optional, Tuple, Type

# Only the pure value type: _status loads no C library and imports nothing
# from this package but .flags, so this import cannot form a cycle (_ffi,
# which loads the library, imports this module).
from ._status import Status

__all__ = [
    "NetFenceError",
    "InvalidArgumentError",
    "AlreadyEnforcedError",
    "OtherThreadsError",
    "UnsupportedError",
    "NotPermittedError",
    "OutOfMemoryError",
    "InternalError",
    "error_for",
]


class NetFenceError(OSError):
    """A netfence C function failed.

    The base class of every netfence exception, and the class used as such for
    the errno values without a dedicated subclass: ``E2BIG`` (16 stacked
    Landlock layers, or a seccomp filter over 4096 instructions), ``EMFILE`` /
    ``ENFILE``, ``open(2)``'s errno from ``netfence_ruleset_allow_path()``
    (``ENOENT``, ``EACCES``, ``ENOTDIR``...), the child's ``execve(2)`` errno
    and ``EAGAIN`` from ``netfence_ruleset_spawn()``.

    Attributes:
        errno: the positive errno (the C function returned it negated).
        strerror: the message of ``netfence_last_error()``, which names the
            failing C function and the cause (also available as ``message``).
        function: the name of the failing C function, e.g.
            ``"netfence_ruleset_allow_port"``.
        status: for ``Ruleset.restrict_self()`` and ``Ruleset.spawn()``, the
            :class:`~netfence.Status` the library filled in despite the
            failure (what had been applied; nothing is rolled back). ``None``
            for other functions.
    """

    function: Optional[str]
    status: Optional[Status]

    def __init__(self, code: int, message: str, function: Optional[str] = None) -> None:
        super().__init__(code, message)
        self.function = function
        self.status = None

    @property
    def message(self) -> str:
        """The library's message (the same as ``strerror``)."""
        return str(self.strerror)

    def __str__(self) -> str:
        name = _errno.errorcode.get(self.errno, f"errno {self.errno}") if self.errno is not None else "?"
        return f"{self.strerror} ({name})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Keep `function` when pickled; OSError's default drops it.
        return (type(self), (self.errno, self.strerror, self.function))


class InvalidArgumentError(NetFenceError, ValueError):
    """``EINVAL``: an invalid argument (unknown bit, out-of-range port, right
    not handled, unknown or duplicate capability, unknown socket family or
    type, empty ruleset, a closed :class:`~netfence.Ruleset`...).

    Also raised by the Python layer before a C call when a value cannot be
    passed without being truncated (a port of 70000, a negative mask).
    A :class:`ValueError`, so ``except ValueError`` catches it.
    """


class AlreadyEnforcedError(NetFenceError):
    """``EALREADY``: the ruleset was already enforced by
    ``netfence_ruleset_restrict_self()``; a successful ``restrict_self()``
    spends it, build a new :class:`~netfence.Ruleset` for another layer."""


class OtherThreadsError(NetFenceError):
    """``EBUSY``: the process has other threads and a layer being applied
    cannot cover them (capabilities; Landlock before ABI 8). Pass
    ``RestrictFlags.CALLING_THREAD_ONLY`` to restrict only the calling thread,
    or use :meth:`~netfence.Ruleset.spawn`. Also the seccomp step's refusal of a
    second notification listener (read the message)."""


class UnsupportedError(NetFenceError):
    """``ENOSYS`` (Landlock is not built into the running kernel) or
    ``EOPNOTSUPP`` (Landlock disabled at boot, or a requested feature missing
    under ``Compat.HARD_REQUIREMENT``)."""


class NotPermittedError(NetFenceError, PermissionError):
    """``EPERM``: the kernel refused (``landlock_restrict_self(2)`` without
    privilege, a refused capability change, or a capability drop that cannot be
    completed without ``CAP_SETPCAP`` under ``Compat.HARD_REQUIREMENT``).
    A :class:`PermissionError`."""


class OutOfMemoryError(NetFenceError, MemoryError):
    """``ENOMEM``: the kernel (or a C allocation) refused memory.
    A :class:`MemoryError`."""


class InternalError(NetFenceError):
    """``EFAULT``: an internal netfence error (a bug, or an errno the C
    function's documented list does not contain; the message keeps the
    original cause). Please report it with the message."""


_BY_ERRNO: Dict[int, Type[NetFenceError]] = {
    _errno.EINVAL: InvalidArgumentError,
    _errno.EALREADY: AlreadyEnforcedError,
    _errno.EBUSY: OtherThreadsError,
    _errno.ENOSYS: UnsupportedError,
    _errno.EOPNOTSUPP: UnsupportedError,
    _errno.EPERM: NotPermittedError,
    _errno.ENOMEM: OutOfMemoryError,
    _errno.EFAULT: InternalError,
}


def error_for(code: int, function: Optional[str], message: str) -> NetFenceError:
    """The exception for a netfence return code.

    Args:
        code: the errno, positive or negative (C functions return it negated).
        function: the failing C function's name.
        message: the text of ``netfence_last_error()``.

    Returns:
        An instance of the subclass documented for the errno, else of
        :class:`NetFenceError` itself. Its ``errno`` is positive.
    """
    code = abs(code)
    return _BY_ERRNO.get(code, NetFenceError)(code, message, function)


def invalid_argument(function: str, detail: str) -> InvalidArgumentError:
    """An :class:`InvalidArgumentError` raised by the Python layer itself,
    worded like the library's messages (``"function: detail"``)."""
    return InvalidArgumentError(_errno.EINVAL, f"{function}: {detail}", function)
