#!/usr/bin/env bash
# Sets up a fresh machine (idempotently), builds Portico, and serves it on SQLite at
# http://127.0.0.1:3000 with the demo tenant. Data lives in ./data/portico.db.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo leptos build --release
export PORTICO__SERVER__SITE_ROOT="${PORTICO__SERVER__SITE_ROOT:-$PWD/target/site}"
exec "$CARGO_TARGET_DIR/release/portico" serve "$@"
