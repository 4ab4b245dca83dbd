# SPDX-License-Identifier: MIT
"""Access rights, scopes, flags and enumerations of the netfence C ABI.

Every value is the one of the matching ``NETFENCE_*`` macro in netfence.h
(the tests compare them with the header). The flag classes are
:class:`enum.IntFlag`, so members combine with ``|`` and can be passed
wherever the C function takes a mask.
"""
from __future__ import annotations

import enum

__all__ = [
    "ANY",
    "AccessNet",
    "AccessFS",
    "Scope",
    "Compat",
    "RestrictFlags",
    "CapsOptions",
    "Enforced",
    "ListenMode",
    "SeccompFeatures",
    "Format",
]

#: ``NETFENCE_ANY``: the wildcard for the type or protocol of
#: :meth:`netfence.Ruleset.allow_socket`.
ANY: int = -1


class AccessNet(enum.IntFlag):
    """Network rights (``NETFENCE_ACCESS_NET_*``), for
    ``netfence_ruleset_handle_net()`` and ``netfence_ruleset_allow_port*()``.

    - ``BIND_TCP``: bind(2) a TCP socket to a local port (Landlock ABI 4).
    - ``CONNECT_TCP``: connect(2) a TCP socket to a remote port (ABI 4).
    - ``BIND_UDP``: bind(2) a UDP socket to a local port (ABI 10).
    - ``CONNECT_SEND_UDP``: connect(2) a UDP socket, or send to an explicit
      destination, on a remote port (ABI 10).
    - ``LISTEN_TCP``: listen(2) on a TCP socket, by its bound port;
      netfence-defined (bit 63), enforced with seccomp.
    """

    BIND_TCP = 1 << 0
    CONNECT_TCP = 1 << 1
    BIND_UDP = 1 << 2
    CONNECT_SEND_UDP = 1 << 3
    LISTEN_TCP = 1 << 63


class AccessFS(enum.IntFlag):
    """Filesystem rights (``NETFENCE_ACCESS_FS_*``, the kernel's
    ``LANDLOCK_ACCESS_FS_*`` bits), for ``netfence_ruleset_handle_fs()`` and
    ``netfence_ruleset_allow_path()``. The comment of each member names the
    Landlock ABI that introduced it. ``FILE_RIGHTS`` is
    ``NETFENCE_ACCESS_FS_FILE_RIGHTS``: the rights kept for a non-directory.
    """

    EXECUTE = 1 << 0  # ABI 1
    WRITE_FILE = 1 << 1  # ABI 1
    READ_FILE = 1 << 2  # ABI 1
    READ_DIR = 1 << 3  # ABI 1
    REMOVE_DIR = 1 << 4  # ABI 1
    REMOVE_FILE = 1 << 5  # ABI 1
    MAKE_CHAR = 1 << 6  # ABI 1
    MAKE_DIR = 1 << 7  # ABI 1
    MAKE_REG = 1 << 8  # ABI 1
    MAKE_SOCK = 1 << 9  # ABI 1
    MAKE_FIFO = 1 << 10  # ABI 1
    MAKE_BLOCK = 1 << 11  # ABI 1
    MAKE_SYM = 1 << 12  # ABI 1
    REFER = 1 << 13  # ABI 2
    TRUNCATE = 1 << 14  # ABI 3
    IOCTL_DEV = 1 << 15  # ABI 5
    RESOLVE_UNIX = 1 << 16  # ABI 9
    FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV


class Scope(enum.IntFlag):
    """IPC scopes (``NETFENCE_SCOPE_*``, Landlock ABI 6), for
    ``netfence_ruleset_set_scope()``.

    - ``ABSTRACT_UNIX_SOCKET``: deny connecting to abstract UNIX sockets
      created outside the sandbox.
    - ``SIGNAL``: deny sending signals to processes outside the sandbox.
    """

    ABSTRACT_UNIX_SOCKET = 1 << 0
    SIGNAL = 1 << 1


class Compat(enum.IntEnum):
    """Compatibility levels (``NETFENCE_COMPAT_*``), for
    ``netfence_ruleset_set_compat()``.

    - ``BEST_EFFORT`` (default): drop what the kernel lacks, enforce the rest
      and report what was dropped in the status.
    - ``SOFT_REQUIREMENT``: if anything requested is missing, enforce nothing
      (``Enforced.NONE``); the call succeeds.
    - ``HARD_REQUIREMENT``: if anything requested is missing, fail before
      applying anything (:class:`~netfence.UnsupportedError`, or
      :class:`~netfence.NotPermittedError` for a capability change).
    """

    BEST_EFFORT = 0
    SOFT_REQUIREMENT = 1
    HARD_REQUIREMENT = 2


