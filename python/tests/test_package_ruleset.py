# SPDX-License-Identifier: MIT
"""The Ruleset builder and Status in this (pytest) process: every builder
call, bad input, lifetime. Nothing here restricts anything:
restrict_self() is only called with input that Python rejects before the C
call; enforcement is in test_package_enforcement.py (child processes)."""
import copy
import ctypes
import errno
import gc
import json
import os
import pickle
import socket

import pytest

import netfence
from conftest import report_field, run_python
from netfence import (ANY, AccessFS, AccessNet, CapsOptions, Compat, Enforced,
                      InvalidArgumentError, ListenMode, NetFenceError, RestrictFlags, Ruleset, Scope,
                      SeccompFeatures, Status)
from netfence._ffi import StatusStruct  # private: the layout is tested in test_package_ffi.py

BIND, CONNECT = AccessNet.BIND_TCP, AccessNet.CONNECT_TCP


@pytest.fixture
def rs():
    ruleset = Ruleset()
    yield ruleset
    ruleset.close()


def test_every_builder_call_chains(rs, tmp_path):
    (tmp_path / "file").write_text("x")
    result = (rs.set_compat(Compat.BEST_EFFORT)
              .handle_net(BIND | CONNECT | AccessNet.BIND_UDP | AccessNet.CONNECT_SEND_UDP | AccessNet.LISTEN_TCP)
              .allow_port(CONNECT, 443)
              .allow_port(BIND, 0)
              .allow_port(AccessNet.LISTEN_TCP, 8080)
              .allow_port_range(BIND, 8000, 8099)
              .allow_ports(CONNECT, 0, 65535)
              .handle_fs(AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.WRITE_FILE)
              .allow_path(AccessFS.READ_FILE | AccessFS.READ_DIR, str(tmp_path))
              .allow_path(AccessFS.READ_FILE, tmp_path / "file")
              .allow_path(AccessFS.READ_FILE, os.fsencode(str(tmp_path)))
              .set_scope(Scope.SIGNAL | Scope.ABSTRACT_UNIX_SOCKET)
              .set_scope(0)
              .handle_sockets()
              .allow_socket(socket.AF_INET, socket.SOCK_STREAM)
              .allow_socket(socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK, socket.IPPROTO_UDP)
              .allow_socket(socket.AF_UNIX)
              .allow_socket(socket.AF_UNIX, ANY, ANY)
              .keep_caps("cap_net_bind_service,net_raw")
              .keep_caps(["CAP_NET_BIND_SERVICE", "chown"])
              .keep_caps([10, 13])
              .keep_caps(iter([10]))
              .keep_caps("")
              .keep_caps([])
              .set_caps_options(CapsOptions.AMBIENT | CapsOptions.NO_SECUREBITS_LOCK)
              .set_compat(Compat.HARD_REQUIREMENT)
              .set_compat(Compat.SOFT_REQUIREMENT))
    assert result is rs


