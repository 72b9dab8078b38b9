#!/usr/bin/env bash
# Regenerates the committed chain specs from the node's built-in presets.
#   chain-specs/regenerate.sh [path/to/inferchain-node]
# local.json   — the 4-validator local testnet (Alice, Bob, Charlie, Dave), 6-second blocks.
# testnet.json — a template for a public testnet: its authorities, sudo key and endowed
#                accounts are the well-known development keys as PLACEHOLDERS; replace them
#                (see chain-specs/README.md) before launching anything that holds value.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
node="${1:-${CARGO_TARGET_DIR:-$here/../target}/debug/inferchain-node}"

"$node" build-spec --chain local --disable-default-bootnode 2>/dev/null > "$here/local.json"

"$node" build-spec --chain local --disable-default-bootnode 2>/dev/null | python3 -c '
import json, sys
spec = json.load(sys.stdin)
spec["name"] = "Inferchain Testnet"
spec["id"] = "inferchain_testnet"
spec["chainType"] = "Live"
spec["bootNodes"] = []
spec["protocolId"] = "infr-testnet"
patch = spec["genesis"]["runtimeGenesis"]["patch"]
patch["blockTime"]["slotDurationMs"] = 6000
json.dump(spec, sys.stdout, indent=2)
print()
' > "$here/testnet.json"
echo "wrote $here/local.json and $here/testnet.json"
