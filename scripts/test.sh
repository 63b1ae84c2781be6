#!/usr/bin/env bash
# Runs every test: formatting, lints, unit and integration tests (SQLite, and
# PostgreSQL), the release build, and the Playwright suite in Debian's Chromium.
# Installs whatever is missing first. PostgreSQL is installed and started locally
# unless PORTICO_TEST_POSTGRES_URL is already set (or PORTICO_SKIP_POSTGRES=1).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "setup"
scripts/setup.sh --browser
if [ -z "${PORTICO_TEST_POSTGRES_URL:-}" ] && [ "${PORTICO_SKIP_POSTGRES:-0}" != 1 ]; then
  PORTICO_TEST_POSTGRES_URL=$(scripts/postgres.sh | tail -n 1)
  export PORTICO_TEST_POSTGRES_URL
fi
echo "PostgreSQL for tests: ${PORTICO_TEST_POSTGRES_URL:-(none: PostgreSQL variants skip)}"

step "format"
cargo fmt --all -- --check

step "lint (server and browser code)"
# Default members only: the browser crate must not unify `hydrate` into the server build.
cargo clippy --all-targets --locked -- -D warnings
cargo clippy -p portico-frontend --target wasm32-unknown-unknown --locked -- -D warnings

step "unit and integration tests"
cargo test --locked

# The browser suite runs the debug build: it reuses what `cargo test` compiled, which
# keeps CI quick. scripts/serve.sh builds and serves the release build.
step "site build (cargo leptos build)"
cargo leptos build

step "browser tests (Playwright, Chromium)"
export PORTICO_BIN="$CARGO_TARGET_DIR/debug/portico"
export PORTICO_SITE_ROOT="$PWD/target/site"
status=0
npx playwright test -c end2end/playwright.config.ts || status=$?
node end2end/summary.mjs end2end/test-results/results.json || true
exit $status
