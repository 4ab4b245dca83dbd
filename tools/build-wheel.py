#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds the netfence wheel that needs no Swift toolchain: the Python package
of python/, the built C library inside it (netfence/libnetfence.so.0, loaded
before any other, see netfence/_ffi.py), and the static `netfence` tool as a
script (pip puts it on PATH). The wheel is tagged py3-none-linux_<arch>; `make
wheel` then runs auditwheel, which bundles what a manylinux policy does not
allow (libcap, libseccomp), fixes the library's paths, and retags it
manylinux_X_Y_<arch>.

Usage: build-wheel.py --version V --library SO --tool EXE --license FILE --out DIR
Standard library only; the wheel format is PEP 427 (a zip with a RECORD)."""
import argparse
import base64
import hashlib
import os
import platform
import re
import stat
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, "python")


def project_metadata(version: str) -> str:
    """METADATA (core metadata 2.1) from python/pyproject.toml's [project]."""
    text = open(os.path.join(PYTHON, "pyproject.toml")).read()
    project = text[text.index("[project]"):]
    project = project[:project.index("\n[", 1)]

    def field(name):
        match = re.search(rf'^{name} = "(.*)"$', project, re.M)
        return match.group(1) if match else None

    start = project.index("classifiers")
    classifiers = re.findall(r'^\s+"(.+)",$', project[start:project.index("]", start)], re.M)
    keywords = re.findall(r'"([^"]+)"', project[project.index("keywords"):].split("\n", 1)[0])
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {field('name')}",
        f"Version: {version}",
        f"Summary: {field('description')}",
        "License: MIT",
        f"Requires-Python: {field('requires-python')}",
        f"Keywords: {','.join(keywords)}",
        *[f"Classifier: {c}" for c in classifiers],
        "Description-Content-Type: text/markdown",
    ]
    readme = open(os.path.join(PYTHON, "README.md")).read()
    return "\n".join(lines) + "\n\n" + readme


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--library", required=True, help="the built libnetfence.so.MAJOR.MINOR.PATCH")
    parser.add_argument("--tool", required=True, help="the built static netfence executable")
    parser.add_argument("--license", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    arch = platform.machine()
    tag = f"py3-none-linux_{arch}"
    name = f"netfence-{args.version}"
    dist_info, data = f"{name}.dist-info", f"{name}.data"
    files = []  # (archive name, bytes, executable)
    package = os.path.join(PYTHON, "netfence")
    for entry in sorted(os.listdir(package)):
        if entry.endswith(".py") or entry == "py.typed":
            files.append((f"netfence/{entry}", open(os.path.join(package, entry), "rb").read(), False))
    files.append(("netfence/libnetfence.so.0", open(args.library, "rb").read(), True))
    files.append((f"{data}/scripts/netfence", open(args.tool, "rb").read(), True))
    files.append((f"{dist_info}/METADATA", project_metadata(args.version).encode(), False))
    files.append((f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\n"
        "Generator: netfence tools/build-wheel.py\n"
        # Not pure: the package carries a native library (platlib).
        "Root-Is-Purelib: false\n"
        f"Tag: {tag}\n").encode(), False))
    files.append((f"{dist_info}/LICENSE", open(args.license, "rb").read(), False))

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"{name}-{tag}.whl")
    record = [record_line(n, d) for n, d, _ in files] + [f"{dist_info}/RECORD,,"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for archive_name, content, executable in files + [(f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), False)]:
            info = zipfile.ZipInfo(archive_name, date_time=(2026, 1, 1, 0, 0, 0))
            mode = 0o755 if executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, content)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