def test_c_side_invalid_arguments(rs):
    """Values that fit the C types but are wrong: rejected by the library
    with -EINVAL, raised as InvalidArgumentError with its message."""
    cases = [
        (lambda: rs.handle_net(0), "netfence_ruleset_handle_net"),
        (lambda: rs.handle_net(1 << 20), "netfence_ruleset_handle_net"),
        (lambda: rs.allow_port(CONNECT, 80), "netfence_ruleset_allow_port"),  # not handled
        (lambda: rs.set_compat(3), "netfence_ruleset_set_compat"),
        (lambda: rs.handle_fs(0), "netfence_ruleset_handle_fs"),
        (lambda: rs.handle_fs(1 << 17), "netfence_ruleset_handle_fs"),
        (lambda: rs.allow_path(AccessFS.READ_FILE, "/"), "netfence_ruleset_allow_path"),  # not handled
        (lambda: rs.set_scope(1 << 2), "netfence_ruleset_set_scope"),
        (lambda: rs.allow_socket(0), "netfence_ruleset_allow_socket"),
        (lambda: rs.allow_socket(ANY), "netfence_ruleset_allow_socket"),
        (lambda: rs.allow_socket(46), "netfence_ruleset_allow_socket"),
        (lambda: rs.allow_socket(socket.AF_INET, 99), "netfence_ruleset_allow_socket"),
        (lambda: rs.allow_socket(socket.AF_INET, socket.SOCK_STREAM, 65536), "netfence_ruleset_allow_socket"),
        (lambda: rs.allow_socket(socket.AF_INET, socket.SOCK_STREAM, -2), "netfence_ruleset_allow_socket"),
        (lambda: rs.keep_caps("cap_bogus"), "netfence_ruleset_keep_caps"),
        (lambda: rs.keep_caps("net_raw,,chown"), "netfence_ruleset_keep_caps"),
        (lambda: rs.keep_caps(["net_raw", ""]), "netfence_ruleset_keep_caps"),
        (lambda: rs.keep_caps("net_raw,net_raw"), "netfence_ruleset_keep_caps"),
        (lambda: rs.keep_caps([10, 10]), "netfence_ruleset_keep_caps_array"),
        (lambda: rs.keep_caps([200]), "netfence_ruleset_keep_caps_array"),
        (lambda: rs.set_caps_options(1 << 9), "netfence_ruleset_set_caps_options"),
    ]
    for call, function in cases:
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert info.value.errno == errno.EINVAL
        assert info.value.function == function
        assert info.value.message.startswith(function + ": ")
    with pytest.raises(InvalidArgumentError, match="cap_bogus"):
        rs.keep_caps("net_raw,cap_bogus")
    # The ruleset is still usable after failures.
    rs.handle_net(BIND).allow_port(BIND, 80)


@pytest.mark.parametrize("port", [70000, 65536, -1, 2**64, 2**64 + 80, -(2**63)])
def test_out_of_range_ports_are_never_truncated(rs, port):
    rs.handle_net(BIND)
    for call in (lambda: rs.allow_port(BIND, port),
                 lambda: rs.allow_port_range(BIND, port, 65535) if port < 0 else rs.allow_port_range(BIND, 0, port),
                 lambda: rs.allow_ports(BIND, port, port)):
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert isinstance(info.value, ValueError)
        assert info.value.errno == errno.EINVAL
        assert str(port) in info.value.message


def test_port_range_order(rs):
    rs.handle_net(BIND)
    with pytest.raises(InvalidArgumentError, match="first port 20 is greater than last port 10"):
        rs.allow_port_range(BIND, 20, 10)
    rs.allow_port_range(BIND, 10, 10)


@pytest.mark.parametrize("mask", [-1, -(2**63), 2**64, 2**70])
def test_masks_out_of_uint64_are_rejected_before_c(rs, mask):
    for call in (rs.handle_net, rs.handle_fs, rs.set_scope, lambda m: rs.allow_port(m, 80),
                 lambda m: rs.allow_path(m, "/")):
        with pytest.raises(InvalidArgumentError) as info:
            call(mask)
        assert "out of range" in info.value.message


@pytest.mark.parametrize("value", [-1, 2**32, 2**40])
def test_uint32_arguments_are_rejected_before_c(rs, value):
    for call in (rs.set_compat, rs.set_caps_options, rs.restrict_self, lambda v: rs.keep_caps([v])):
        with pytest.raises(InvalidArgumentError):
            call(value)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**32 + 2])
def test_int32_socket_arguments_are_rejected_before_c(rs, value):
    for call in (lambda: rs.allow_socket(value), lambda: rs.allow_socket(socket.AF_INET, value),
                 lambda: rs.allow_socket(socket.AF_INET, socket.SOCK_STREAM, value)):
        with pytest.raises(InvalidArgumentError):
            call()


BAD_INTS = ["1", 1.0, None, b"\x01", [1], True]


