#!/usr/bin/env bash
# Installs what building and testing Portico needs, skipping whatever is already there.
#   scripts/setup.sh            toolchain, wasm target, cargo-leptos, wasm-bindgen, npm tools
#   scripts/setup.sh --browser  also Debian's Chromium, for the Playwright suite
# Everything comes from crates.io, npm or Debian; nothing is downloaded from elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

RUST_TOOLCHAIN=1.95.0
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# C toolchain (for sqlite and ring) and Node.js (for Tailwind, wasm-opt, Playwright).
command -v cc >/dev/null || { say "installing a C compiler"; apt_install build-essential pkg-config; }
command -v npm >/dev/null || { say "installing Node.js and npm"; apt_install nodejs npm; }

# Rust: the pinned toolchain and the WebAssembly target.
if ! command -v rustup >/dev/null; then
  echo "setup: rustup is required (https://rustup.rs); Portico pins Rust $RUST_TOOLCHAIN" >&2
  exit 1
fi
if ! rustup toolchain list | grep -q "^$RUST_TOOLCHAIN"; then
  say "installing Rust $RUST_TOOLCHAIN"
  rustup toolchain install "$RUST_TOOLCHAIN" --profile minimal --component rustfmt,clippy
fi
if ! rustup target list --installed --toolchain "$RUST_TOOLCHAIN" | grep -q wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown --toolchain "$RUST_TOOLCHAIN"
fi
for component in rustfmt clippy; do
  rustup component list --installed --toolchain "$RUST_TOOLCHAIN" | grep -q "^$component" ||
    rustup component add "$component" --toolchain "$RUST_TOOLCHAIN"
done

# Build tools from crates.io. Built without LTO and at opt-level 1: they only run at
# build time, so compiling them fast matters more than their speed.
fast_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install "$@"
}
if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while, once)"
  fast_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file wants a crate version crates.io no longer has.
  fast_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Tailwind, wasm-opt (binaryen) and Playwright from npm, exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.portico-lock; then
  say "installing npm tools"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.portico-lock
fi

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  say "installing Chromium (Debian)"
  apt_install chromium
fi
# A Japanese font, so the Japanese pages' screenshots show text rather than boxes.
if [ "$want_browser" = 1 ] && [ ! -d /usr/share/fonts/opentype/ipafont-gothic ]; then
  say "installing a Japanese font"
  apt_install fonts-ipafont-gothic
fi
say "ready"
