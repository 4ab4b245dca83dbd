# SPDX-License-Identifier: MIT
"""Policy text (issue 17, first part): Ruleset.add_policy() and
Ruleset.from_policy_file(), the tool's own parser through
netfence_ruleset_add_policy(). Nothing here restricts this process: every
restrict_self() runs in a child (run_python)."""
import json
import os
import subprocess
import textwrap

import pytest

import netfence
from conftest import ROOT, require_abi, run_python
from netfence import AccessNet, InvalidArgumentError, Ruleset

CLI = os.path.join(ROOT, "build", "bin", "netfence")


def test_add_policy_adds_what_the_options_say():
    with Ruleset() as rs:
        assert rs.add_policy("# a client\nconnect-tcp = 443, 5432-5439\n\nbind-tcp =\n") is rs
        assert rs.add_policy(b"allow-socket = ip:stream\r\n") is rs


@pytest.mark.parametrize("text,message", [
    ("conect-tcp = 443\n", 'policy:1:1: unknown key "conect-tcp" (did you mean "connect-tcp"?)'),
    ("connect-tcp = 443\nbind-tcp = 70000\n", "policy:2:12: bind-tcp: port 70000 is out of range"),
    ("log-new-exec-on\n", "log-new-exec-on is a flag of restrict_self"),
    ("status\n", "status is about one run, not a policy"),
    (b"bind-tcp = 1\n\xff\n", "not UTF-8"),
])
def test_bad_policies_are_invalid_and_name_the_place(text, message):
    with Ruleset() as rs:
        with pytest.raises(InvalidArgumentError) as info:
            rs.add_policy(text)
        assert message in str(info.value)


def test_a_policy_adds_to_the_ruleset_and_keeps_its_level():
    code = textwrap.dedent("""
        import netfence
        from netfence import Compat, Scope
        rs = netfence.Ruleset().set_scope(Scope.SIGNAL).set_compat(Compat.HARD_REQUIREMENT)
        rs.add_policy("scope = abstract-unix\\nhard\\n")          # the same level: accepted
        try:
            rs.add_policy("best-effort\\n")
        except netfence.InvalidArgumentError as e:
            print("refused:", "contradicts the ruleset's compatibility level" in str(e))
    """)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused: True", result.stdout


def test_a_policy_is_added_whole_or_not_at_all(tmp_path):
    # The second path does not exist: nothing of the policy is added, so the
    # ruleset still handles nothing (restrict_self refuses it before acting).
    code = textwrap.dedent(f"""
        import errno, netfence
        rs = netfence.Ruleset()
        try:
            rs.add_policy("bind-tcp = 1\\nro = /\\nro = {tmp_path}/absent\\n")
        except netfence.NetFenceError as e:
            print("add", errno.errorcode[e.errno])
        try:
            rs.restrict_self()
        except netfence.InvalidArgumentError as e:
            print("restrict", "handles nothing" in str(e))
    """)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["add ENOENT", "restrict True"], result.stdout


def test_a_policy_restricts_a_child_as_the_tool_does(tmp_path):
    require_abi(4, "TCP port rules, Linux 6.7")
    path = tmp_path / "client.policy"
    import socket
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    allowed, denied = ports
    path.write_text(f"connect-tcp = 443\nbind-tcp = {allowed}\nallow-socket = tcp  # both families\n")
    code = textwrap.dedent("""
        import errno, json, socket, sys, netfence
        rs = netfence.Ruleset.from_policy_file(sys.argv[1])
        report = json.loads(rs.restrict_self().format("json"))
        def attempt(fn):
            try:
                fn(); return "ok"
            except OSError as e:
                return errno.errorcode[e.errno]
        print(json.dumps({"report": report,
                          "allowed": attempt(lambda: socket.socket().bind(("127.0.0.1", int(sys.argv[2])))),
                          "denied": attempt(lambda: socket.socket().bind(("127.0.0.1", int(sys.argv[3])))),
                          "udp": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))}))
    """)
    result = run_python(code, str(path), str(allowed), str(denied))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["allowed"], out["denied"], out["udp"]) == ("ok", "EACCES", "EACCES")
    # The tool reads the same file with the same parser: the same rules.
    if not os.access(CLI, os.X_OK):
        pytest.fail(f"{CLI} is not built (make test builds it)")
    tool = subprocess.run([CLI, "run", "--policy", str(path), "--status-json", "-", "true"],
                          capture_output=True, text=True, timeout=60)
    assert tool.returncode == 0, tool.stderr
    theirs = json.loads(tool.stdout)
    for part in (("landlock", "net"), ("seccomp", "sockets")):
        assert out["report"][part[0]][part[1]] == theirs[part[0]][part[1]], part
