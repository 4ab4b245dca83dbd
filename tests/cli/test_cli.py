# SPDX-License-Identifier: MIT
"""The `netfence` command-line tool, run as a subprocess (it restricts itself,
then executes the command: never this pytest process)."""
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from netfence_expect import landlock_abi

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("NETFENCE_CLI", os.path.join(ROOT, "build", "bin", "netfence"))
BIN = os.path.dirname(CLI)
PY = sys.executable


def run(*args, env=None, timeout=60, **kwargs):
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env, timeout=timeout, **kwargs)


def field(report, label):
    """The value of `label:` in a text report (`--status`), or None."""
    for line in report.splitlines():
        name, sep, value = line.strip().partition(":")
        if sep and name == label:
            return value.strip()
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The ABI `netfence status` reports; a test that needs more of it is marked
# needs_landlock_abi (conftest.py: skipped, or failed under NETFENCE_EXPECT_ABI).
ABI = landlock_abi()
needs_tcp = pytest.mark.needs_landlock_abi(4, "TCP port rules (Linux 6.7)")
needs_scopes = pytest.mark.needs_landlock_abi(6, "scopes")


# A child that tries operations and prints one word per result.
PROBE = textwrap.dedent("""
    import errno, os, socket, sys
    def attempt(fn):
        try:
            fn(); return "ok"
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
    def bind(port, family=socket.AF_INET, kind=socket.SOCK_STREAM):
        def f():
            with socket.socket(family, kind) as s:
                s.bind(("127.0.0.1" if family == socket.AF_INET else "::1", port))
        return f
    def connect(port):
        def f():
            with socket.socket() as s:
                s.connect(("127.0.0.1", port))
        return f
    def listen(port):
        def f():
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if port: s.bind(("127.0.0.1", port))
                s.listen()
        return f
    def make(family, kind, proto=0):
        return lambda: socket.socket(family, kind, proto).close()
    results = []
    for op in sys.argv[1:]:
        name, _, arg = op.partition("=")
        fn = {"bind": lambda a: bind(int(a)), "bindudp": lambda a: bind(int(a), kind=socket.SOCK_DGRAM),
              "connect": lambda a: connect(int(a)), "listen": lambda a: listen(int(a)),
              "udp": lambda a: make(socket.AF_INET, socket.SOCK_DGRAM), "tcp": lambda a: make(socket.AF_INET, socket.SOCK_STREAM),
              "unix": lambda a: make(socket.AF_UNIX, socket.SOCK_STREAM),
              "mptcp": lambda a: make(socket.AF_INET, socket.SOCK_STREAM, 262),
              "read": lambda a: (lambda: open(a).close()), "write": lambda a: (lambda: open(a, "w").close()),
              "kill": lambda a: (lambda: os.kill(int(a), 0))}[name](arg)
        results.append(attempt(fn))
    print(" ".join(results))
""")


