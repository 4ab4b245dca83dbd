# SPDX-License-Identifier: MIT
"""Policy files (issue 17, first part): `netfence run --policy FILE` and
`netfence policy check FILE`. The file holds run's own options, one per line;
each sandbox is the tool's own process, run as a subprocess."""
import json
import os
import socket

import pytest

from netfence_expect import landlock_abi
from test_cli import CLI, probe, run

ABI = landlock_abi()
needs_tcp = pytest.mark.needs_landlock_abi(4, "TCP port rules (Linux 6.7)")


def policy(tmp_path, text, name="p.policy"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


@needs_tcp
def test_a_policy_restricts_as_its_options_do(tmp_path):
    servers = [socket.socket(), socket.socket()]
    for server in servers:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
    allowed, other = (s.getsockname()[1] for s in servers)
    path = policy(tmp_path, f"# a client\nconnect-tcp = {allowed}\n\nbind-tcp =\nallow-socket = tcp  # both families\n")
    try:
        assert probe(["--policy", path], f"connect={allowed}", f"connect={other}", "udp") == ["ok", "EACCES", "EACCES"]
    finally:
        for server in servers:
            server.close()


def test_policies_add_to_the_command_line_and_to_each_other(tmp_path):
    first = policy(tmp_path, "connect-tcp = 1\nconnect-tcp = 2, 3-4\n", "a.policy")
    second = policy(tmp_path, "connect-tcp = 5\r\n", "b.policy")
    result = run("run", "--policy", first, f"--policy={second}", "--connect-tcp", "6", "--status-json", "-", "true")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["landlock"]["net"]["requested"] == ["connect_tcp"]
    assert report["landlock"]["net"]["port_rules"] == (6 if ABI >= 4 else 0)
    # Both files are read, in order, after the command line's options.
    check = run("policy", "check", first)
    assert check.stdout.startswith("connect-tcp = 1\nconnect-tcp = 2,3-4\n"), check.stdout


def test_policy_check_prints_the_policy_normalised(tmp_path):
    path = policy(tmp_path, "  allow-socket=ip:stream\t# ok\nconnect-tcp = 443 , 80\nbind-tcp =\nno-network\nstrict\n")
    result = run("policy", "check", path)
    assert result.returncode == 0, result.stderr
    # In the order of run's options, one value per line.
    policy_lines = "bind-tcp =\nconnect-tcp = 443,80\nallow-socket = ip:stream\nno-network\nstrict\n"
    assert result.stdout.startswith(policy_lines), result.stdout
    tail = result.stdout[len(policy_lines):]
    if ABI >= 4:
        assert tail == "# this kernel would enforce all of it\n"
    else:
        assert tail.startswith("# this kernel would not enforce:\n#   --bind-tcp '' is not in force")
        assert tail.endswith("# so under hard/strict, netfence run would refuse to run (exit 125)\n")


def test_policy_check_names_what_this_kernel_lacks(tmp_path):
    env = dict(os.environ, NETFENCE_TEST_ABI="9") if ABI >= 10 else None
    result = run("policy", "check", policy(tmp_path, "bind-udp = 53\n"), env=env)
    assert result.returncode == 0, result.stderr
    assert "# this kernel would not enforce:\n#   --bind-udp 53 is not in force: needs Landlock ABI 10 (Linux 7.2)" in result.stdout


@pytest.mark.parametrize("text,where,message", [
    ("conect-tcp = 443\n", "1:1", 'unknown key "conect-tcp"\nhint: did you mean "connect-tcp"?'),
    ("\n  --no-network\n", "2:3", '"--no-network": keys are option names without the dashes\nhint: write no-network\n'),
    ("no-network = yes\n", "1:1", "no-network takes no value"),
    ("connect-tcp\n", "1:1", "connect-tcp needs a value"),
    ("connect-tcp = 443\nbind-tcp = 10, 70000\n", "2:12", "bind-tcp: port 70000 is out of range"),
    ("connect-tcp = 100-90\n", "1:15", "connect-tcp: empty range 100-90"),
    ("allow-socket = inet:weird\n", "1:16", 'unknown type "weird"'),
    ("status\n", "1:1", "status is about one run, not a policy"),
    ("policy = other\n", "1:1", "policy is about one run, not a policy"),
])
def test_bad_policies_name_the_line_and_column_and_apply_nothing(tmp_path, text, where, message):
    marker = tmp_path / "ran"
    path = policy(tmp_path, text)
    result = run("run", "--policy", path, "touch", str(marker))
    assert result.returncode == 125, result.stderr
    assert result.stderr.startswith(f"netfence: {path}:{where}: "), result.stderr
    assert message in result.stderr
    assert not marker.exists()
    assert run("policy", "check", path).returncode == 125


@pytest.mark.parametrize("content,message", [
    (b"connect-tcp = 443\n\xff\xfe\n", "not UTF-8 text"),
    (b"# " + b"x" * 5000 + b"\n", ":1:1: line longer than 4096 bytes"),
    (b"# padding\n" * 110000, "larger than 1024 KiB: not a policy file"),
], ids=["not-utf8", "long-line", "too-big"])
def test_policies_that_are_not_text_or_too_big(tmp_path, content, message):
    result = run("run", "--policy", policy(tmp_path, content), "true")
    assert result.returncode == 125 and message in result.stderr, result.stderr


def test_a_policy_cannot_change_the_level_given(tmp_path):
    # --hard on the command line and best-effort in the file: a usage error, never a silent downgrade.
    lenient = policy(tmp_path, "connect-tcp = 443\nbest-effort\n")
    result = run("run", "--hard", "--policy", lenient, "true")
    assert result.returncode == 64 and "best-effort contradicts the compatibility level already given" in result.stderr
    both = policy(tmp_path, "soft\nhard\n", "both.policy")
    assert run("run", "--connect-tcp", "1", "--policy", both, "true").returncode == 64
    same = policy(tmp_path, "connect-tcp = 443\nhard\n", "same.policy")
    assert run("run", "--strict", "--policy", same, "true").returncode in (0, 125)  # one level: accepted


def test_policy_check_refuses_what_run_refuses(tmp_path):
    result = run("policy", "check", policy(tmp_path, "no-network\nconnect-tcp = 443\n"))
    assert result.returncode == 64 and "can never be used" in result.stderr


def test_a_hash_inside_a_value_is_not_a_comment(tmp_path):
    odd = tmp_path / "C#"
    odd.mkdir()
    result = run("policy", "check", policy(tmp_path, f"rox = /\nro = {odd}   # a comment\nbind-tcp = 1, 2 # ports\n"))
    assert result.returncode == 0, result.stderr
    assert f"ro = {odd}\n" in result.stdout and "bind-tcp = 1,2\n" in result.stdout


def test_a_missing_policy_file(tmp_path):
    result = run("run", "--policy", str(tmp_path / "absent"), "true")
    assert result.returncode == 125 and "--policy" in result.stderr and "No such file" in result.stderr
