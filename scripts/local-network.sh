#!/usr/bin/env bash
# Starts (or stops) a four-validator local network on loopback in the background: Alice, Bob,
# Charlie and Dave, each a validator and an inference worker, with databases and logs under
# $NET_DIR (default /tmp/inferchain-net). Alice's RPC is ws://127.0.0.1:9944, Bob's 9945,
# Charlie's 9946, Dave's 9947.
#
#   scripts/local-network.sh start [NODE_BINARY] [CHAIN]   # default: the debug node, chain-specs/local.json
#   scripts/local-network.sh pids                          # the four node PIDs
#   scripts/local-network.sh stop
set -euo pipefail

NET_DIR=${NET_DIR:-/tmp/inferchain-net}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Peer id of Alice's node key 0x…01 (see docker/docker-compose.yml).
ALICE_PEER=12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp

case "${1:-}" in
start)
    NODE=${2:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/inferchain-node}
    CHAIN=${3:-$ROOT/chain-specs/local.json}
    [ -x "$NODE" ] || { echo "no node binary at $NODE (build it first)" >&2; exit 1; }
    mkdir -p "$NET_DIR"
    : >"$NET_DIR/pids"
    i=0
    for name in alice bob charlie dave; do
        args=(--chain "$CHAIN" "--$name" --base-path "$NET_DIR/$name"
            --port $((30333 + i)) --rpc-port $((9944 + i)) --prometheus-port $((9615 + i))
            --no-mdns --no-telemetry)
        # Validators need a stable network key: 0x…01 for Alice, 0x…02 for Bob, and so on.
        args+=(--node-key "$(printf '%064x' $((i + 1)))")
        if [ "$name" != alice ]; then
            args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$ALICE_PEER")
        fi
        "$NODE" "${args[@]}" >"$NET_DIR/$name.log" 2>&1 &
        echo $! >>"$NET_DIR/pids"
        i=$((i + 1))
    done
    echo "started 4 validators (logs and databases in $NET_DIR; PIDs: $(tr '\n' ' ' <"$NET_DIR/pids"))"
    ;;
pids)
    tr '\n' ' ' <"$NET_DIR/pids"
    echo
    ;;
stop)
    if [ -f "$NET_DIR/pids" ]; then
        xargs -r kill <"$NET_DIR/pids" 2>/dev/null || true
        rm -f "$NET_DIR/pids"
    fi
    echo "stopped"
    ;;
*)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
    ;;
esac
