# SPDX-License-Identifier: MIT
"""Enforcement with the netfence package, always in a child process
(`sys.executable -c`, the package on PYTHONPATH, NETFENCE_LIBRARY
inherited): the pytest process itself is never restricted. Each child prints
one JSON object that the test checks."""
import errno
import json
import os
import socket
import textwrap

import pytest

import netfence
from conftest import ROOT, report_field, require_abi, run_python, skip_on_newer_kernel

PRELUDE = textwrap.dedent("""
    import errno, json, os, socket, sys, threading
    import netfence
    from netfence import *
    out = {}

    def attempt(action):
        try:
            action()
            return "ok"
        except OSError as error:
            return errno.errorcode.get(error.errno, str(error.errno))

    def bind(port, kind=socket.SOCK_STREAM):
        def action():
            with socket.socket(socket.AF_INET, kind) as sock:
                sock.bind(("127.0.0.1", port))
        return attempt(action)

    def failure(action):
        try:
            action()
        except NetFenceError as error:
            return {"type": type(error).__name__, "errno": error.errno, "function": error.function,
                    "message": error.message,
                    "status": error.status.to_dict() if error.status is not None else None}
        return None
""")


def run_child(body, *args):
    result = run_python(PRELUDE + textwrap.dedent(body) + "\nprint(json.dumps(out))\n", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def net_abi():
    return require_abi(4, "TCP port rules, Linux 6.7")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_restricted_child_gets_eacces_on_bind(net_abi):
    port = free_port()
    out = run_child("""
        port = int(sys.argv[1])
        out["before"] = bind(0)
        with Ruleset() as rs:
            rs.handle_net(AccessNet.BIND_TCP | AccessNet.CONNECT_TCP).allow_port(AccessNet.BIND_TCP, port)
            status = rs.restrict_self()
        out["allowed"] = bind(port)
        out["denied"] = bind(0)
        out["denied_other"] = bind(port + 1 if port < 65535 else port - 1)
        out["dict"] = status.to_dict()
        out["json"] = status.format("json")
        out["text"] = str(status)
    """, str(port))
    assert out["before"] == "ok"
    assert out["allowed"] == "ok"
    assert out["denied"] == out["denied_other"] == "EACCES"
    data = out["dict"]
    assert data["enforced"] == netfence.Enforced.FULL
    assert data["landlock_abi"] == net_abi and data["landlock_applied"] is True and data["no_new_privs"] is True
    assert data["net_requested"] == data["net_enforced"] == 3
    assert data["port_rules"] == 1 and data["thread_count"] == 1 and data["all_threads"] is True
    report = json.loads(out["json"])
    assert report["schema"] == "netfence-status/1" and report["enforcement"] == "full"
    assert report["landlock"]["net"]["enforced"] == ["bind_tcp", "connect_tcp"]
    assert report["threads"] == {"count": 1, "all_covered": True}
    assert report_field(out["text"], "enforcement").startswith("full")
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the status schema")
    with open(os.path.join(ROOT, "docs", "status-schema.json")) as f:
        jsonschema.Draft202012Validator(json.load(f)).validate(report)


def test_handle_sockets_denies_udp_socket():
    out = run_child("""
        status = (Ruleset().handle_sockets()
                  .allow_socket(socket.AF_INET, socket.SOCK_STREAM)
                  .allow_socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                  .restrict_self())
        out["udp"] = attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close())
        out["udp6"] = attempt(lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close())
        out["tcp"] = attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK).close())
        out["unix_dgram"] = attempt(lambda: [s.close() for s in socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)])
        out["unix_stream"] = attempt(lambda: [s.close() for s in socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)])
        out["status"] = status.to_dict()
        out["features"] = [f.name for f in SeccompFeatures if f in status.seccomp_features]
    """)
    assert out["udp"] == out["udp6"] == out["unix_stream"] == "EACCES"
    assert out["tcp"] == out["unix_dgram"] == "ok"
    status = out["status"]
    assert status["enforced"] == 1 and status["seccomp_installed"] is True
    assert status["sockets_requested"] is True and status["socket_rules"] == 2
    assert "SOCKETS_HANDLED" in out["features"]


def test_restrict_self_errors():
    out = run_child("""
        out["empty"] = failure(lambda: Ruleset().restrict_self())
        out["flags"] = failure(lambda: Ruleset().handle_sockets().restrict_self(1 << 20))
        rs = Ruleset().handle_sockets().allow_socket(socket.AF_INET)
        rs.restrict_self()
        out["again"] = failure(rs.restrict_self)
        out["builder"] = failure(lambda: rs.allow_socket(socket.AF_INET6))
        out["compat"] = failure(lambda: rs.set_compat(Compat.HARD_REQUIREMENT))
        out["spawn"] = failure(lambda: rs.spawn(["true"]))
        rs.close()
    """)
    for key in ("empty", "flags"):
        assert out[key]["type"] == "InvalidArgumentError" and out[key]["errno"] == errno.EINVAL
        assert out[key]["function"] == "netfence_ruleset_restrict_self"
        assert out[key]["status"]["enforced"] == 0 and out[key]["status"]["no_new_privs"] is False
    assert "handles nothing" in out["empty"]["message"]
    assert "0x100000" in out["flags"]["message"]
    for key, function in (("again", "netfence_ruleset_restrict_self"), ("builder", "netfence_ruleset_allow_socket"),
                          ("compat", "netfence_ruleset_set_compat"), ("spawn", "netfence_ruleset_spawn")):
        assert out[key]["type"] == "AlreadyEnforcedError", key
        assert out[key]["errno"] == errno.EALREADY and out[key]["function"] == function


def test_other_threads(net_abi):
    if net_abi >= 8:
        skip_on_newer_kernel("Landlock ABI 8 (TSYNC) restricts every thread: no EBUSY for a Landlock-only ruleset")
    out = run_child("""
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        out["busy"] = failure(lambda: Ruleset().handle_net(AccessNet.BIND_TCP).restrict_self())
        status = Ruleset().handle_net(AccessNet.BIND_TCP).restrict_self(RestrictFlags.CALLING_THREAD_ONLY)
        out["status"] = status.to_dict()
        out["main"] = bind(0)
        stop.set()
        thread.join()
    """)
    busy = out["busy"]
    assert busy["type"] == "OtherThreadsError" and busy["errno"] == errno.EBUSY
    assert busy["status"]["thread_count"] == 2 and busy["status"]["enforced"] == 0
    assert busy["status"]["landlock_applied"] is False
    assert out["status"]["all_threads"] is False and out["status"]["enforced"] == 1
    assert out["status"]["flags_requested"] == netfence.RestrictFlags.CALLING_THREAD_ONLY
    assert out["main"] == "EACCES"


@pytest.mark.parametrize("level", [netfence.Compat.SOFT_REQUIREMENT, netfence.Compat.HARD_REQUIREMENT],
                         ids=lambda level: level.name)
def test_requirement_levels_enforce_everything_available(net_abi, level):
    """Nothing requested is missing (TCP rights only): the soft and hard
    levels enforce all of it, as best effort (the default, in
    test_restricted_child_gets_eacces_on_bind) does. Read from the status and
    seen by a bind."""
    out = run_child("""
        level = Compat(int(sys.argv[1]))
        out["before"] = bind(0)
        status = Ruleset().set_compat(level).handle_net(AccessNet.BIND_TCP).restrict_self()
        out["status"] = status.to_dict()
        out["after"] = bind(0)
    """, str(int(level)))
    status = out["status"]
    assert out["before"] == "ok" and out["after"] == "EACCES"
    assert status["enforced"] == netfence.Enforced.FULL
    assert status["net_requested"] == status["net_enforced"] == netfence.AccessNet.BIND_TCP
    assert status["landlock_applied"] is True and status["no_new_privs"] is True


def test_compat_levels_when_a_right_is_missing(net_abi):
    """UDP rights (ABI 10) on an older kernel: hard fails and applies
    nothing, soft succeeds and applies nothing, best effort applies the TCP
    part. Each outcome is read from the status and checked with binds (the
    reports of these outcomes are tested in test_status_format.py)."""
    if net_abi >= 10:
        skip_on_newer_kernel("UDP rights are supported (ABI 10): nothing is missing")
    out = run_child("""
        both = AccessNet.BIND_TCP | AccessNet.BIND_UDP
        rs = Ruleset().set_compat(Compat.HARD_REQUIREMENT).handle_net(both)
        try:
            rs.restrict_self()
        except UnsupportedError as error:
            out["errno"] = error.errno
            out["hard"] = error.status.to_dict()
        out["tcp"] = bind(0)
        soft = Ruleset().set_compat(Compat.SOFT_REQUIREMENT).handle_net(both)
        out["soft"] = soft.restrict_self().to_dict()
        out["tcp_after_soft"] = bind(0)
        best = Ruleset().handle_net(both).restrict_self()
        out["best"] = best.to_dict()
        out["tcp_after"] = bind(0)
        out["udp_after"] = bind(0, socket.SOCK_DGRAM)
    """)
    both = netfence.AccessNet.BIND_TCP | netfence.AccessNet.BIND_UDP
    # Hard: fails before anything is applied, the status says so.
    assert out["errno"] == errno.EOPNOTSUPP
    hard = out["hard"]
    assert hard["enforced"] == netfence.Enforced.UNDECIDED and hard["landlock_abi"] == net_abi
    assert hard["net_requested"] == both and hard["net_enforced"] == 0
    assert hard["landlock_applied"] is False and hard["no_new_privs"] is False
    assert out["tcp"] == "ok"
    # Soft: succeeds with nothing in force, not even no_new_privs.
    soft = out["soft"]
    assert soft["enforced"] == netfence.Enforced.NONE
    assert soft["net_requested"] == both and soft["net_enforced"] == 0
    assert soft["landlock_applied"] is False and soft["no_new_privs"] is False and soft["seccomp_installed"] is False
    assert out["tcp_after_soft"] == "ok"
    # Best effort: the TCP right is enforced, the UDP one dropped.
    best = out["best"]
    assert best["enforced"] == netfence.Enforced.PARTIAL
    assert best["net_requested"] == both and best["net_enforced"] == netfence.AccessNet.BIND_TCP
    assert best["landlock_applied"] is True and best["no_new_privs"] is True
    assert out["tcp_after"] == "EACCES" and out["udp_after"] == "ok"


def test_filesystem_and_scope(tmp_path):
    require_abi(6, "signal scoping, Linux 6.12")
    (tmp_path / "allowed.txt").write_text("yes")
    out = run_child("""
        directory = sys.argv[1]
        read = AccessFS.READ_FILE | AccessFS.READ_DIR
        with Ruleset() as rs:
            rs.handle_fs(read).allow_path(read, directory).set_scope(Scope.SIGNAL)
            status = rs.restrict_self()
        out["allowed"] = attempt(lambda: open(os.path.join(directory, "allowed.txt")).read())
        out["denied"] = attempt(lambda: open("/etc/hostname").read())
        out["signal_self"] = attempt(lambda: os.kill(os.getpid(), 0))
        out["signal_parent"] = attempt(lambda: os.kill(os.getppid(), 0))
        out["status"] = status.to_dict()
        # Rendering needs no file the sandbox now hides (no late import).
        out["text"] = str(status)
    """, str(tmp_path))
    assert out["allowed"] == "ok"
    assert out["denied"] == "EACCES"
    assert out["signal_self"] == "ok" and out["signal_parent"] == "EPERM"
    status = out["status"]
    assert status["fs_enforced"] == netfence.AccessFS.READ_FILE | netfence.AccessFS.READ_DIR
    assert status["path_rules"] == 1 and status["scopes_enforced"] == netfence.Scope.SIGNAL
    assert report_field(out["text"], "enforcement").startswith("full")


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping capabilities of root's needs root")
def test_keep_caps_and_not_permitted():
    out = run_child("""
        status = Ruleset().keep_caps(["net_bind_service", "CAP_SETPCAP"]).set_caps_options(
            CapsOptions.NO_SECUREBITS_LOCK).restrict_self()
        out["first"] = status.to_dict()
        out["text"] = caps_text()
        status = Ruleset().keep_caps([10]).set_caps_options(CapsOptions.NO_SECUREBITS_LOCK).restrict_self()
        out["second"] = status.to_dict()
        # What the kernel says, not only what the status read back.
        out["capeff"] = open("/proc/self/status").read().split("CapEff:")[1].split()[0]
        # CAP_SETPCAP is gone and securebits are unlocked: locking them is
        # impossible, which a hard requirement refuses with EPERM.
        out["hard"] = failure(lambda: Ruleset().set_compat(Compat.HARD_REQUIREMENT).keep_caps("").restrict_self())
    """)
    assert out["first"]["caps_applied"] is True
    assert out["first"]["caps_effective"] == (1 << 10) | (1 << 8)
    assert "effective: cap_setpcap,cap_net_bind_service\n" in out["text"] or \
        "effective: cap_net_bind_service,cap_setpcap\n" in out["text"]
    assert out["second"]["caps_effective"] == out["second"]["caps_bounding"] == 1 << 10
    assert int(out["capeff"], 16) == 1 << 10
    hard = out["hard"]
    assert hard["type"] == "NotPermittedError" and hard["errno"] == errno.EPERM
    assert hard["function"] == "netfence_ruleset_restrict_self"