def probe(options, *ops, env=None):
    result = run("run", *options, "--", PY, "-c", PROBE, *ops, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


# ---- parsing and exit codes ----

@pytest.mark.parametrize("value,message", [
    ("70000", "port 70000 is out of range"),
    ("10-5", "empty range 10-5"),
    ("abc", "\"abc\" is not a port number"),
    ("80,,81", "empty item"),
    ("1-2-3", "is not a port or a range"),
    ("-5", "\"\" is not a port number"),
])
def test_bad_port_lists(value, message):
    result = run("run", f"--bind-tcp={value}", "--", "true")
    assert result.returncode == 125, result.stderr
    assert message in result.stderr
    assert "hint:" in result.stderr or "range" in result.stderr


@pytest.mark.parametrize("option,value", [
    ("--allow-socket", "bogus:stream"), ("--allow-socket", "inet:weird"), ("--allow-socket", "inet::tcp"),
    ("--scope", "telepathy"), ("--listen", "localhost:http"), ("--listen", "::1:80"),
])
def test_bad_specs(option, value):
    result = run("run", option, value, "--", "true")
    assert result.returncode == 125, (result.returncode, result.stderr)
    assert option in result.stderr and "hint" in result.stderr or "IPv6" in result.stderr


def test_usage_errors():
    assert run("run", "--bind-tcp", "80").returncode == 64  # no command
    assert run("frobnicate").returncode == 64
    assert run("--version").stdout.strip() == "netfence 0.2.0 (built for Landlock ABI 10)"
    for sub in ("run", "status", "sandboxer"):
        help_text = run(sub, "--help")
        assert help_text.returncode == 0 and "Example" in help_text.stdout, sub


# `netfence run` parses well-formed invocations itself (a fast path that skips
# swift-argument-parser's reflection); NETFENCE_CLI_FULL_PARSER=1 forces the
# full parser. Both must give the same result, report and messages.
@pytest.mark.parametrize("options", [
    ["--bind-tcp", "1", "--status"],
    ["--bind-tcp=80,443", "--connect-tcp", "", "--listen-tcp", ""],
    ["--no-network", "--soft"],
    ["--allow-socket", "inet:stream", "--allow-socket=unix", "--hard"],
    ["--ro", "/usr", "--rw", "/tmp", "--scope", "signal", "--log-new-exec-on"],
    ["--keep-caps", "", "--no-securebits-lock"],
    ["--connect-tcp", "70000"],
    ["--bind-tcp=-5"],
    ["--keep-caps="],
    ["--allow-socket", "bogus:stream"],
    ["--bind-udp", "", "--connect-udp=53", "--log-same-exec-off", "--log-subdomains-off", "--best-effort"],
    ["--ro=/", "--ro", "/usr", "--rw=/tmp", "--scope", "abstract-unix,signal", "--no-network"],
    ["--listen", "127.0.0.1:0", "--no-network"],
    ["--bind-tcp", "1", "--bind-tcp", "2"],  # repeats add up, in both parsers
    ["--rox", "/", "--strict", "--bind-udp", "1"],  # a shortfall under --strict (before ABI 10)
    ["--no-network", "--connect-tcp", "1"],  # contradictory: 64
    ["--allow-socket", "tcp", "--quiet", "--bind-udp", "1", "--pretty"],
    ["--policy", "/nonexistent/policy", "--no-network"],  # the policy's error, in both parsers
])
def test_fast_and_full_parsers_agree(options, tmp_path):
    outcomes = []
    for full in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "NETFENCE_CLI_FULL_PARSER"}
        if full:
            env["NETFENCE_CLI_FULL_PARSER"] = "1"
        report = tmp_path / f"report-{full}.json"
        result = run("run", *options, "--status-json", str(report), "--", "/bin/true", env=env)
        outcomes.append((result.returncode, result.stdout, result.stderr,
                         report.read_text() if report.exists() else None))
    assert outcomes[0] == outcomes[1]


def test_command_path_is_used_byte_for_byte(tmp_path):
    # A program whose name is not UTF-8, given with a slash: found and run.
    program = os.path.join(os.fsencode(tmp_path), b"prog\xff")
    with open(program, "wb") as f:
        f.write(b"#!/bin/sh\necho ran\n")
    os.chmod(program, 0o755)
    for env in ({}, {"NETFENCE_CLI_FULL_PARSER": "1"}):
        result = subprocess.run([CLI, "run", "--bind-tcp", "", "--", program], capture_output=True,
                                env={**os.environ, **env}, timeout=60)
        assert result.returncode == 0 and result.stdout == b"ran\n", result.stderr


