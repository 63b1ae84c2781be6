#!/usr/bin/env bash
# Builds the release server and the benchmark, then measures password sign-ins.
# Results: bench/results/latest.md and latest.json. Takes about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -p portico-server -p portico-bench
exec "$CARGO_TARGET_DIR/release/portico-bench" --server-bin "$CARGO_TARGET_DIR/release/portico" "$@"
