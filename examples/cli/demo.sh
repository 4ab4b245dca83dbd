#!/bin/sh
# SPDX-License-Identifier: MIT
# The netfence demo: a socket-activated server with no network of its own,
# and a client that may reach that one port only.
# Usage: demo.sh BINDIR (holding netfence, demo-server, demo-client, free-port)
set -eu
bin=$1
port=$("$bin/free-port")
other=$("$bin/free-port")
reports=$bin/..

echo "== server: netfence run --listen 127.0.0.1:$port --no-network --keep-caps '' demo-server"
echo "   (netfence binds and listens first, then forbids every socket, bind, connect and listen)"
"$bin/netfence" run --listen "127.0.0.1:$port" --no-network --keep-caps '' --status \
	"$bin/demo-server" 2> "$reports/demo-server-report.txt" &
server=$!

echo "== client: netfence run --connect-tcp $port --bind-tcp '' --allow-socket tcp demo-client"
status=0
"$bin/netfence" run --connect-tcp "$port" --bind-tcp '' --allow-socket tcp --status \
	"$bin/demo-client" "$port" "$other" 2> "$reports/demo-client-report.txt" || status=1
wait "$server" || status=1
echo
echo "== the server's enforcement report (netfence run --status)"
cat "$reports/demo-server-report.txt"
echo
echo "== the client's enforcement report (netfence run --status)"
cat "$reports/demo-client-report.txt"
exit $status
