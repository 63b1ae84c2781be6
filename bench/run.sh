#!/usr/bin/env bash
# Builds the release server and the benchmark, then runs a scenario: password
# sign-ins (default with --scenario all), passkeys, or tokens (client credentials).
# Results in bench/results/ (latest.md, passkeys.md, tokens.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -p portico-server -p portico-bench
exec "$CARGO_TARGET_DIR/release/portico-bench" --server-bin "$CARGO_TARGET_DIR/release/portico" "$@"
