# SPDX-License-Identifier: MIT
"""A TCP server, "bind early, then restrict": it listens first, drops every
capability (when run as root), allows only TCP sockets and listening on its
own port and no outgoing connect, serves a loopback client started before the
sandbox, then shows an outgoing connect and a UDP socket refused."""
import os
import socket
import sys

from netfence import AccessNet, Ruleset

# 1. Bind early.
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen()
port = server.getsockname()[1]

# A client in its own, unrestricted process, waiting for the go.
go_read, go_write = os.pipe()
client = os.fork()
if client == 0:
    os.read(go_read, 1)
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"hi")
    os._exit(0)

# 2. Restrict: TCP only, listen on our port only, no other bind, no connect.
with Ruleset() as rs:
    if os.geteuid() == 0:
        rs.keep_caps("")                                   # drop every capability
    status = (rs.handle_sockets()
                .allow_socket(socket.AF_INET, socket.SOCK_STREAM)
                .allow_socket(socket.AF_INET6, socket.SOCK_STREAM)
                .handle_net(AccessNet.BIND_TCP | AccessNet.CONNECT_TCP | AccessNet.LISTEN_TCP)
                .allow_port(AccessNet.LISTEN_TCP, port)
                .restrict_self())
print(f"tcp_server: serving on {port}, enforcement {status.enforced.name}")

# 3. Serve.
os.write(go_write, b"g")
conn, _ = server.accept()
served = conn.recv(8) == b"hi"
conn.close()
os.waitpid(client, 0)
print(f"  served a client: {'yes' if served else 'NO'}")

# 4. What it can no longer do.
refused = 0
for what, attempt in [("outgoing connect", lambda: socket.create_connection(("127.0.0.1", port))),
                      ("UDP socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))]:
    try:
        attempt().close()
        print(f"  {what}: allowed")
    except PermissionError as error:
        print(f"  {what}: DENIED ({error.strerror})")
        refused += 1
sys.exit(0 if served and refused == 2 else 1)
