# SPDX-License-Identifier: MIT
"""The exception hierarchy and the one return-code checker: the documented
errno list maps to classes, messages come from netfence_last_error() on the
failing thread. Nothing here restricts anything."""
import errno
import pickle
import threading

import pytest

import netfence
import netfence_header
from netfence import (AccessNet, AlreadyEnforcedError, InternalError, InvalidArgumentError, NetFenceError,
                      NotPermittedError, OtherThreadsError, OutOfMemoryError, UnsupportedError)
from netfence._errors import error_for

# The closed errno list of netfence.h and the class each becomes.
DOCUMENTED = [
    (errno.EINVAL, InvalidArgumentError),
    (errno.ENOMEM, OutOfMemoryError),
    (errno.EALREADY, AlreadyEnforcedError),
    (errno.EBUSY, OtherThreadsError),
    (errno.ENOSYS, UnsupportedError),
    (errno.EOPNOTSUPP, UnsupportedError),
    (errno.EPERM, NotPermittedError),
    (errno.E2BIG, NetFenceError),
    (errno.EMFILE, NetFenceError),
    (errno.ENFILE, NetFenceError),
    (errno.ENOENT, NetFenceError),
    (errno.EACCES, NetFenceError),
    (errno.ENOTDIR, NetFenceError),
    (errno.ELOOP, NetFenceError),
    (errno.ENAMETOOLONG, NetFenceError),
    (errno.ENOEXEC, NetFenceError),
    (errno.EAGAIN, NetFenceError),
    (errno.EFAULT, InternalError),
]


def test_the_table_is_the_header_list():
    # Names parsed from netfence.h; their values are compared with the C
    # compiler's in test_package_ffi.py.
    assert [code for code, _ in DOCUMENTED] == [getattr(errno, name) for name in netfence_header.errno_names()]


@pytest.mark.parametrize("code,kind", DOCUMENTED)
def test_every_documented_errno_has_its_class(code, kind):
    for signed in (code, -code):
        error = error_for(signed, "netfence_x", "netfence_x: why")
        assert type(error) is kind
        assert isinstance(error, NetFenceError) and isinstance(error, OSError)
        assert error.errno == code and error.function == "netfence_x"
        assert error.strerror == error.message == "netfence_x: why"
        assert str(error) == f"netfence_x: why ({errno.errorcode[code]})"
        assert error.status is None


def test_hierarchy():
    assert issubclass(NetFenceError, OSError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(NotPermittedError, PermissionError)
    assert issubclass(OutOfMemoryError, MemoryError)
    for kind in (InvalidArgumentError, AlreadyEnforcedError, OtherThreadsError, UnsupportedError,
                 NotPermittedError, OutOfMemoryError, InternalError):
        assert issubclass(kind, NetFenceError)
        assert kind.__doc__
    # An unknown errno stays a NetFenceError with the code.
    error = error_for(-4095, "netfence_x", "odd")
    assert type(error) is NetFenceError and error.errno == 4095 and "errno 4095" in str(error)


def test_pickle_keeps_function():
    error = pickle.loads(pickle.dumps(error_for(-errno.EINVAL, "netfence_ruleset_new", "m")))
    assert type(error) is InvalidArgumentError
    assert (error.errno, error.strerror, error.function) == (errno.EINVAL, "m", "netfence_ruleset_new")


def test_checker_reads_the_library_message():
    with netfence.Ruleset() as rs:
        with pytest.raises(InvalidArgumentError) as info:
            rs.handle_net(1 << 40)  # an unknown bit: rejected by the C library
        error = info.value
        assert error.errno == errno.EINVAL and error.function == "netfence_ruleset_handle_net"
        assert error.message.startswith("netfence_ruleset_handle_net: ")
        assert isinstance(error, ValueError)
        # The message was read at once: a later successful call resets the
        # thread-local message, the exception keeps its own.
        rs.handle_net(AccessNet.BIND_TCP)
        assert error.message.startswith("netfence_ruleset_handle_net: ")


def test_messages_are_read_on_the_failing_thread():
    """Two threads fail concurrently, each with its own message: the checker
    reads netfence_last_error() on the thread of the failing call."""
    results = {}
    barrier = threading.Barrier(2)

    def work(tag, action):
        with netfence.Ruleset() as rs:
            barrier.wait()
            messages = set()
            for _ in range(200):
                try:
                    action(rs)
                except NetFenceError as error:
                    messages.add(error.message)
            results[tag] = messages

    threads = [
        threading.Thread(target=work, args=("caps", lambda rs: rs.keep_caps("cap_bogus"))),
        threading.Thread(target=work, args=("port", lambda rs: rs.allow_port(AccessNet.CONNECT_TCP, 80))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results["caps"]) == 1 and "cap_bogus" in next(iter(results["caps"]))
    assert len(results["port"]) == 1 and next(iter(results["port"])).startswith("netfence_ruleset_allow_port: ")
