# SPDX-License-Identifier: MIT
"""A program that needs no network at all: it forbids creating any socket
and every TCP bind, connect and listen, then shows its own attempts failing
while file I/O keeps working."""
import socket
import sys
import tempfile

from netfence import AccessNet, Enforced, Ruleset

with Ruleset() as rs:
    status = (rs.handle_sockets()                      # no (family, type, protocol) allowed
                .handle_net(AccessNet.BIND_TCP | AccessNet.CONNECT_TCP | AccessNet.LISTEN_TCP)
                .restrict_self())                      # irreversible, inherited by children
print(f"no_network: enforcement {status.enforced.name}")

denied = 0
for name, family, kind in [("AF_INET", socket.AF_INET, socket.SOCK_STREAM),
                           ("AF_INET6", socket.AF_INET6, socket.SOCK_DGRAM),
                           ("AF_UNIX", socket.AF_UNIX, socket.SOCK_STREAM)]:
    try:
        socket.socket(family, kind).close()
        print(f"  socket({name}): allowed")
    except PermissionError as error:
        print(f"  socket({name}): DENIED ({error.strerror})")
        denied += 1

with tempfile.TemporaryFile() as scratch:              # the real work: file I/O
    scratch.write(b"parsed")
print("  file I/O: allowed")
sys.exit(0 if denied == 3 and status.enforced == Enforced.FULL else 1)