@pytest.mark.parametrize("bad", BAD_INTS)
def test_wrong_types_raise_type_error(rs, bad):
    rs.handle_net(BIND).handle_fs(AccessFS.READ_FILE)
    calls = [
        lambda: rs.set_compat(bad),
        lambda: rs.handle_net(bad),
        lambda: rs.allow_port(bad, 80),
        lambda: rs.allow_port(BIND, bad),
        lambda: rs.allow_port_range(BIND, bad, 80),
        lambda: rs.allow_port_range(BIND, 80, bad),
        lambda: rs.handle_fs(bad),
        lambda: rs.allow_path(bad, "/"),
        lambda: rs.set_scope(bad),
        lambda: rs.allow_socket(bad),
        lambda: rs.allow_socket(socket.AF_INET, bad),
        lambda: rs.allow_socket(socket.AF_INET, socket.SOCK_STREAM, bad),
        lambda: rs.set_caps_options(bad),
        lambda: rs.restrict_self(bad),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()


@pytest.mark.parametrize("bad", [None, 5, 1.5, ["/"], object()])
def test_allow_path_wrong_types(rs, bad):
    rs.handle_fs(AccessFS.READ_FILE)
    with pytest.raises(TypeError):
        rs.allow_path(AccessFS.READ_FILE, bad)


def test_allow_path_errors(rs, tmp_path):
    rs.handle_fs(AccessFS.READ_FILE | AccessFS.READ_DIR)
    with pytest.raises(InvalidArgumentError, match="NUL"):
        rs.allow_path(AccessFS.READ_FILE, "/etc\0/passwd")
    with pytest.raises(NetFenceError) as info:
        rs.allow_path(AccessFS.READ_FILE, tmp_path / "missing")
    assert info.value.errno == errno.ENOENT and not isinstance(info.value, ValueError)
    assert info.value.function == "netfence_ruleset_allow_path"
    (tmp_path / "file").write_text("x")
    with pytest.raises(NetFenceError) as info:
        rs.allow_path(AccessFS.READ_FILE, tmp_path / "file" / "below")
    assert info.value.errno == errno.ENOTDIR
    # A file keeps only the file rights: READ_DIR alone leaves none.
    with pytest.raises(InvalidArgumentError):
        rs.allow_path(AccessFS.READ_DIR, tmp_path / "file")


@pytest.mark.parametrize("bad", [None, 10, 1.5, object(), {"net_raw": 1.5}.values()])
def test_keep_caps_wrong_types(rs, bad):
    with pytest.raises(TypeError):
        rs.keep_caps(bad)


def test_keep_caps_item_checks(rs):
    with pytest.raises(TypeError):
        rs.keep_caps(["net_raw", 10])
    with pytest.raises(TypeError):
        rs.keep_caps([10, "net_raw"])
    with pytest.raises(TypeError):
        rs.keep_caps([10.0])
    with pytest.raises(InvalidArgumentError, match="comma"):
        rs.keep_caps(["net_raw,chown"])
    with pytest.raises(InvalidArgumentError, match="NUL"):
        rs.keep_caps("net_raw\0")
    with pytest.raises(InvalidArgumentError):
        rs.keep_caps([-1])


def test_closed_ruleset_raises_clearly():
    rs = Ruleset()
    assert not rs.closed and "open" in repr(rs)
    rs.close()
    rs.close()  # idempotent
    assert rs.closed and "closed" in repr(rs)
    calls = [
        lambda: rs.set_compat(0), lambda: rs.handle_net(BIND), lambda: rs.allow_port(BIND, 1),
        lambda: rs.allow_port_range(BIND, 1, 2), lambda: rs.handle_fs(AccessFS.READ_FILE),
        lambda: rs.allow_path(AccessFS.READ_FILE, "/"), lambda: rs.set_scope(0), lambda: rs.handle_sockets(),
        lambda: rs.allow_socket(socket.AF_INET), lambda: rs.keep_caps("net_raw"), lambda: rs.keep_caps([10]),
        lambda: rs.set_caps_options(0), lambda: rs.restrict_self(), lambda: rs.spawn(["true"]),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError, match="the ruleset is closed"):
            call()
    with pytest.raises(InvalidArgumentError, match="closed"):
        with rs:
            pass


def test_context_manager_closes():
    with Ruleset() as rs:
        assert isinstance(rs, Ruleset) and not rs.closed
        rs.handle_net(BIND)
    assert rs.closed
    with pytest.raises(RuntimeError):
        with Ruleset() as other:
            raise RuntimeError("boom")
    assert other.closed


def test_garbage_collection_frees_and_copies_are_refused():
    for _ in range(100):
        Ruleset().handle_net(BIND)
    gc.collect()
    rs = Ruleset()
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError):
            attempt(rs)
    rs.close()


