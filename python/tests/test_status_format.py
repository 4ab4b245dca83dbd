# SPDX-License-Identifier: MIT
"""The status report (netfence_status_format(), through Status.format() and
str(status)) of each layer combination: the status is made in a restricted
child process, its text and JSON are parsed back here and the JSON is
checked against the schema in docs/status-schema.json. What is enforced, seen
by probes, is tested in test_package_enforcement.py. The pytest process is
never restricted."""
import errno
import json
import os
import textwrap

import pytest

from conftest import ROOT, report_field, require_abi, run_python, skip_on_newer_kernel
from netfence import AccessNet, Compat

SCHEMA = os.path.join(ROOT, "docs", "status-schema.json")

# Builds the ruleset a JSON config describes, restricts the child with it and
# prints the status: its fields, its text and its JSON report, and the errno
# when restrict_self() failed (the status is then the exception's).
CHILD = textwrap.dedent("""
    import json, sys
    from netfence import AccessNet, NetFenceError, Ruleset
    config = json.loads(sys.argv[1])
    rs = Ruleset()
    if "compat" in config:
        rs.set_compat(config["compat"])
    if config.get("net"):
        rs.handle_net(config["net"])
        for port in config.get("bind_ports", []):
            rs.allow_port(AccessNet.BIND_TCP, port)
    if "keep_caps" in config:
        rs.keep_caps(config["keep_caps"])
    out = {"errno": 0}
    try:
        status = rs.restrict_self()
    except NetFenceError as error:
        out["errno"] = error.errno
        status = error.status
    out["status"] = status.to_dict()
    out["text"] = str(status)
    out["report"] = json.loads(status.format("json"))
    print(json.dumps(out))
""")

BIND, CONNECT, BIND_UDP = int(AccessNet.BIND_TCP), int(AccessNet.CONNECT_TCP), int(AccessNet.BIND_UDP)


def run_child(config):
    result = run_python(CHILD, json.dumps(config))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the status schema")
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_landlock_only(validator):
    abi = require_abi(4, "TCP port rules, Linux 6.7")
    out = run_child({"net": BIND | CONNECT, "bind_ports": [8080]})
    report = out["report"]
    validator.validate(report)
    assert out["errno"] == 0
    assert report["enforcement"] == "full"
    assert report["landlock"]["applied"] is True
    assert report["landlock"]["abi"] == abi
    assert report["landlock"]["net"]["requested"] == ["bind_tcp", "connect_tcp"]
    assert report["landlock"]["net"]["port_rules"] == 1
    assert report["capabilities"]["requested"] is False
    assert report["capabilities"]["kept"] is None
    assert report["no_new_privs"] is True
    assert report["threads"] == {"count": 1, "all_covered": True}
    assert report["not_in_force"] == []
    assert report_field(out["text"], "enforcement").startswith("full")
    assert "\nCapabilities: not changed\n" in out["text"]


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping every capability needs root")
def test_capabilities_only(validator):
    out = run_child({"keep_caps": ""})
    report = out["report"]
    validator.validate(report)
    assert out["errno"] == 0
    assert report["enforcement"] == "full"
    assert report["landlock"]["applied"] is False
    caps = report["capabilities"]
    assert caps["requested"] is True and caps["applied"] is True
    assert caps["kept"] == []
    for name in ("effective", "permitted", "inheritable", "bounding", "ambient"):
        assert caps[name] == [], name
    assert caps["securebits_locked"] is True
    assert "\nCapabilities: dropped\n" in out["text"] and report_field(out["text"], "kept") == "none"


@pytest.mark.skipif(os.geteuid() != 0, reason="keeping a capability needs root")
def test_both_layers_with_a_dropped_right(validator):
    abi = require_abi(4, "TCP port rules, Linux 6.7")
    out = run_child({"net": BIND | BIND_UDP, "keep_caps": "cap_net_bind_service"})
    report = out["report"]
    validator.validate(report)
    assert out["errno"] == 0
    assert report["capabilities"]["effective"] == ["cap_net_bind_service"]
    assert report["capabilities"]["bounding"] == ["cap_net_bind_service"]
    if abi < 10:
        assert report["enforcement"] == "partial"
        assert report["landlock"]["net"]["enforced"] == ["bind_tcp"]
        assert {"layer": "landlock.net", "item": "bind_udp",
                "reason": f"needs Landlock ABI 10 (Linux 7.2), this kernel has {abi}"} in report["not_in_force"]
        assert "\n  bind UDP (Landlock): needs Landlock ABI 10 (Linux 7.2)" in out["text"]
    else:
        # Nothing is dropped on this kernel: both rights are in force.
        assert report["enforcement"] == "full"
        assert report["landlock"]["net"]["enforced"] == ["bind_tcp", "bind_udp"]
        assert report["not_in_force"] == []


def test_soft_requirement_enforces_nothing(validator):
    abi = require_abi(4, "TCP port rules, Linux 6.7")
    if abi >= 10:
        skip_on_newer_kernel("UDP rights are supported (ABI 10): nothing is missing")
    out = run_child({"net": BIND | BIND_UDP, "compat": int(Compat.SOFT_REQUIREMENT)})
    report = out["report"]
    validator.validate(report)
    # Success, and nothing in force: the report says so, layer by layer.
    assert out["errno"] == 0
    assert report["enforcement"] == "none"
    assert report["no_new_privs"] is False
    assert report["landlock"]["applied"] is False
    assert report["landlock"]["net"]["requested"] == ["bind_tcp", "bind_udp"]
    assert report["landlock"]["net"]["enforced"] == [] and report["landlock"]["net"]["port_rules"] == 0
    assert report["seccomp"]["installed"] is False
    items = {(i["layer"], i["item"]) for i in report["not_in_force"]}
    assert items == {("landlock.net", "bind_tcp"), ("landlock.net", "bind_udp")}
    assert report_field(out["text"], "enforcement").startswith("none")
    assert report_field(out["text"], "no_new_privs") == "not set"


def test_hard_requirement_failure_is_reported(validator):
    abi = require_abi(4, "TCP port rules, Linux 6.7")
    if abi >= 10:
        skip_on_newer_kernel("UDP rights are supported (ABI 10): nothing is missing")
    out = run_child({"net": BIND | BIND_UDP, "compat": int(Compat.HARD_REQUIREMENT)})
    report = out["report"]
    validator.validate(report)
    assert out["errno"] == errno.EOPNOTSUPP
    assert report["enforcement"] == "undecided"
    assert report["landlock"]["applied"] is False
    assert report["landlock"]["abi"] == abi
    assert report["landlock"]["net"]["requested"] == ["bind_tcp", "bind_udp"]
    assert report["landlock"]["net"]["enforced"] == []
    assert report["no_new_privs"] is False
    assert report_field(out["text"], "enforcement").startswith("undecided")