def test_command_arguments_are_passed_byte_for_byte():
    # Not UTF-8: the command must get the bytes it was given, not U+FFFD.
    for env in ({}, {"NETFENCE_CLI_FULL_PARSER": "1"}):
        result = subprocess.run([CLI, "run", "--bind-tcp", "", "--", "/usr/bin/printf", "%s|%s", b"\xff\xfe", "--"],
                                capture_output=True, env={**os.environ, **env}, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"\xff\xfe|--"


def test_exit_status_passthrough():
    assert run("run", "--bind-tcp", "", "--", "sh", "-c", "exit 7").returncode == 7
    assert run("run", "--bind-tcp", "", "--", "true").returncode == 0
    missing = run("run", "--bind-tcp", "", "--", "netfence-no-such-command")
    assert missing.returncode == 127 and "not found" in missing.stderr
    not_exec = run("run", "--bind-tcp", "", "--", "/etc/passwd")
    assert not_exec.returncode == 126


def test_runs_in_place():
    # No extra process: the command has netfence's pid (exec in place).
    result = run("run", "--bind-tcp", "", "--", "sh", "-c", "echo $$; cat /proc/$$/comm")
    pid, comm = result.stdout.split()
    assert comm == "sh"


# ---- each option enforces what it says ----

@needs_tcp
def test_bind_and_connect_lists():
    allowed, denied = free_port(), free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        target = server.getsockname()[1]
        assert probe(["--bind-tcp", f"{allowed},1-2", "--connect-tcp", f"{target}"],
                     f"bind={allowed}", f"bind={denied}", f"connect={target}", f"connect={denied}") == \
            ["ok", "EACCES", "ok", "EACCES"]
    # Empty list: handled, nothing allowed. Unset: not handled.
    assert probe(["--bind-tcp", ""], f"bind={allowed}", f"connect={denied}") == ["EACCES", "ECONNREFUSED"]


@needs_tcp
def test_port_range():
    base = 39300
    assert probe(["--connect-tcp", f"{base}-{base + 2}"], f"connect={base - 1}", f"connect={base}",
                 f"connect={base + 2}", f"connect={base + 3}") == ["EACCES", "ECONNREFUSED", "ECONNREFUSED", "EACCES"]


def test_listen_tcp():
    allowed, denied = free_port(), free_port()
    assert probe(["--listen-tcp", str(allowed)], f"listen={allowed}", f"listen={denied}", "listen=0") == \
        ["ok", "EACCES", "EACCES"]
    assert probe(["--listen-tcp", "0"], "listen=0", f"listen={denied}") == ["ok", "EACCES"]


def test_allow_socket_and_no_network():
    assert probe(["--allow-socket", "inet:stream"], "tcp", "udp", "unix") == ["ok", "EACCES", "EACCES"]
    assert probe(["--allow-socket", "unix", "--allow-socket", "inet:dgram:udp"], "tcp", "udp", "unix") == \
        ["EACCES", "ok", "ok"]
    assert probe(["--no-network"], "tcp", "udp", "unix", "listen=0") == ["EACCES"] * 4


@needs_tcp
def test_mptcp_closed_when_tcp_is_handled():
    before = probe(["--allow-socket", "inet:stream:mptcp", "--bind-tcp", "0"], "mptcp")[0]
    assert before in ("ok", "EPROTONOSUPPORT")  # allowed explicitly: the kernel decides
    assert probe(["--bind-tcp", "0"], "mptcp") == ["EACCES"]


def test_udp_on_an_old_kernel():
    port = free_port()
    # A kernel with UDP rights (ABI 10) runs this as ABI 9 (the test-only
    # NETFENCE_TEST_ABI can only lower it): never a skip.
    env = dict(os.environ)
    if ABI >= 10:
        env["NETFENCE_TEST_ABI"] = "9"
    # Best effort: dropped and reported; hard: refused with a hint.
    result = run("run", "--bind-udp", str(port), "--status", "--", "true", env=env)
    assert result.returncode == 0
    assert f"netfence: warning: --bind-udp {port} is not in force: needs Landlock ABI 10 (Linux 7.2), this kernel has" in result.stderr
    assert field(result.stderr, "bind UDP") == "NOT in force (see below)"
    hard = run("run", "--bind-udp", str(port), "--hard", "--", "true", env=env)
    assert hard.returncode == 125
    assert "hint:" in hard.stderr and "kernel" in hard.stderr
    soft = run("run", "--bind-udp", str(port), "--soft", "--status", "--", "true", env=env)
    assert soft.returncode == 0 and field(soft.stderr, "enforcement").startswith("none")


def test_filesystem_options(tmp_path):
    writable = tmp_path / "rw"
    writable.mkdir()
    (tmp_path / "ro.txt").write_text("x")
    result = probe(["--rox", "/", "--rw", str(writable)],
                   f"read={tmp_path / 'ro.txt'}", f"write={writable / 'new'}", f"write={tmp_path / 'denied'}")
    assert result == ["ok", "ok", "EACCES"]
    missing = run("run", "--ro", "/nonexistent/netfence", "--", "true")
    assert missing.returncode == 125
    assert "/nonexistent/netfence" in missing.stderr and "does not exist" in missing.stderr


@needs_scopes
def test_scope_signal():
    assert probe(["--scope", "signal"], f"kill={os.getpid()}") == ["EPERM"]
    assert probe(["--scope", "abstract-unix"], f"kill={os.getpid()}") == ["ok"]


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping capabilities needs root")
def test_keep_caps():
    result = run("run", "--keep-caps", "", "--", "grep", "^CapEff", "/proc/self/status")
    assert result.stdout.split()[1] == "0000000000000000"
    kept = run("run", "--keep-caps", "cap_net_bind_service", "--", "grep", "^CapEff", "/proc/self/status")
    assert int(kept.stdout.split()[1], 16) == 1 << 10
    assert run("run", "--keep-caps", "cap_bogus", "--", "true").returncode == 125


def test_status_and_status_json(tmp_path):
    report = tmp_path / "status.json"
    result = run("run", "--no-network", "--log-same-exec-off", "--status", "--status-json", str(report), "--", "true")
    assert result.returncode == 0, result.stderr
    assert field(result.stderr, "enforcement").startswith("full") and "Seccomp filter: loaded" in result.stderr
    data = json.loads(report.read_text())
    assert data["schema"] == "netfence-status/1"
    assert data["seccomp"]["sockets"]["handled"] is True
    assert data["seccomp"]["listen"]["mode"] == "deny-all"
    jsonschema = pytest.importorskip("jsonschema", reason="validates the report schema")
    with open(os.path.join(ROOT, "docs", "status-schema.json")) as f:
        jsonschema.validate(data, json.load(f))


def test_status_command():
    table = run("status")
    assert table.returncode == 0 and table.stdout.startswith(f"Landlock: ABI {ABI}") and "\nSeccomp\n" in table.stdout
    data = json.loads(run("status", "--json").stdout)
    assert data["landlock"]["abi"] == ABI
    names = [r["name"] for r in data["landlock"]["net"]]
    assert names == ["bind_tcp", "connect_tcp", "bind_udp", "connect_send_udp", "listen_tcp"]
    assert isinstance(data["seccomp"]["filter"], bool)


# ---- socket activation ----

SERVER = textwrap.dedent("""
    import os, socket
    assert os.environ["LISTEN_PID"] == str(os.getpid()), "LISTEN_PID is the command's pid"
    assert os.environ["LISTEN_FDS"] == "1"
    listener = socket.socket(fileno=3)
    conn, _ = listener.accept()
    conn.sendall(b"served:" + conn.recv(16))
    conn.close()
    def denied(fn):
        try:
            fn()
        except PermissionError:
            return True
        return False
    assert denied(lambda: socket.socket()), "cannot create a socket"
    assert denied(lambda: listener.listen(8)), "cannot listen again"
    print("done", os.environ["LISTEN_FDNAMES"])
""")


def test_socket_activation():
    port = free_port()
    proc = subprocess.Popen([CLI, "run", "--listen", f"127.0.0.1:{port}", "--no-network", "--", PY, "-c", SERVER],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                client = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except ConnectionRefusedError:
                import time
                time.sleep(0.05)
        client.sendall(b"ping")
        assert client.recv(64) == b"served:ping"
        client.close()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == f"done {port}"


@pytest.mark.skipif(os.geteuid() != 0, reason="binding a privileged port needs root")
def test_socket_activation_privileged_port_then_drop_caps():
    result = run("run", "--listen", "127.0.0.1:81", "--keep-caps", "", "--no-network", "--",
                 "sh", "-c", "echo $LISTEN_FDS; grep ^CapEff /proc/self/status")
    assert result.returncode == 0, result.stderr
    fds, _, eff = result.stdout.split()
    assert fds == "1" and eff == "0000000000000000"


# ---- the kernel sandboxer drop-in ----

def sandboxer(*command, **env_vars):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LL_")}
    env.update(env_vars)
    return subprocess.run([CLI, "sandboxer", *command], capture_output=True, text=True, env=env, timeout=60)


def sandboxer_probe(*ops, **env_vars):
    result = sandboxer(PY, "-c", PROBE, *ops, **env_vars)
    assert result.returncode == 0, result.stderr
    assert "Executing the sandboxed command..." in result.stderr
    return result.stdout.split()


FS = {"LL_FS_RO": "/", "LL_FS_RW": "/tmp:/dev"}


def test_sandboxer_usage_and_required_variables():
    assert sandboxer().returncode == 1
    missing = sandboxer("true", LL_FS_RW="/")
    assert missing.returncode == 1 and "Missing environment variable LL_FS_RO" in missing.stderr
    missing = sandboxer("true", LL_FS_RO="/")
    assert missing.returncode == 1 and "Missing environment variable LL_FS_RW" in missing.stderr


@needs_tcp
def test_sandboxer_tcp_unset_vs_empty():
    port, other = free_port(), free_port()
    assert sandboxer_probe(f"bind={port}", **FS) == ["ok"]                       # unset: not handled
    assert sandboxer_probe(f"bind={port}", LL_TCP_BIND="", **FS) == ["EACCES"]    # empty: deny all
    assert sandboxer_probe(f"bind={port}", f"bind={other}", LL_TCP_BIND=f"{port}", **FS) == ["ok", "EACCES"]
    assert sandboxer_probe(f"connect={other}", LL_TCP_CONNECT=f"{port}:{port + 1}", **FS) == ["EACCES"]
    # Exactly the kernel sample: Landlock only, so MPTCP is not blocked by netfence.
    unsandboxed = subprocess.run([PY, "-c", PROBE, "mptcp"], capture_output=True, text=True).stdout.split()
    assert sandboxer_probe("mptcp", LL_TCP_BIND="", **FS) == unsandboxed


@pytest.mark.parametrize("variables,message", [
    ({"LL_TCP_BIND": "abc"}, "Failed to parse port at \"abc\""),
    ({"LL_TCP_CONNECT": "70000"}, "Failed to update the ruleset with port \"70000\""),
    ({"LL_SCOPED": "x"}, "Unknown or duplicate scope \"x\""),
    ({"LL_SCOPED": "a:a"}, "Unknown or duplicate scope \"a\""),
    # As the kernel sample (issue 14.5): an empty scope item is an error, and
    # -1 parses (strtoull) and is refused as a port.
    ({"LL_SCOPED": "s:"}, "Unknown or duplicate scope \"\""),
    ({"LL_SCOPED": "a::s"}, "Unknown or duplicate scope \"\""),
    ({"LL_TCP_BIND": "-1"}, "Failed to update the ruleset with port \"18446744073709551615\": Invalid argument"),
    ({"LL_FORCE_LOG": "2"}, "Unknown value for LL_FORCE_LOG (only \"1\" is handled)"),
])
def test_sandboxer_errors(variables, message):
    result = sandboxer("true", **FS, **variables)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr


def test_sandboxer_filesystem_and_environment(tmp_path):
    (tmp_path / "ro.txt").write_text("x")
    writable = tmp_path / "rw"
    writable.mkdir()
    result = sandboxer_probe(f"read={tmp_path / 'ro.txt'}", f"write={writable / 'f'}", f"write={tmp_path / 'no'}",
                             LL_FS_RO="/", LL_FS_RW=f"{writable}:/dev")
    assert result == ["ok", "ok", "EACCES"]
    env = sandboxer("sh", "-c", "env | grep ^LL_ || echo none", **FS, LL_TCP_BIND="", LL_SCOPED="s")
    assert env.returncode == 0 and env.stdout.strip() == "none"
    failed = sandboxer("netfence-no-such-command", **FS)
    assert failed.returncode == 1 and "Failed to execute \"netfence-no-such-command\"" in failed.stderr


# As the kernel sample (issue 14.5): an empty path item (an empty PATH entry,
# a leading or trailing colon) warns and the command runs.
@pytest.mark.parametrize("ro", [":/", "/:", "/::/usr"])
def test_sandboxer_empty_path_items(ro):
    result = sandboxer("true", LL_FS_RO=ro, LL_FS_RW="/tmp")
    assert result.returncode == 0, result.stderr
    assert 'Failed to open "": No such file or directory' in result.stderr
    assert "Invalid argument" not in result.stderr


# As the kernel sample (issue 14.5): paths are opened, added and closed one at
# a time, so many of them fit under a low open-files limit.
def test_sandboxer_many_paths_under_a_low_descriptor_limit():
    ro = ":".join(["/usr", "/etc"] * 40 + ["/"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LL_")}
    env.update(LL_FS_RO=ro, LL_FS_RW="/tmp")
    result = subprocess.run(["sh", "-c", f'ulimit -n 24; exec "{CLI}" sandboxer true'], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Too many open files" not in result.stderr


@needs_scopes
def test_sandboxer_scoped_signal():
    assert sandboxer_probe(f"kill={os.getpid()}", LL_SCOPED="s", **FS) == ["EPERM"]
    assert sandboxer_probe(f"kill={os.getpid()}", **FS) == ["ok"]


def test_status_json_with_a_low_open_file_limit(tmp_path):
    # The report file is moved out of the way of socket activation without
    # needing descriptors above 1024 (the common soft limit).
    report = tmp_path / "status.json"
    result = subprocess.run(["sh", "-c", f'ulimit -n 64; exec "{CLI}" run --bind-tcp 0 --status-json "{report}" -- true'],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text())["schema"] == "netfence-status/1"


# Issue 14.1: the sandboxed command ends the listen supervisor (kill, or, with
# signals scoped, a CPU limit of 0 while it keeps it busy), then tries to
# install a seccomp notification listener of its own to answer listen() with
# CONTINUE. The filter refuses the listener; listen() elsewhere keeps failing.
SUPERVISOR_ATTACK = textwrap.dedent("""
    import ctypes, errno, json, os, resource, signal, socket, struct, sys, time
    report, allowed, other, scoped = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"

    def find(node):
        if isinstance(node, dict):
            if node.get("supervisor_pid"):
                return node["supervisor_pid"]
            node = list(node.values())
        if isinstance(node, list):
            for value in node:
                found = find(value)
                if found:
                    return found
        return None

    def alive(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except OSError:
            return False

    pid = find(json.load(open(report)))
    if not pid:
        sys.exit("no supervisor pid in the report")
    a = socket.socket()
    a.bind(("127.0.0.1", allowed))
    a.listen(4)
    b = socket.socket()
    b.bind(("127.0.0.1", other))
    if not scoped:
        os.kill(pid, signal.SIGKILL)
    else:
        try:
            os.kill(pid, signal.SIGKILL)
            sys.exit("the signal scope let the command kill the supervisor")
        except PermissionError:
            pass
        resource.prlimit(pid, resource.RLIMIT_CPU, (0, 0))
        deadline = time.monotonic() + 5
        while alive(pid) and time.monotonic() < deadline:
            try:
                a.listen(4)
            except OSError:
                pass
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    if alive(pid):
        sys.exit("the supervisor is still alive")
    numbers = {"x86_64": (317, 50), "aarch64": (277, 201)}[os.uname().machine]
    LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
    code = struct.pack("HBBI" * 4, LD_W_ABS, 0, 0, 0, JEQ_K, 0, 1, numbers[1], RET_K, 0, 0, 0x7FC00000, RET_K, 0, 0, 0x7FFF0000)
    program = ctypes.create_string_buffer(code)
    fprog = struct.pack("HxxxxxxQ", 4, ctypes.addressof(program))
    libc = ctypes.CDLL(None, use_errno=True)
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog)
    rc = libc.syscall(numbers[0], 1, 8, ctypes.c_char_p(fprog))
    if rc >= 0:
        print("a notification listener of the command's own was installed")
        sys.exit(3)
    err = ctypes.get_errno()
    try:
        b.listen(4)
        print("listen() on a port the rules do not allow succeeded")
        sys.exit(4)
    except OSError as e:
        print("listen elsewhere:", errno.errorcode.get(e.errno))
    print("listener refused:", errno.errorcode.get(err))
    sys.exit(0 if err == errno.EACCES else 5)
""")


@needs_tcp
@pytest.mark.parametrize("scoped", [False, pytest.param(True, marks=needs_scopes)])
def test_supervisor_cannot_be_replaced(scoped, tmp_path):
    if os.uname().machine not in ("x86_64", "aarch64"):
        pytest.skip("the attack's syscall numbers are written for x86_64 and aarch64")
    allowed, other = free_port(), free_port()
    report = tmp_path / "status.json"
    scope = ["--scope", "signal"] if scoped else []
    result = run("run", "--listen-tcp", str(allowed), "--bind-tcp", f"{allowed},{other}", *scope, "--hard",
                 "--status-json", str(report), "--", PY, "-c", SUPERVISOR_ATTACK, str(report), str(allowed), str(other),
                 "1" if scoped else "0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "listener refused: EACCES" in result.stdout
    assert "listen elsewhere: ENOSYS" in result.stdout
    # No outside client reaches the port the command tried to listen on.
    with socket.socket() as client:
        assert client.connect_ex(("127.0.0.1", other)) != 0


# Issue 14.2: the README's example as root (CAP_NET_RAW kept): raw IP and
# packet sockets, which can reach TCP ports around the TCP rules, are refused.
RAW_SOCKETS = textwrap.dedent("""
    import socket
    for family, kind, protocol in [(2, 3, 6), (2, 3, 255), (10, 3, 6), (17, 3, 0x0300), (17, 2, 0x0800)]:
        try:
            socket.socket(family, kind, protocol).close()
            print("created", family, kind, protocol)
        except PermissionError:
            print("denied", family, kind, protocol)
""")


@needs_tcp
def test_raw_and_packet_sockets_are_tcp_bypasses():
    if os.geteuid() != 0:
        pytest.skip("raw and packet sockets need CAP_NET_RAW (root)")
    control = subprocess.run([PY, "-c", RAW_SOCKETS], capture_output=True, text=True, timeout=60)
    assert control.stdout.count("created") == 5, control.stdout + control.stderr
    result = run("run", "--connect-tcp", "443", "--bind-tcp", "", "--status", "--", PY, "-c", RAW_SOCKETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("denied") == 5, result.stdout
    assert field(result.stderr, "TCP bypasses").startswith("denied")
    # Named explicitly, a raw socket is allowed again.
    allowed = run("run", "--connect-tcp", "443", "--bind-tcp", "", "--allow-socket", "tcp",
                  "--allow-socket", "inet:raw:tcp", "--allow-socket", "inet6:raw:tcp",
                  "--allow-socket", "inet:raw:255", "--allow-socket", "packet", "--", PY, "-c", RAW_SOCKETS)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.count("created") == 5, allowed.stdout


# Issue 14.7: under an existing seccomp filter, --hard with per-port listen
# rules fails and the hint names the real cause (the listen supervisor), not
# an old kernel.
def test_hard_listen_rules_under_an_existing_filter():
    result = run("run", "--no-network", "--", CLI, "run", "--hard", "--listen-tcp", "1", "--bind-tcp", "1", "--", "true")
    assert result.returncode == 125, result.stderr
    assert "seccomp filter(s) are already attached" in result.stderr
    assert "hint: the per-port listen supervisor could not start" in result.stderr
    assert "too old" not in result.stderr


# Issue 14.7: --soft enforces nothing when the kernel lacks something, but a
# listen supervisor that cannot start (an existing filter) is decided later
# and stricter: every listen() denied, the rest enforced (docs/cli.md says so).
def test_soft_with_a_supervisor_that_cannot_start():
    result = run("run", "--no-network", "--", CLI, "run", "--soft", "--listen-tcp", "1", "--bind-tcp", "1", "--status", "--", "true")
    assert result.returncode == 0, result.stderr
    assert field(result.stderr, "enforcement").startswith("partial")
    assert field(result.stderr, "listen TCP").startswith("every listen() denied (the per-port supervisor could not start")