def test_del_at_interpreter_shutdown():
    # Rulesets alive at exit (module global, reference cycle) are freed
    # during shutdown without an error or a crash.
    code = ("import netfence\n"
            "keep = netfence.Ruleset().handle_net(1)\n"
            "class Cycle: pass\n"
            "c = Cycle(); c.self = c; c.rs = netfence.Ruleset()\n"
            "print('ok')\n")
    result = run_python(code)
    assert result.returncode == 0 and result.stdout == "ok\n" and result.stderr == ""


def test_status_defaults_and_conversions():
    status = Status()
    assert status.enforced is Enforced.UNDECIDED
    struct = status.to_struct()
    assert isinstance(struct, StatusStruct) and struct.size == ctypes.sizeof(StatusStruct)
    struct.enforced = 2
    struct.landlock_abi = -errno.ENOSYS
    struct.no_new_privs = 1
    struct.net_requested = BIND | AccessNet.LISTEN_TCP
    struct.fs_enforced = AccessFS.FILE_RIGHTS
    struct.flags_requested = RestrictFlags.CALLING_THREAD_ONLY
    struct.seccomp_features = SeccompFeatures.SOCKETS_HANDLED | SeccompFeatures.IO_URING_BLOCKED
    struct.listen_mode = 2
    struct.listen_supervisor_pid = -1
    struct.caps_effective = 1 << 10
    converted = Status.from_struct(struct)
    assert converted.enforced is Enforced.PARTIAL
    assert converted.landlock_abi == -errno.ENOSYS
    assert converted.no_new_privs is True and converted.landlock_applied is False
    assert converted.net_requested == BIND | AccessNet.LISTEN_TCP and isinstance(converted.net_requested, AccessNet)
    assert isinstance(converted.fs_enforced, AccessFS) and isinstance(converted.flags_requested, RestrictFlags)
    assert SeccompFeatures.IO_URING_BLOCKED in converted.seccomp_features
    assert converted.listen_mode is ListenMode.PER_PORT
    assert converted.listen_supervisor_pid == -1 and converted.caps_effective == 1 << 10
    # Round trip, field by field.
    again = converted.to_struct()
    assert bytes(again) == bytes(struct)
    # A value unknown to this package (a newer library) stays an int.
    struct.enforced = 9
    assert Status.from_struct(struct).enforced == 9


def test_status_format_and_to_dict():
    struct = StatusStruct(enforced=1, landlock_abi=7, landlock_applied=1, no_new_privs=1, all_threads=1,
                          thread_count=1, net_requested=3, net_enforced=3, port_rules=2)
    status = Status.from_struct(struct)
    data = status.to_dict()
    assert data["enforced"] == 1 and data["net_requested"] == AccessNet.BIND_TCP | AccessNet.CONNECT_TCP
    assert set(data) == set(Status.__dataclass_fields__)
    assert json.loads(json.dumps(data))["port_rules"] == 2
    report = json.loads(status.format("json"))
    assert report["schema"] == "netfence-status/1"
    assert report["enforcement"] == "full"
    assert report["landlock"]["net"]["requested"] == ["bind_tcp", "connect_tcp"]
    assert report["landlock"]["net"]["port_rules"] == 2
    assert json.loads(status.format(netfence.Format.JSON)) == report
    assert json.loads(status.format("JSON")) == report
    text = status.format()
    assert text == str(status) == status.format("text") == status.format(0)
    assert report_field(text, "enforcement").startswith("full")
    with pytest.raises(InvalidArgumentError, match="unknown format 'yaml'"):
        status.format("yaml")
    with pytest.raises(InvalidArgumentError) as info:
        status.format(7)  # checked by the C library
    assert info.value.function == "netfence_status_format"
    for bad in (None, 1.0, b"json"):
        with pytest.raises(TypeError):
            status.format(bad)


def test_status_values_are_never_truncated():
    with pytest.raises(InvalidArgumentError, match="thread_count"):
        Status(thread_count=2**32).to_struct()
    with pytest.raises(InvalidArgumentError, match="landlock_abi"):
        Status(landlock_abi=2**31).format()
    with pytest.raises(InvalidArgumentError, match="caps_kept"):
        Status(caps_kept=-1).to_struct()
