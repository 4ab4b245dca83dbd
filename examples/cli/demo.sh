#!/bin/sh
# SPDX-License-Identifier: MIT
# The netfence demo: a socket-activated server with no network of its own,
# and a client that may reach that one port only.
# Usage: demo.sh BINDIR (holding netfence, demo-server, demo-client, free-port)
set -eu
bin=$1
port=$("$bin/free-port")
other=$("$bin/free-port")

echo "== server: netfence run --listen 127.0.0.1:$port --no-network --keep-caps '' -- demo-server"
echo "   (netfence binds and listens first, then forbids every socket, bind, connect and listen)"
"$bin/netfence" run --listen "127.0.0.1:$port" --no-network --keep-caps '' --status-json "$bin/../demo-server-status.json" \
	-- "$bin/demo-server" &
server=$!

echo "== client: netfence run --connect-tcp $port --bind-tcp '' --allow-socket inet:stream -- demo-client"
status=0
"$bin/netfence" run --connect-tcp "$port" --bind-tcp '' --allow-socket inet:stream --status \
	-- "$bin/demo-client" "$port" "$other" || status=1
wait "$server" || status=1
echo "== the server's enforcement report (--status-json):"
cat "$bin/../demo-server-status.json"
exit $status
