# SPDX-License-Identifier: MIT
"""`netfence run` for people (issue 15): never weaker than asked without
saying so, options that add up, the command without `--`, the filesystem
options, the report and its JSON, completions, and the docs in agreement.
Every sandbox is the tool's own process, run as a subprocess."""
import json
import os
import pty
import re
import shutil
import socket
import subprocess
import sys

import pytest

from netfence_expect import landlock_abi
from test_cli import CLI, PY, ROOT, field, probe, run

ABI = landlock_abi()
needs_tcp = pytest.mark.needs_landlock_abi(4, "TCP port rules (Linux 6.7)")


def listener():
    """A listening TCP socket on 127.0.0.1 (closed with the test)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    return server


def report_json(*options, env=None):
    """The JSON report of `netfence run OPTIONS true`, and the run."""
    result = run("run", *options, "--status-json", "-", "true", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result


def lower_abi(abi):
    """An environment where the test build of the tool sees Landlock ABI `abi`."""
    env = dict(os.environ)
    env["NETFENCE_TEST_ABI"] = str(abi)
    return env


# Never weaker than asked, silently.

def test_a_shortfall_is_one_warning_naming_the_option():
    env = lower_abi(9) if ABI >= 10 else None
    abi = min(ABI, 9)
    result = run("run", "--bind-udp", "53", "--connect-tcp", "443", "true", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"netfence: warning: --bind-udp 53 is not in force: needs Landlock ABI 10 (Linux 7.2), "
                             f"this kernel has {abi}\n")
    # Before the command runs: the command's own output comes after.
    ordered = run("run", "--bind-udp", "53", "sh", "-c", "echo command >&2", env=env)
    assert ordered.stderr.index("warning") < ordered.stderr.index("command")
    assert run("run", "--bind-udp", "53", "--quiet", "true", env=env).stderr == ""
    assert run("run", "--connect-tcp", "443", "true").stderr == ""  # nothing missing, nothing said


def test_every_missing_piece_has_its_line():
    # An ABI 3 kernel: no TCP rights (ABI 4), no ioctl_dev (5), scopes (6),
    # logging (7). One line each, naming the option.
    result = run("run", "--connect-tcp", "443", "--bind-tcp", "", "--rox", "/", "--scope", "signal",
                 "--log-new-exec-on", "true", env=lower_abi(3))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines == [
        "netfence: warning: --bind-tcp '' is not in force: needs Landlock ABI 4 (Linux 6.7), this kernel has 3",
        "netfence: warning: --connect-tcp 443 is not in force: needs Landlock ABI 4 (Linux 6.7), this kernel has 3",
        "netfence: warning: the ioctl_dev restriction of --rox is not in force: needs Landlock ABI 5 (Linux 6.10), this kernel has 3",
        "netfence: warning: --scope signal is not in force: needs Landlock ABI 6 (Linux 6.12), this kernel has 3",
        "netfence: warning: --log-new-exec-on is not in force: needs Landlock ABI 7 (Linux 6.15), this kernel has 3",
    ], result.stderr


def test_strict_refuses_any_shortfall_and_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    env = lower_abi(9) if ABI >= 10 else None
    result = run("run", "--strict", "--bind-udp", "53", "--connect-tcp", "443", "touch", str(marker), env=env)
    assert result.returncode == 125, result.stderr
    assert not marker.exists()
    assert "netfence: error: --bind-udp 53 is not in force: needs Landlock ABI 10" in result.stderr
    assert "nothing was applied and the command was not run" in result.stderr
    # With nothing missing, --strict runs the command.
    assert run("run", "--strict", "--connect-tcp", "443", "touch", str(marker)).returncode == 0 and marker.exists()
    # --strict is the hard level: not combined with another.
    assert run("run", "--strict", "--soft", "--connect-tcp", "443", "true").returncode == 64


def test_strict_names_the_listen_option_when_the_supervisor_cannot_start():
    # Under an existing seccomp filter the per-port supervisor cannot start.
    result = run("run", "--no-network", CLI, "run", "--strict", "--allow-socket", "tcp", "--listen-tcp", "1", "true")
    assert result.returncode == 125, result.stderr
    assert "netfence: --listen-tcp 1 cannot be enforced port by port" in result.stderr
    best = run("run", "--no-network", CLI, "run", "--allow-socket", "tcp", "--listen-tcp", "1", "true")
    assert best.returncode == 0
    assert ("netfence: warning: --listen-tcp 1 (port by port) is not in force: the listen() supervisor could not run: "
            "every listen() is denied (fail closed)") in best.stderr


def test_sandboxer_warns_about_what_its_downgrade_leaves_out():
    env = lower_abi(3)
    env.update(LL_FS_RO="/", LL_FS_RW="/dev/null", LL_TCP_BIND="80", LL_TCP_CONNECT="443", LL_SCOPED="s")
    result = subprocess.run([CLI, "sandboxer", "true"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    for line in ["netfence: warning: LL_TCP_BIND 80 is not in force: needs Landlock ABI 4 (Linux 6.7), this kernel has 3",
                 "netfence: warning: LL_TCP_CONNECT 443 is not in force: needs Landlock ABI 4 (Linux 6.7), this kernel has 3",
                 "netfence: warning: LL_SCOPED s is not in force: needs Landlock ABI 6 (Linux 6.12), this kernel has 3",
                 "netfence: warning: the ioctl_dev restriction of LL_FS_RO, LL_FS_RW is not in force: needs Landlock ABI 5 (Linux 6.10), this kernel has 3"]:
        assert line in result.stderr.splitlines(), result.stderr


@pytest.mark.parametrize("options,option,kind", [
    (["--no-network", "--connect-tcp", "443"], "--connect-tcp 443", "--no-network denies creating TCP sockets"),
    (["--no-network", "--listen-tcp", "8080"], "--listen-tcp 8080", "--no-network denies creating TCP sockets"),
    (["--allow-socket", "unix", "--bind-tcp", "80"], "--bind-tcp 80", "--allow-socket allows no TCP socket"),
    (["--allow-socket", "tcp", "--connect-udp", "53"], "--connect-udp 53", "--allow-socket allows no UDP socket"),
])
def test_port_rules_that_can_never_be_used_are_usage_errors(options, option, kind):
    result = run("run", *options, "true")
    assert result.returncode == 64, result.stderr
    assert f"netfence: {option} can never be used: {kind}" in result.stderr
    assert "hint: add --allow-socket" in result.stderr


@needs_tcp
def test_port_rules_with_their_socket_kind_allowed():
    server = listener()
    port = server.getsockname()[1]
    with server:
        assert probe(["--no-network", "--allow-socket", "tcp", "--connect-tcp", str(port)],
                     f"connect={port}", "udp") == ["ok", "EACCES"]
    # An empty port list allows no port: no socket kind needed.
    assert run("run", "--no-network", "--connect-tcp", "", "true").returncode == 0


def test_ip_and_tcp_cover_both_families():
    six = socket.has_ipv6 and os.path.exists("/proc/net/if_inet6")
    if not six:
        pytest.skip("this host has no IPv6")
    code = ("import socket\n"
            "def make(f, t):\n"
            "    try: socket.socket(f, t).close(); return 'ok'\n"
            "    except OSError: return 'denied'\n"
            "print(make(socket.AF_INET, socket.SOCK_STREAM), make(socket.AF_INET6, socket.SOCK_STREAM),"
            " make(socket.AF_INET6, socket.SOCK_DGRAM))")
    def kinds(spec):
        result = run("run", "--allow-socket", spec, "--allow-socket", "unix", PY, "-c", code)
        assert result.returncode == 0, result.stderr
        return result.stdout.split()
    assert kinds("inet:stream") == ["ok", "denied", "denied"]
    assert kinds("ip:stream") == ["ok", "ok", "denied"]
    assert kinds("tcp") == ["ok", "ok", "denied"]
    assert kinds("ip") == ["ok", "ok", "ok"]


# Options that behave like the rest of the ecosystem.

@needs_tcp
def test_repeated_port_options_add_up():
    first, second, third = listener(), listener(), listener()
    ports = [s.getsockname()[1] for s in (first, second, third)]
    with first, second, third:
        result = probe(["--connect-tcp", str(ports[0]), f"--connect-tcp={ports[1]}"],
                       *[f"connect={p}" for p in ports])
    assert result == ["ok", "ok", "EACCES"]


# Each list option, given twice in both spellings: the report counts both values.
@pytest.mark.parametrize("option,first,second,count", [
    ("--bind-tcp", "1", "2", lambda r: r["landlock"]["net"]["port_rules"]),
    ("--connect-tcp", "1", "2", lambda r: r["landlock"]["net"]["port_rules"]),
    ("--allow-socket", "unix", "inet:dgram", lambda r: r["seccomp"]["sockets"]["allow_rules"]),
    ("--ro", "/usr", "/etc", lambda r: r["landlock"]["fs"]["path_rules"]),
    ("--rox", "/usr", "/etc", lambda r: r["landlock"]["fs"]["path_rules"]),
    ("--rw", "/usr", "/etc", lambda r: r["landlock"]["fs"]["path_rules"]),
    ("--rwx", "/usr", "/etc", lambda r: r["landlock"]["fs"]["path_rules"]),
    ("--scope", "signal", "abstract-unix", lambda r: len(r["landlock"]["scopes"]["requested"])),
    ("--keep-caps", "chown", "kill", lambda r: len(r["capabilities"]["kept"])),
])
def test_every_list_option_adds_up(option, first, second, count):
    if option == "--keep-caps" and os.geteuid() != 0:
        pytest.skip("dropping capabilities needs root")
    # --ro and --rw allow no executing: `true` runs from a third path rule.
    runnable = ["--rox", "/"] if option in ("--ro", "--rw") else []
    for spelling in ([option, first, option, second], [f"{option}={first}", option, second],
                     [option, first, f"{option}={second}"]):
        report, _ = report_json(*spelling, *runnable)
        assert count(report) == 2 + len(runnable) // 2, (spelling, report)


@pytest.mark.parametrize("option", ["--bind-udp", "--connect-udp"])
def test_repeated_udp_options_add_up(option):
    # Without UDP rights in the kernel (before ABI 10) the warning names both
    # values; with them, the kernel has both rules.
    report, result = report_json(option, "1", f"{option}=2")
    if ABI >= 10:
        assert report["landlock"]["net"]["port_rules"] == 2
    else:
        assert f"netfence: warning: {option} 1,2 is not in force" in result.stderr


@needs_tcp
def test_repeated_listen_tcp_options_add_up():
    ports = []
    for _ in range(3):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    result = probe(["--allow-socket", "tcp", "--listen-tcp", str(ports[0]), f"--listen-tcp={ports[1]}"],
                   *[f"listen={p}" for p in ports])
    assert result == ["ok", "ok", "EACCES"]


def test_repeated_listen_options_add_up():
    result = run("run", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0", "--no-network", "sh", "-c", 'echo "$LISTEN_FDS"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"


def test_the_command_without_double_dash():
    result = run("run", "--no-network", "--connect-tcp", "", "echo", "--no-network", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "--no-network hello\n"
    # `--` is still accepted, and needed only for a command that starts with `-`.
    assert run("run", "--no-network", "--", "echo", "hi").stdout == "hi\n"
    unknown = run("run", "--no-network", "-weird")
    assert unknown.returncode == 64 and "-weird" in unknown.stderr


def test_filesystem_options_grant_fixed_rights(tmp_path):
    tool = shutil.which("true")
    area = tmp_path / "area"
    area.mkdir()
    (area / "file").write_text("x")
    script = area / "script"
    shutil.copy(tool, script)
    # The programs and their libraries: executable everywhere but `area`.
    lib = [arg for d in ("/usr", "/lib", "/lib64", "/bin", "/etc") if os.path.exists(d) for arg in ("--rox", d)]

    def outcome(option):
        code = run("run", *lib, option, str(area), str(script)).returncode
        read = run("run", *lib, option, str(area), "cat", str(area / "file")).returncode
        write = run("run", *lib, option, str(area), "touch", str(area / "new")).returncode
        return code == 0, read == 0, write == 0
    assert outcome("--ro") == (False, True, False)
    assert outcome("--rox") == (True, True, False)
    assert outcome("--rw") == (False, True, True)
    assert outcome("--rwx") == (True, True, True)


def test_filesystem_rights_do_not_depend_on_the_kernel():
    # The same handled set on every kernel: what one lacks is reported, not silently left out.
    report, current = report_json("--rox", "/")
    old, result = report_json("--rox", "/", env=lower_abi(2))
    assert old["landlock"]["fs"]["requested"] == report["landlock"]["fs"]["requested"]
    # Landlock ABI 1 to 5: resolve_unix (ABI 9) is not among them in 0.2.
    assert len(report["landlock"]["fs"]["requested"]) == 16 and "resolve_unix" not in report["landlock"]["fs"]["requested"]
    if ABI >= 5:
        assert current.stderr == ""  # every right of the set is in force: no warning
    assert "truncate" not in old["landlock"]["fs"]["enforced"]
    assert "netfence: warning: the truncate restriction of --rox is not in force" in result.stderr


def test_status_json_to_several_places(tmp_path):
    # Repeated, as every option with a value: the report goes to each file.
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    result = run("run", "--no-network", "--status-json", str(first), f"--status-json={second}", "--status-json", "-", "true")
    assert result.returncode == 0, result.stderr
    assert json.loads(first.read_text()) == json.loads(second.read_text()) == json.loads(result.stdout)
    # --strict refuses before any file is created.
    refused = tmp_path / "refused.json"
    strict = run("run", "--strict", "--bind-tcp", "1", "--status-json", str(refused), "true", env=lower_abi(3))
    assert strict.returncode == 125 and not refused.exists()


def test_status_json_to_stdout_and_pretty(tmp_path):
    result = run("run", "--no-network", "--status-json", "-", "echo", "after")
    assert result.returncode == 0, result.stderr
    report, rest = result.stdout.split("\n", 1)
    assert json.loads(report)["schema"] == "netfence-status/1" and rest == "after\n"
    pretty = run("run", "--no-network", "--status-json", "-", "--pretty", "true").stdout
    assert pretty.startswith('{\n  "schema": "netfence-status/1",\n') and json.loads(pretty)
    to_file = tmp_path / "report.json"
    assert run("run", "--no-network", "--status-json", str(to_file), "true").returncode == 0
    assert to_file.read_text().count("\n") == 1
    # A terminal on stdout: indented.
    leader, follower = pty.openpty()
    with os.fdopen(leader, "rb", buffering=0) as terminal:
        process = subprocess.Popen([CLI, "run", "--no-network", "--status-json", "-", "true"], stdout=follower,
                                   stderr=subprocess.PIPE)
        os.close(follower)
        assert process.wait(timeout=60) == 0
        out = b""
        while True:
            try:
                chunk = terminal.read(4096)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            out += chunk
    assert out.replace(b"\r\n", b"\n").startswith(b'{\n  "schema"'), out[:80]


def test_version_and_usage():
    version = run("--version")
    assert version.returncode == 0 and version.stdout == "netfence 0.2.0 (built for Landlock ABI 10)\n"
    bare = run()
    assert bare.returncode == 64 and bare.stdout == "" and "USAGE: netfence <subcommand>" in bare.stderr


def test_messages_name_the_options():
    nothing = run("run", "--", "true")
    assert nothing.returncode == 125
    assert "nothing to restrict" in nothing.stderr and "--no-network" in nothing.stderr
    assert "handle a network" not in nothing.stderr
    assert run("run", "--scope", "", "true").returncode == 125  # no scope: nothing to restrict
    missing = run("run", "--ro", "/nonexistent/netfence", "true")
    assert missing.returncode == 125 and missing.stderr.startswith("netfence: --ro /nonexistent/netfence: ")
    caps = run("run", "--keep-caps", "cap_bogus", "true")
    assert caps.stderr.startswith("netfence: --keep-caps cap_bogus: ")


def test_shell_completions():
    bash = run("--generate-completion-script", "bash").stdout
    completed = subprocess.run(["bash", "-c", bash + "\nCOMP_WORDS=(netfence run --r); COMP_CWORD=2;"
                                " _netfence netfence --r run; echo \"${COMPREPLY[@]}\""],
                               capture_output=True, text=True, timeout=60)
    assert completed.stdout.split() == ["--ro", "--rox", "--rw", "--rwx"], completed.stderr
    for shell, check in (("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])):
        if shutil.which(shell) is None:
            pytest.skip(f"{shell} is not installed (tools/deps.sh installs it)")
        script = run("--generate-completion-script", shell).stdout
        syntax = subprocess.run([*check], input=script, capture_output=True, text=True, timeout=60)
        assert syntax.returncode == 0, (shell, syntax.stderr)
    fish = run("--generate-completion-script", "fish").stdout
    completed = subprocess.run(["fish", "-c", "source; complete -C 'netfence run --conn'"], input=fish,
                               capture_output=True, text=True, timeout=60)
    assert [line.split("\t")[0] for line in completed.stdout.splitlines()] == ["--connect-tcp", "--connect-udp"], completed


# A report a person can read.

def test_report_has_headings_plain_words_and_ports_as_given():
    env = lower_abi(9) if ABI >= 10 else None
    result = run("run", "--connect-tcp", "80,443,8000-8100", "--bind-tcp", "", "--listen-tcp", "", "--bind-udp", "53",
                 "--allow-socket", "ip", "--status", "true", env=env)
    assert result.returncode == 0, result.stderr
    text = result.stderr
    lines = text.splitlines()
    headings = [line.split(" ")[0] for line in lines if line and not line.startswith(" ")]
    assert [h for h in headings if h in ("Landlock", "Seccomp", "Capabilities:", "Not")] == \
        ["Landlock", "Seccomp", "Capabilities:", "Not"], text
    assert field(text, "connect TCP") == "restricted, allowed ports: 80,443,8000-8100"
    assert field(text, "bind TCP") == "restricted, no port allowed"
    assert field(text, "bind UDP") == "NOT in force (see below)"
    assert field(text, "listen TCP") == "every listen() denied"
    assert field(text, "TCP fast open") == "refused (it connects without connect())"
    assert field(text, "socket creation") == "restricted to 2 allowed kinds"
    # listen is enforced by seccomp: it is reported under that heading.
    seccomp = next(i for i, line in enumerate(lines) if line.startswith("Seccomp filter:"))
    assert next(i for i, line in enumerate(lines) if "listen TCP:" in line) > seccomp
    # Plain words: no flag names joined with |, no "off".
    assert "|" not in text and "features" not in text and ": off" not in text
    assert "  bind UDP (Landlock): needs Landlock ABI 10 (Linux 7.2)" in text


def test_status_command_reads_as_words():
    text = run("status").stdout
    lines = text.splitlines()
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert [h.split(":")[0] for h in headings] == ["Landlock", "Seccomp", "System"], text
    # Each feature names the options that use it; listen is under seccomp, not Landlock.
    assert field(text, "bind TCP (--bind-tcp)") == ("yes" if ABI >= 4 else
                                                     f"no: needs Landlock ABI 4 (Linux 6.7), this kernel has {ABI}")
    if ABI < 10:
        assert field(text, "bind UDP (--bind-udp)") == f"no: needs Landlock ABI 10 (Linux 7.2), this kernel has {ABI}"
    seccomp = lines.index("Seccomp")
    assert next(i for i, line in enumerate(lines) if "listen TCP (--listen-tcp)" in line) > seccomp
    assert "listen_tcp" not in text and "connect_send_udp" not in text
    pretty = run("status", "--json", "--pretty").stdout
    assert pretty.startswith('{\n  "landlock": {\n') and json.loads(pretty)["landlock"]["abi"] == ABI


def test_demo_shows_the_report_and_names_the_denying_rule():
    release = os.path.join(ROOT, "build", "bin")
    if not all(os.path.exists(os.path.join(release, p)) for p in ("demo-server", "demo-client", "free-port")):
        pytest.fail("the demo programs are not built (make test builds them)")
    work = os.path.join(ROOT, "build", "demo-test", "bin")
    os.makedirs(work, exist_ok=True)
    for program in ("demo-server", "demo-client", "free-port"):
        shutil.copy(os.path.join(release, program), work)
    shutil.copy(CLI, os.path.join(work, "netfence"))
    result = subprocess.run(["sh", os.path.join(ROOT, "examples", "cli", "demo.sh"), work], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "== the client's enforcement report (netfence run --status)\nnetfence enforcement report\n" in out
    denied = [line for line in out.splitlines() if "DENIED" in line]
    assert len(denied) == 5, out
    assert all(re.search(r"DENIED \(.*\) by --(no-network|connect-tcp|allow-socket)", line) for line in denied), denied


# Docs in agreement.

def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def test_docs_agree_on_exit_codes_and_suites():
    readme, cli, man = read("README.md"), read("docs/cli.md"), read("man/netfence.1")
    for code in ("64", "125", "126", "127"):
        assert re.search(rf"\b{code}\b", readme), f"README.md does not mention exit status {code}"
        assert re.search(rf"\b{code}\b", cli), f"docs/cli.md does not mention exit status {code}"
        assert re.search(rf"^\.B {code}$", man, re.M), f"netfence(1) does not list exit status {code}"
    suites = re.findall(r'^suite "([a-z-]+)"', read("tests/run.sh"), re.M)
    test_line = readme[readme.index("make test     #"):]
    test_line = test_line[:test_line.index("\n\n")]
    listed = re.findall(r"[a-z][a-z-]*", test_line.split(":", 1)[1])
    assert [s for s in listed if s in suites] == suites, (listed, suites)
    assert "NETFENCE_TEST_ABI" not in man and "NETFENCE_CLI_FULL_PARSER" not in man
    assert "familys" not in cli + man + readme
