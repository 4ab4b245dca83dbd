# SPDX-License-Identifier: MIT
"""Reads include/netfence.h (the authoritative C ABI) so that the tests can
compare the Python binding with it: macros, the netfence_status fields, and
every function's prototype."""
import os
import re
from typing import Dict, List, Tuple

HEADER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "include", "netfence.h")

SIZES = {"uint32_t": 4, "int32_t": 4, "uint64_t": 8}


def text() -> str:
    with open(HEADER) as f:
        return f.read()


def _strip_comments(source: str) -> str:
    return re.sub(r"/\*.*?\*/", " ", source, flags=re.S)


def macros() -> Dict[str, int]:
    """Every integer NETFENCE_* macro, evaluated."""
    source = _strip_comments(text()).replace("\\\n", " ")
    raw: Dict[str, str] = {}
    for match in re.finditer(r"^#define\s+(NETFENCE_\w+)[ \t]+(.+)$", source, flags=re.M):
        name, value = match.group(1), match.group(2).strip()
        if name in ("NETFENCE_EXTERN", "NETFENCE_STATUS_INIT"):
            continue
        raw[name] = value
    values: Dict[str, int] = {}

    def evaluate(name: str) -> int:
        if name not in values:
            expression = re.sub(r"UINT(?:32|64)_C\((\d+)\)", r"(\1)", raw[name])
            expression = re.sub(r"NETFENCE_\w+", lambda m: str(evaluate(m.group(0))), expression)
            if not re.fullmatch(r"[\d\s()<|+-]*", expression):
                raise ValueError(f"cannot evaluate {name}: {raw[name]}")
            values[name] = int(eval(expression, {"__builtins__": {}}))  # digits and operators only
        return values[name]

    for name in raw:
        evaluate(name)
    return values


def status_fields() -> List[Tuple[str, str]]:
    """The (name, C type) fields of netfence_status, in order."""
    match = re.search(r"typedef struct netfence_status \{(.*?)\} netfence_status;", text(), flags=re.S)
    assert match, "netfence_status not found in the header"
    body = _strip_comments(match.group(1))
    return [(name, kind) for kind, name in re.findall(r"\b(u?int(?:32|64)_t)\s+(\w+)\s*;", body)]


def status_size() -> int:
    """sizeof(netfence_status) computed from the field list (natural alignment)."""
    offset = 0
    alignment = 1
    for _, kind in status_fields():
        size = SIZES[kind]
        offset = (offset + size - 1) // size * size + size
        alignment = max(alignment, size)
    return (offset + alignment - 1) // alignment * alignment


def functions() -> Dict[str, Tuple[str, List[str]]]:
    """name -> (return type, [parameter types]) of every NETFENCE_EXTERN function."""
    source = _strip_comments(text())
    result: Dict[str, Tuple[str, List[str]]] = {}
    for match in re.finditer(r"^NETFENCE_EXTERN\s+([^;]*?)\b(netfence_\w+)\s*\(([^)]*)\)\s*;", source, flags=re.S | re.M):
        restype = " ".join(match.group(1).split())
        params = []
        for param in match.group(3).split(","):
            param = " ".join(param.split())
            if param == "void":
                continue
            # Drop the parameter name, keep the type ("char *const argv[]" -> "char *const []").
            param = re.sub(r"\s*\b\w+(\[\])?$", lambda m: " " + (m.group(1) or ""), param).strip()
            params.append(" ".join(param.replace("*", " * ").split()).replace("* *", "**").replace(" []", "[]"))
        result[match.group(2)] = (restype.replace("* ", "*").strip(), params)
    return result
