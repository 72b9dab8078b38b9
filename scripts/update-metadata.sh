#!/usr/bin/env bash
# Rewrites client/metadata/inferchain.scale, from which the client's types are generated, with
# the runtime's metadata (v16), through the runtime test that checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
INFERCHAIN_WRITE_METADATA=1 cargo test --workspace --locked --lib -- \
    tests::committed_client_metadata_is_the_runtimes
