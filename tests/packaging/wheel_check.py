# SPDX-License-Identifier: MIT
"""Run by the wheel suite with a fresh venv's python, outside the source tree,
with no LD_LIBRARY_PATH and no NETFENCE_LIBRARY: the installed wheel must load
its own library and restrict a child process (never this process)."""
import errno
import os
import socket
import subprocess
import sys

import netfence

venv = sys.prefix
path = netfence.library_path()
assert path.startswith(os.path.realpath(venv)), f"the library came from {path}, not from the wheel in {venv}"
assert os.environ.get("NETFENCE_LIBRARY") is None and os.environ.get("LD_LIBRARY_PATH") is None
print(f"ok   the wheel's library is loaded: {path}")

CHILD = """
import errno, socket, sys, netfence
rs = netfence.Ruleset()
rs.handle_net(netfence.AccessNet.BIND_TCP)
status = rs.restrict_self()
s = socket.socket()
try:
    s.bind(("127.0.0.1", 0))
    print("bound")
except OSError as e:
    print(errno.errorcode[e.errno])
"""
if netfence.landlock_abi() < 4:
    print("skip: the kernel has no TCP port rules (Landlock ABI 4)")
    sys.exit(77)
result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60)
assert result.returncode == 0 and result.stdout.strip() == "EACCES", (result.stdout, result.stderr)
print("ok   a child restricted through the wheel cannot bind (EACCES)")
