# SPDX-License-Identifier: MIT
"""Reads include/netfence.h, the authoritative C ABI, so that the tests can
compare the Python binding with it. Nothing about the header is written here
by hand: names and prototypes are parsed from its text, and numbers (the
netfence_status layout, the macro values, the errno values of its closed
errno list) come from a C compiler that compiles a probe including it, so
they are what a C program built against the header gets."""
import functools
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from typing import Dict, List, NamedTuple, Optional, Tuple

INCLUDE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "include")
HEADER = os.path.join(INCLUDE, "netfence.h")

# #define NETFENCE_* that are not integer constants.
NOT_INTEGER_MACROS = ("NETFENCE_H", "NETFENCE_EXTERN", "NETFENCE_STATUS_INIT")


def text() -> str:
    with open(HEADER) as f:
        return f.read()


def _strip_comments(source: str) -> str:
    return re.sub(r"/\*.*?\*/", " ", source, flags=re.S)


def macro_names() -> List[str]:
    """Every integer NETFENCE_* macro the header defines, in order."""
    source = _strip_comments(text())
    names = re.findall(r"^#define\s+(NETFENCE_\w+)\b", source, flags=re.M)
    return [name for name in names if name not in NOT_INTEGER_MACROS]


def status_fields() -> List[Tuple[str, str]]:
    """The (name, C type) fields of netfence_status, in order."""
    match = re.search(r"typedef struct netfence_status \{(.*?)\} netfence_status;", text(), flags=re.S)
    assert match, "netfence_status not found in the header"
    body = _strip_comments(match.group(1))
    return [(name, kind) for kind, name in re.findall(r"\b(u?int(?:32|64)_t)\s+(\w+)\s*;", body)]


def errno_names() -> List[str]:
    """The errno names of the header's "Closed errno list" comment, each once,
    in order: every code a netfence function may return (negated)."""
    match = re.search(r"Closed errno list.*?\*/", text(), flags=re.S)
    assert match, "the closed errno list not found in the header"
    names: List[str] = []
    for name in re.findall(r"\bE[A-Z0-9]{2,}\b", match.group(0)):
        if name not in names:
            names.append(name)
    return names


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


class Field(NamedTuple):
    offset: int
    size: int
    signed: bool


class Compiled(NamedTuple):
    """What the C compiler makes of the header."""

    status_size: int  # sizeof(netfence_status)
    fields: Dict[str, Field]  # every netfence_status field, by name
    macros: Dict[str, int]  # every integer NETFENCE_* macro
    errnos: Dict[str, int]  # <errno.h>'s value of every name of the closed errno list


def compiler() -> Optional[List[str]]:
    """The C compiler command: $CC (as tests/run.sh and make pass it), else
    cc, gcc or clang from PATH; None when there is none."""
    if os.environ.get("CC"):
        return shlex.split(os.environ["CC"])
    for name in ("cc", "gcc", "clang"):
        if shutil.which(name):
            return [name]
    return None


def _probe_source() -> str:
    # Field signedness without typeof: store -1 and see whether it stays
    # negative (unsigned fields wrap to their maximum, which is defined C).
    lines = ["#include <errno.h>", "#include <stddef.h>", "#include <stdio.h>", '#include "netfence.h"',
             "int main(void)", "{", "\tnetfence_status probe;",
             '\tprintf("size %zu\\n", sizeof(netfence_status));']
    for name, _ in status_fields():
        lines.append(f"\tprobe.{name} = -1;")
        lines.append(f'\tprintf("field {name} %zu %zu %d\\n", offsetof(netfence_status, {name}), '
                     f"sizeof(probe.{name}), probe.{name} < 0);")
    for name in macro_names():
        # Print negative macros (NETFENCE_ANY) signed, the others unsigned
        # (bit 63 does not fit a long long).
        lines.append(f'\tif (({name}) < 0) printf("macro {name} %lld\\n", (long long)({name})); '
                     f'else printf("macro {name} %llu\\n", (unsigned long long)({name}));')
    for name in errno_names():
        lines.append(f'\tprintf("errno {name} %d\\n", {name});')
    lines += ["\treturn 0;", "}", ""]
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def compiled() -> Optional[Compiled]:
    """Compile and run a probe that includes the header; None without a C
    compiler. A header the compiler rejects fails the calling test."""
    command = compiler()
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="netfence-header-") as scratch:
        source = os.path.join(scratch, "probe.c")
        program = os.path.join(scratch, "probe")
        with open(source, "w") as f:
            f.write(_probe_source())
        build = subprocess.run([*command, "-std=c99", "-I", INCLUDE, source, "-o", program],
                               capture_output=True, text=True)
        assert build.returncode == 0, f"the header probe does not compile with {' '.join(command)}:\n{build.stderr}"
        run = subprocess.run([program], capture_output=True, text=True, check=True)
    size = 0
    fields: Dict[str, Field] = {}
    macros: Dict[str, int] = {}
    errnos: Dict[str, int] = {}
    for line in run.stdout.splitlines():
        kind, *values = line.split()
        if kind == "size":
            size = int(values[0])
        elif kind == "field":
            fields[values[0]] = Field(int(values[1]), int(values[2]), values[3] == "1")
        elif kind == "macro":
            macros[values[0]] = int(values[1])
        elif kind == "errno":
            errnos[values[0]] = int(values[1])
    return Compiled(size, fields, macros, errnos)
