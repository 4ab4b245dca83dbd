# SPDX-License-Identifier: MIT
"""netfence_status_format(): text and JSON for each layer combination, made in
a restricted child process, parsed back here and checked against the JSON
schema in docs/status-schema.json. The pytest process is never restricted."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from test_smoke import load

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "docs", "status-schema.json")

CHILD = textwrap.dedent("""
    import ctypes, json, sys
    sys.path.insert(0, {tests!r})
    from test_smoke import Status, load
    lib = load()
    lib.netfence_ruleset_keep_caps.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.netfence_ruleset_set_compat.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.netfence_status_format.argtypes = [ctypes.POINTER(Status), ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p)]
    lib.netfence_free.argtypes = [ctypes.c_void_p]
    lib.netfence_free.restype = None
    config = json.loads(sys.argv[1])
    handle = ctypes.c_void_p()
    assert lib.netfence_ruleset_new(ctypes.byref(handle)) == 0
    if config.get("compat") is not None:
        assert lib.netfence_ruleset_set_compat(handle, config["compat"]) == 0
    if config.get("net"):
        assert lib.netfence_ruleset_handle_net(handle, config["net"]) == 0
        for port in config.get("bind_ports", []):
            assert lib.netfence_ruleset_allow_port(handle, 1, port) == 0
    if config.get("keep_caps") is not None:
        assert lib.netfence_ruleset_keep_caps(handle, config["keep_caps"].encode()) == 0
    status = Status(size=ctypes.sizeof(Status))
    rc = lib.netfence_ruleset_restrict_self(handle, 0, ctypes.byref(status))
    lib.netfence_ruleset_free(handle)
    out = {{"rc": rc}}
    for name, fmt in (("text", 0), ("json", 1)):
        text = ctypes.c_void_p()
        assert lib.netfence_status_format(ctypes.byref(status), fmt, ctypes.byref(text)) == 0
        out[name] = ctypes.string_at(text).decode()
        lib.netfence_free(text)
    print(json.dumps(out))
""")

BIND, CONNECT, BIND_UDP = 1, 2, 4


def run_child(config):
    code = CHILD.format(tests=os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code, json.dumps(config)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    out["report"] = json.loads(out["json"])
    return out


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema validates the status schema")
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def abi():
    value = load().netfence_landlock_abi()
    if value < 4:
        pytest.skip("these combinations need Landlock ABI 4 (TCP port rules)")
    return value


def test_landlock_only(validator, abi):
    out = run_child({"net": BIND | CONNECT, "bind_ports": [8080]})
    report = out["report"]
    validator.validate(report)
    assert out["rc"] == 0
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
    assert "enforcement: full" in out["text"]
    assert "capabilities: untouched" in out["text"]


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping every capability needs root")
def test_capabilities_only(validator, abi):
    out = run_child({"keep_caps": ""})
    report = out["report"]
    validator.validate(report)
    assert out["rc"] == 0
    assert report["enforcement"] == "full"
    assert report["landlock"]["applied"] is False
    caps = report["capabilities"]
    assert caps["requested"] is True and caps["applied"] is True
    assert caps["kept"] == []
    for name in ("effective", "permitted", "inheritable", "bounding", "ambient"):
        assert caps[name] == [], name
    assert caps["securebits_locked"] is True
    assert "capabilities: keep none, applied: yes" in out["text"]


@pytest.mark.skipif(os.geteuid() != 0, reason="keeping a capability needs root")
def test_both_layers_with_a_dropped_right(validator, abi):
    out = run_child({"net": BIND | BIND_UDP, "keep_caps": "cap_net_bind_service"})
    report = out["report"]
    validator.validate(report)
    assert out["rc"] == 0
    assert report["capabilities"]["effective"] == ["cap_net_bind_service"]
    assert report["capabilities"]["bounding"] == ["cap_net_bind_service"]
    if abi < 10:
        assert report["enforcement"] == "partial"
        assert report["landlock"]["net"]["enforced"] == ["bind_tcp"]
        assert {"layer": "landlock.net", "item": "bind_udp",
                "reason": f"needs Landlock ABI 10, the kernel has ABI {abi}"} in report["not_in_force"]
        assert "not in force: landlock.net bind_udp: needs Landlock ABI 10" in out["text"]
    else:
        assert report["enforcement"] == "full"


def test_soft_requirement_enforces_nothing(validator, abi):
    if abi >= 10:
        pytest.skip("UDP rights are supported: nothing is missing")
    out = run_child({"net": BIND | BIND_UDP, "compat": 1})
    report = out["report"]
    validator.validate(report)
    assert out["rc"] == 0
    assert report["enforcement"] == "none"
    assert report["no_new_privs"] is False
    assert report["landlock"]["applied"] is False
    items = {(i["layer"], i["item"]) for i in report["not_in_force"]}
    assert items == {("landlock.net", "bind_tcp"), ("landlock.net", "bind_udp")}


def test_hard_requirement_failure_is_reported(validator, abi):
    if abi >= 10:
        pytest.skip("UDP rights are supported: nothing is missing")
    out = run_child({"net": BIND | BIND_UDP, "compat": 2})
    report = out["report"]
    validator.validate(report)
    assert out["rc"] == -95  # -EOPNOTSUPP
    assert report["enforcement"] == "undecided"
    assert report["landlock"]["applied"] is False
    assert report["no_new_privs"] is False
