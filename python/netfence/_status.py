# SPDX-License-Identifier: MIT
"""The enforcement status as a plain value: what
``netfence_ruleset_restrict_self()`` or ``netfence_ruleset_spawn()`` applied.

This module is pure Python: it imports only :mod:`.flags` and never loads the
C library. That is what keeps the package's import graph free of cycles:
:mod:`._errors` imports :class:`Status` from here (an exception carries the
status), and :mod:`._ffi`, which loads the library, imports :mod:`._errors`.
The few methods that need the library (:meth:`Status.to_struct`,
:meth:`Status.format`) import :mod:`._cstatus` when they are called, never
when this module is loaded.
"""
from __future__ import annotations

import ctypes
import dataclasses
import enum
from typing import Any, Callable, Dict, Type, TypeVar, Union

from .flags import (
    AccessFS,
    AccessNet,
    CapsOptions,
    Enforced,
    ListenMode,
    RestrictFlags,
    Scope,
    SeccompFeatures,
)

__all__ = ["Status"]

_E = TypeVar("_E", bound=enum.IntEnum)


def _enum(kind: Type[_E]) -> Callable[[int], Union[_E, int]]:
    # A newer library may report a value this package does not know yet:
    # keep it as a plain int rather than failing.
    def convert(value: int) -> Union[_E, int]:
        try:
            return kind(value)
        except ValueError:
            return value

    return convert


@dataclasses.dataclass(frozen=True)
class Status:
    """What a restriction applied (the C ``netfence_status``), in Python types.

    Returned by :meth:`Ruleset.restrict_self` and :meth:`Ruleset.spawn`, and
    attached as ``error.status`` to their exceptions (the C library fills the
    status on failure too: nothing applied is rolled back). Masks are
    :class:`enum.IntFlag` values, 0/1 fields are ``bool``; the field
    documentation is the one of ``netfence_status`` in netfence.h.

    ``str(status)`` is the text of ``netfence_status_format()``;
    :meth:`format` gives text or JSON, :meth:`to_dict` a plain dict.
    """

    #: NETFENCE_ENFORCED_FULL, _PARTIAL, _NONE, or 0 (undecided: the call
    #: failed before deciding).
    enforced: Union[Enforced, int] = Enforced.UNDECIDED
    #: The kernel's Landlock ABI (> 0), or -ENOSYS / -EOPNOTSUPP.
    landlock_abi: int = 0
    #: The Landlock domain was applied.
    landlock_applied: bool = False
    #: no_new_privs is set after the call.
    no_new_privs: bool = False
    #: Every thread of the process is covered by every layer applied.
    all_threads: bool = False
    #: Threads in the process when the call checked.
    thread_count: int = 0
    flags_requested: RestrictFlags = RestrictFlags(0)
    flags_enforced: RestrictFlags = RestrictFlags(0)
    #: The kernel's Landlock errata mask, or a negative errno.
    landlock_errata: int = 0
    net_requested: AccessNet = AccessNet(0)
    net_enforced: AccessNet = AccessNet(0)
    #: Rights whose rules cover all 65536 ports (in force without the kernel).
    net_all_ports: AccessNet = AccessNet(0)
    fs_requested: AccessFS = AccessFS(0)
    fs_enforced: AccessFS = AccessFS(0)
    scopes_requested: Scope = Scope(0)
    scopes_enforced: Scope = Scope(0)
    #: Kernel rules added: one per port, one per path.
    port_rules: int = 0
    path_rules: int = 0
    #: Capabilities were to be dropped / the drop completed.
    caps_requested: bool = False
    caps_applied: bool = False
    caps_options: CapsOptions = CapsOptions(0)
    #: The calling thread's securebits after the call.
    securebits: int = 0
    #: Capability bitmasks (bit n = capability n).
    caps_kept: int = 0
    caps_effective: int = 0
    caps_permitted: int = 0
    caps_inheritable: int = 0
    caps_bounding: int = 0
    caps_ambient: int = 0
    seccomp_installed: bool = False
    seccomp_features: SeccompFeatures = SeccompFeatures(0)
    sockets_requested: bool = False
    socket_rules: int = 0
    listen_mode: Union[ListenMode, int] = ListenMode.OFF
    seccomp_instructions: int = 0
    #: The listen() supervisor's pid in per-port mode, else 0.
    listen_supervisor_pid: int = 0
    #: True when the Landlock domain was added only to confine ptrace-style
    #: access (a ruleset whose only layer is seccomp).
    landlock_isolation: bool = False

    @classmethod
    def from_struct(cls, struct: Any) -> "Status":
        """Convert a filled C ``netfence_status`` (the ctypes structure the
        library wrote, or any object with its field names as attributes)."""
        values: Dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            values[field.name] = _FROM_C[field.name](getattr(struct, field.name))
        return cls(**values)

    def to_struct(self) -> ctypes.Structure:
        """The C ``netfence_status`` with these values, as a ctypes structure
        (``size`` set, as ``NETFENCE_STATUS_INIT`` does).

        Raises:
            InvalidArgumentError: a value does not fit its C field (never
                truncated).
        """
        from . import _cstatus  # needs the C types; see the module docstring

        return _cstatus.to_struct(self)

    def to_dict(self) -> Dict[str, Any]:
        """Every field by name; values are ``int`` (flag and enum members are
        ``int`` subclasses) or ``bool``, so the dict is ``json.dumps``-able."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    def format(self, fmt: Union[str, int] = "text") -> str:
        """Render the status with ``netfence_status_format()``.

        Args:
            fmt: ``"text"`` (human-readable lines) or ``"json"`` (schema
                "netfence-status/1"), or a :class:`Format` value.

        Raises:
            InvalidArgumentError: unknown format.
            TypeError: ``fmt`` is neither a str nor an int.
        """
        from . import _cstatus  # calls the C library; see the module docstring

        return _cstatus.format_status(self, fmt)

    def __str__(self) -> str:
        return self.format("text")


# How each C field becomes its Python value (the C struct has only integers).
_FROM_C: Dict[str, Callable[[int], Any]] = {
    "enforced": _enum(Enforced),
    "landlock_abi": int,
    "landlock_applied": bool,
    "no_new_privs": bool,
    "all_threads": bool,
    "thread_count": int,
    "flags_requested": RestrictFlags,
    "flags_enforced": RestrictFlags,
    "landlock_errata": int,
    "net_requested": AccessNet,
    "net_enforced": AccessNet,
    "net_all_ports": AccessNet,
    "fs_requested": AccessFS,
    "fs_enforced": AccessFS,
    "scopes_requested": Scope,
    "scopes_enforced": Scope,
    "port_rules": int,
    "path_rules": int,
    "caps_requested": bool,
    "caps_applied": bool,
    "caps_options": CapsOptions,
    "securebits": int,
    "caps_kept": int,
    "caps_effective": int,
    "caps_permitted": int,
    "caps_inheritable": int,
    "caps_bounding": int,
    "caps_ambient": int,
    "seccomp_installed": bool,
    "seccomp_features": SeccompFeatures,
    "sockets_requested": bool,
    "socket_rules": int,
    "listen_mode": _enum(ListenMode),
    "seccomp_instructions": int,
    "listen_supervisor_pid": int,
    "landlock_isolation": bool,
}