class RestrictFlags(enum.IntFlag):
    """Flags of ``netfence_ruleset_restrict_self()`` (``NETFENCE_RESTRICT_*``).

    - ``LOG_SAME_EXEC_OFF``: do not log denials of the calling program (ABI 7).
    - ``LOG_NEW_EXEC_ON``: also log denials after the next execve(2) (ABI 7).
    - ``LOG_SUBDOMAINS_OFF``: do not log denials of nested domains (ABI 7).
    - ``CALLING_THREAD_ONLY``: netfence-defined (bit 31): accept restricting
      only the calling thread when other threads exist and a layer cannot
      cover them; without it such a call raises
      :class:`~netfence.OtherThreadsError`.
    - ``ACCEPT_IO_URING_THREADS``: netfence-defined (bit 30): accept that
      io_uring kernel threads stay unrestricted (they are reported); without
      it their presence raises :class:`~netfence.OtherThreadsError`.
    """

    LOG_SAME_EXEC_OFF = 1 << 0
    LOG_NEW_EXEC_ON = 1 << 1
    LOG_SUBDOMAINS_OFF = 1 << 2
    CALLING_THREAD_ONLY = 1 << 31
    ACCEPT_IO_URING_THREADS = 1 << 30


class CapsOptions(enum.IntFlag):
    """Options of the capability drop (``NETFENCE_CAPS_*``), for
    ``netfence_ruleset_set_caps_options()``.

    - ``AMBIENT``: also raise the kept capabilities in the ambient set.
    - ``NO_SECUREBITS_LOCK``: do not set and lock securebits.
    """

    AMBIENT = 1 << 0
    NO_SECUREBITS_LOCK = 1 << 1


class Enforced(enum.IntEnum):
    """``netfence_status.enforced`` (``NETFENCE_ENFORCED_*``).

    - ``UNDECIDED`` (0, no C constant): the call failed before deciding.
    - ``FULL``: the whole request is in force.
    - ``PARTIAL``: part of it is; the status masks say which part.
    - ``NONE``: nothing requested is in force.
    """

    UNDECIDED = 0
    FULL = 1
    PARTIAL = 2
    NONE = 3


class ListenMode(enum.IntEnum):
    """``netfence_status.listen_mode`` (``NETFENCE_LISTEN_*``).

    - ``OFF``: listen() is not restricted.
    - ``DENY_ALL``: every listen() fails with EACCES.
    - ``PER_PORT``: a supervisor process checks the bound port.
    """

    OFF = 0
    DENY_ALL = 1
    PER_PORT = 2


class SeccompFeatures(enum.IntFlag):
    """``netfence_status.seccomp_features`` (``NETFENCE_SECCOMP_*``): what the
    seccomp filter does.

    - ``SOCKETS_HANDLED``: socket()/socketpair() only for allowed triples.
    - ``IO_URING_BLOCKED``: io_uring syscalls fail with ENOSYS.
    - ``FOREIGN_ARCH_BLOCKED``: a foreign syscall ABI kills the process.
    - ``TCP_BYPASS_BLOCKED``: MPTCP, SCTP and SMC sockets, raw IP and packet sockets are denied unless
      named by an allow_socket rule.
    - ``LISTEN_FAIL_CLOSED``: listen rules exist but the supervisor could not
      run: listen() is denied.
    - ``FAST_OPEN_BLOCKED``: TCP Fast Open (``MSG_FASTOPEN``) fails with
      EOPNOTSUPP, since it connects without connect(2), unseen by Landlock.
    """

    SOCKETS_HANDLED = 1 << 0
    IO_URING_BLOCKED = 1 << 1
    FOREIGN_ARCH_BLOCKED = 1 << 2
    TCP_BYPASS_BLOCKED = 1 << 3
    LISTEN_FAIL_CLOSED = 1 << 4
    FAST_OPEN_BLOCKED = 1 << 5


class Format(enum.IntEnum):
    """Formats of ``netfence_status_format()`` (``NETFENCE_FORMAT_*``):
    ``TEXT`` (human-readable lines) and ``JSON`` (schema
    "netfence-status/1", docs/status-schema.json)."""

    TEXT = 0
    JSON = 1
