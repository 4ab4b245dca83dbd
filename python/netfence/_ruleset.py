# SPDX-License-Identifier: MIT
"""The Ruleset class: a Python owner of a ``netfence_ruleset *`` handle."""
from __future__ import annotations

import collections.abc
import ctypes
import threading
from typing import Any, Iterable, List, Mapping, NamedTuple, Optional, Sequence, TypeVar, Union

from . import _convert, _ffi
from ._errors import NetFenceError, invalid_argument
from ._status import Status
from .flags import ANY

__all__ = ["Ruleset", "Spawned"]

_R = TypeVar("_R", bound="Ruleset")

#: What :meth:`Ruleset.keep_caps` accepts.
CapabilityList = Union[str, Iterable[str], Iterable[int]]


class Spawned(NamedTuple):
    """The result of :meth:`Ruleset.spawn`: the child's ``pid`` (wait for it
    with :func:`os.waitpid`) and the :class:`Status` describing the child."""

    pid: int
    status: Status


class Ruleset:
    """A netfence ruleset (``netfence_ruleset_new()``): build it with the
    chainable methods, then enforce it with :meth:`restrict_self` (on this
    process, irreversibly) or :meth:`spawn` (on a new child process).

    The C handle is released by :meth:`close` (``netfence_ruleset_free()``),
    by leaving a ``with`` block, or when the object is garbage-collected.
    After :meth:`close` every method raises :class:`InvalidArgumentError`.
    A lock serialises the calls on one object (the C handle is not
    thread-safe), so closing it from another thread cannot free it mid-call.

    Example::

        with netfence.Ruleset() as rs:
            rs.handle_net(AccessNet.BIND_TCP | AccessNet.CONNECT_TCP)
            rs.allow_port(AccessNet.CONNECT_TCP, 443)
            status = rs.restrict_self()

    Raises:
        NetFenceError: the subclasses documented for each C function.
    """

    def __init__(self) -> None:
        """Create an empty ruleset (``netfence_ruleset_new()``): handles
        nothing, compatibility level ``Compat.BEST_EFFORT``."""
        self._handle: Optional[Any] = None
        self._lock = threading.Lock()
        handle = _ffi.ruleset_p()
        _ffi.lib.netfence_ruleset_new(ctypes.byref(handle))
        self._handle = handle

    # -- lifetime --------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` released the C handle."""
        return self._handle is None

    # Held by the class, so that __del__ can still free a handle while the
    # interpreter shuts down and module globals are being cleared.
    _free = staticmethod(_ffi.lib.netfence_ruleset_free)

    def close(self) -> None:
        """Release the ruleset and the file descriptors it holds
        (``netfence_ruleset_free()``). Idempotent. Does not undo an
        enforcement: restrictions are irreversible."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not get that far
            return
        with lock:
            handle, self._handle = self._handle, None
            if handle:
                self._free(handle)

    def __enter__(self: _R) -> _R:
        """Return the ruleset itself; leaving the block calls :meth:`close`."""
        self._require("Ruleset.__enter__")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        """Call :meth:`close`."""
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - never raise from a finalizer
            pass

    def __reduce__(self) -> Any:
        # A copy would share the C handle and free it twice.
        raise TypeError("a netfence Ruleset owns a C handle: it cannot be copied or pickled")

    def __repr__(self) -> str:
        return f"<netfence.Ruleset {'closed' if self.closed else 'open'}>"

    def _require(self, function: str) -> Any:
        # Called with self._lock held (except from __enter__, read-only).
        handle = self._handle
        if handle is None:
            raise invalid_argument(function, "the ruleset is closed")
        return handle

    # -- builder ---------------------------------------------------------

    def set_compat(self: _R, level: int) -> _R:
        """Choose what happens when the kernel lacks something requested
        (``netfence_ruleset_set_compat()``): a :class:`Compat` level.

        Raises:
            InvalidArgumentError: unknown level. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_set_compat"
        value = _convert.uint32(level, function, "level")
        with self._lock:
            _ffi.lib.netfence_ruleset_set_compat(self._require(function), value)
        return self

    def handle_net(self: _R, access: int) -> _R:
        """Handle network rights (``netfence_ruleset_handle_net()``): once
        enforced, each handled :class:`AccessNet` right is denied (EACCES)
        except where a port rule allows it. Calls accumulate.

        Raises:
            InvalidArgumentError: zero or unknown bits. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_handle_net"
        value = _convert.uint64(access, function, "access")
        with self._lock:
            _ffi.lib.netfence_ruleset_handle_net(self._require(function), value)
        return self

    def allow_port(self: _R, access: int, port: int) -> _R:
        """Allow handled :class:`AccessNet` rights on one port, 0..65535
        (``netfence_ruleset_allow_port()``). Port 0 keeps the kernel meaning:
        for BIND rights it allows binding to an ephemeral port.

        Raises:
            InvalidArgumentError: port out of range (checked here, before the
                C call); zero, unknown or unhandled bits. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_allow_port"
        mask = _convert.uint64(access, function, "access")
        number = _convert.port(port, function)
        with self._lock:
            _ffi.lib.netfence_ruleset_allow_port(self._require(function), mask, number)
        return self

    def allow_port_range(self: _R, access: int, first: int, last: int) -> _R:
        """Allow handled :class:`AccessNet` rights on the inclusive port range
        ``first..last`` (``netfence_ruleset_allow_port_range()``). If a
        right's rules cover all 65536 ports, it is not handled in the kernel
        (``Status.net_all_ports``). Also available as :meth:`allow_ports`.

        Raises:
            InvalidArgumentError: a port out of 0..65535 or first > last
                (checked here); zero, unknown or unhandled bits.
                AlreadyEnforcedError.
        """
        function = "netfence_ruleset_allow_port_range"
        mask = _convert.uint64(access, function, "access")
        low = _convert.port(first, function, "first port")
        high = _convert.port(last, function, "last port")
        if low > high:
            raise invalid_argument(function, f"first port {low} is greater than last port {high}")
        with self._lock:
            _ffi.lib.netfence_ruleset_allow_port_range(self._require(function), mask, low, high)
        return self

    allow_ports = allow_port_range

    def handle_fs(self: _R, access: int) -> _R:
        """Handle :class:`AccessFS` rights (``netfence_ruleset_handle_fs()``):
        once enforced, each is denied except beneath allowed paths.
        Calls accumulate.

        Raises:
            InvalidArgumentError: zero or unknown bits. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_handle_fs"
        value = _convert.uint64(access, function, "access")
        with self._lock:
            _ffi.lib.netfence_ruleset_handle_fs(self._require(function), value)
        return self

    def allow_path(self: _R, access: int, path: _convert.StrPath) -> _R:
        """Allow handled :class:`AccessFS` rights beneath ``path``
        (``netfence_ruleset_allow_path()``): a directory allows everything
        below it, a file the file itself (only ``AccessFS.FILE_RIGHTS`` are
        kept). The path is opened now and held until :meth:`close`.

        Raises:
            TypeError: path is not a str, bytes or os.PathLike.
            InvalidArgumentError: zero, unknown or unhandled bits; no file
                right left for a non-directory; a NUL byte in the path.
            NetFenceError: ``open(2)``'s errno (``ENOENT``, ``EACCES``,
                ``ENOTDIR``, ``ELOOP``...). AlreadyEnforcedError.
        """
        function = "netfence_ruleset_allow_path"
        mask = _convert.uint64(access, function, "access")
        data = _convert.c_string(path, function, "path", path=True)
        with self._lock:
            _ffi.lib.netfence_ruleset_allow_path(self._require(function), mask, data)
        return self

    def add_policy(self: _R, text: Union[str, bytes]) -> _R:
        """Add the rules of a policy (``netfence_ruleset_add_policy()``): the
        format of ``netfence run --policy``, one option of ``netfence run``
        per line without the dashes (``connect-tcp = 443, 5432-5439``), ``#``
        comments; read by the tool's own parser. Added whole or not at all.

        Raises:
            TypeError: text is not a str or bytes.
            InvalidArgumentError: not UTF-8, an unknown or refused key, a bad
                value; the message names the line and column.
            NetFenceError: ``open(2)``'s errno for a path. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_add_policy"
        if isinstance(text, str):
            data = text.encode("utf-8", "surrogateescape")
        elif isinstance(text, bytes):
            data = text
        else:
            raise TypeError(f"{function}: text must be str or bytes, not {type(text).__name__}")
        with self._lock:
            _ffi.lib.netfence_ruleset_add_policy(self._require(function), data, len(data))
        return self

    @classmethod
    def from_policy_file(cls, path: _convert.StrPath) -> "Ruleset":
        """A new ruleset with the rules of the policy file at ``path``
        (:meth:`add_policy`); the file is read as bytes.

        Raises:
            OSError: the file cannot be read. The errors of :meth:`add_policy`.
        """
        with open(path, "rb") as policy:
            text = policy.read()
        ruleset = cls()
        try:
            ruleset.add_policy(text)
        except BaseException:
            ruleset.close()
            raise
        return ruleset

    def set_scope(self: _R, scopes: int) -> _R:
        """Set the IPC :class:`Scope` bits, replacing earlier ones; 0 clears
        (``netfence_ruleset_set_scope()``).

        Raises:
            InvalidArgumentError: unknown bits. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_set_scope"
        value = _convert.uint64(scopes, function, "scopes")
        with self._lock:
            _ffi.lib.netfence_ruleset_set_scope(self._require(function), value)
        return self

    def handle_sockets(self: _R) -> _R:
        """Make socket creation deny-by-default
        (``netfence_ruleset_handle_sockets()``): once enforced, socket(2) and
        socketpair(2) fail with EACCES except for the triples allowed with
        :meth:`allow_socket`. Enforced with a seccomp filter.

        Raises:
            AlreadyEnforcedError.
        """
        function = "netfence_ruleset_handle_sockets"
        with self._lock:
            _ffi.lib.netfence_ruleset_handle_sockets(self._require(function))
        return self

    def allow_socket(self: _R, family: int, type: int = ANY, protocol: int = ANY) -> _R:
        """Allow one (family, type, protocol) (``netfence_ruleset_allow_socket()``).

        Takes :mod:`socket` constants (``socket.AF_INET``,
        ``socket.SOCK_DGRAM``...); ``type`` is compared without
        ``SOCK_NONBLOCK``/``SOCK_CLOEXEC``; :data:`ANY` (-1) for type or
        protocol means any. The family is always explicit.

        Raises:
            InvalidArgumentError: unknown family or type, protocol outside
                0..65535 and not ANY, a value outside int32 (checked here).
                AlreadyEnforcedError.
        """
        function = "netfence_ruleset_allow_socket"
        values = (
            _convert.int32(family, function, "family"),
            _convert.int32(type, function, "type"),
            _convert.int32(protocol, function, "protocol"),
        )
        with self._lock:
            _ffi.lib.netfence_ruleset_allow_socket(self._require(function), *values)
        return self

    def keep_caps(self: _R, names: CapabilityList) -> _R:
        """Drop every capability but these when enforcing; calling it again
        replaces the list; an empty list (or ``""``) keeps none.

        Args:
            names: a comma-separated string in libcap's spelling
                (``"cap_net_bind_service,net_raw"``, passed to
                ``netfence_ruleset_keep_caps()``), an iterable of such names
                (one per item), or an iterable of capability numbers
                (``netfence_ruleset_keep_caps_array()``; CAP_NET_BIND_SERVICE
                is 10).

        Raises:
            TypeError: not a str or an iterable of only str or only int.
            InvalidArgumentError: unknown name (named in the message), empty
                item, duplicate, capability unknown to the running kernel.
                AlreadyEnforcedError.
        """
        if isinstance(names, (str, bytes)):
            function = "netfence_ruleset_keep_caps"
            text = _convert.c_string(names, function, "caps")
            with self._lock:
                _ffi.lib.netfence_ruleset_keep_caps(self._require(function), text)
            return self
        if names is None or not isinstance(names, collections.abc.Iterable):
            raise TypeError(
                "netfence_ruleset_keep_caps: names must be a str or an iterable of str or int, "
                f"not {type(names).__name__}"
            )
        items: List[Any] = list(names)
        if items and all(isinstance(item, str) for item in items):
            function = "netfence_ruleset_keep_caps"
            for item in items:
                if "," in item:
                    raise invalid_argument(function, f"capability name {item!r} contains a comma")
            text = _convert.c_string(",".join(items), function, "caps")
            with self._lock:
                _ffi.lib.netfence_ruleset_keep_caps(self._require(function), text)
            return self
        function = "netfence_ruleset_keep_caps_array"
        numbers = [_convert.uint32(item, function, "capability") for item in items]
        array = (ctypes.c_uint32 * len(numbers))(*numbers) if numbers else None
        with self._lock:
            _ffi.lib.netfence_ruleset_keep_caps_array(self._require(function), array, len(numbers))
        return self

    def set_caps_options(self: _R, options: int) -> _R:
        """Set the :class:`CapsOptions` of the capability drop, replacing
        earlier ones (``netfence_ruleset_set_caps_options()``).

        Raises:
            InvalidArgumentError: unknown bits. AlreadyEnforcedError.
        """
        function = "netfence_ruleset_set_caps_options"
        value = _convert.uint32(options, function, "options")
        with self._lock:
            _ffi.lib.netfence_ruleset_set_caps_options(self._require(function), value)
        return self

    # -- enforcement -----------------------------------------------------

    def restrict_self(self, flags: int = 0) -> Status:
        """Enforce the ruleset on the calling process, irreversibly
        (``netfence_ruleset_restrict_self()``): drop capabilities (if asked),
        set no_new_privs, restrict with Landlock, load the seccomp filter.
        Inherited by children and across execve(2). On success the ruleset
        is spent (later calls raise :class:`AlreadyEnforcedError`).

        Threads: in a process with other threads (any started
        ``threading.Thread``), a layer that cannot cover them (capabilities;
        Landlock before ABI 8) makes the call fail with
        :class:`OtherThreadsError` unless ``flags`` has
        ``RestrictFlags.CALLING_THREAD_ONLY``. :meth:`spawn` has no such
        limit.

        Args:
            flags: :class:`RestrictFlags` bits.

        Returns:
            The :class:`Status`: best effort and soft requirements succeed
            with less in force; read ``status.enforced``.

        Raises:
            NetFenceError: the subclass for the errno (InvalidArgumentError:
                unknown flags, the ruleset handles nothing; OtherThreadsError;
                UnsupportedError; NotPermittedError; ...). ``error.status``
                says what had been applied before the failure.
        """
        function = "netfence_ruleset_restrict_self"
        value = _convert.uint32(flags, function, "flags")
        struct = _ffi.StatusStruct()
        with self._lock:
            handle = self._require(function)
            try:
                _ffi.lib.netfence_ruleset_restrict_self(handle, value, ctypes.byref(struct))
            except NetFenceError as error:
                error.status = Status.from_struct(struct)
                raise
        return Status.from_struct(struct)

    def spawn(
        self,
        args: Sequence[_convert.StrPath],
        path: Optional[_convert.StrPath] = None,
        env: Optional[Mapping[str, str]] = None,
    ) -> Spawned:
        """Run a program in a new process restricted by this ruleset
        (``netfence_ruleset_spawn()``); this process is not restricted.

        Safe from a multi-threaded process: everything that can fail runs
        here before the child is created (vfork-style, as posix_spawn does),
        the child only applies the prepared layers and calls execve(2). An exec failure in the child is raised here (errno
        ``ENOENT``, ``EACCES``...) and the child is reaped. The ruleset is not
        spent: it can spawn again.

        Args:
            args: the argument vector, at least ``args[0]``.
            path: the program; ``args[0]`` when None. Without a ``/`` it is
                searched in ``PATH`` (from ``env`` when given, else from this
                process's environment).
            env: the child's whole environment; None inherits this
                process's.

        Returns:
            :class:`Spawned` ``(pid, status)``. The caller owns the child:
            wait for it with :func:`os.waitpid`.

        Raises:
            TypeError: args is a str/bytes or not a sequence; a wrong item
                type.
            InvalidArgumentError: empty args, a NUL byte, an environment
                name with ``=``, or the C function's EINVAL causes.
            AlreadyEnforcedError: spent by :meth:`restrict_self`.
            NetFenceError: the child's execve(2) errno (``ENOENT``...),
                ``EAGAIN`` when the child cannot be created, and the other
                codes of restrict_self;
                ``error.status`` is set.
        """
        function = "netfence_ruleset_spawn"
        if isinstance(args, (str, bytes)) or not isinstance(args, collections.abc.Sequence):
            raise TypeError(f"{function}: args must be a sequence of str, not {type(args).__name__}")
        argv_items = [_convert.c_string(arg, function, "argument", path=True) for arg in args]
        if not argv_items:
            raise invalid_argument(function, "args is empty: it needs at least the program name")
        program = argv_items[0] if path is None else _convert.c_string(path, function, "path", path=True)
        argv = _string_array(argv_items)
        envp = None
        if env is not None:
            if not isinstance(env, collections.abc.Mapping):
                raise TypeError(f"{function}: env must be a mapping of str to str, not {type(env).__name__}")
            entries = []
            for name, value in env.items():
                key = _convert.c_string(name, function, "environment name")
                if not key or b"=" in key:
                    raise invalid_argument(function, f"illegal environment variable name {name!r}")
                entries.append(key + b"=" + _convert.c_string(value, function, "environment value"))
            envp = _string_array(entries)
        pid = ctypes.c_int32()
        struct = _ffi.StatusStruct()
        with self._lock:
            handle = self._require(function)
            try:
                _ffi.lib.netfence_ruleset_spawn(handle, program, argv, envp, ctypes.byref(pid), ctypes.byref(struct))
            except NetFenceError as error:
                error.status = Status.from_struct(struct)
                raise
        return Spawned(pid.value, Status.from_struct(struct))


def _string_array(items: Sequence[bytes]) -> Any:
    """A NULL-terminated ``char *[]``; the bytes objects it points into must
    stay alive for the call (the caller keeps ``items``)."""
    array = (ctypes.c_char_p * (len(items) + 1))()
    for index, item in enumerate(items):
        array[index] = item
    array[len(items)] = None
    return array
