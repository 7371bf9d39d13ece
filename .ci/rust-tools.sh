#!/usr/bin/env bash
# The Rust toolchain for modules/example_presence_router_rust (modules/build-rust.mjs), from Debian only:
#   rustc                   the compiler (/usr/bin/rustc)
#   libstd-rust-dev-wasm32  core/std for --target wasm32-unknown-unknown
#   lld                     the wasm linker rustc calls (rust-lld / wasm-ld)
# Installed only when missing, so a machine that has them starts the tests at once. Root is needed
# (apt-get). A failed install is reported here, and the Rust module's tests then fail naming this script:
# nothing is skipped.
set -uo pipefail

missing=""
[ -x /usr/bin/rustc ] || missing="$missing rustc"
[ -d /usr/lib/rustlib/wasm32-unknown-unknown ] || missing="$missing libstd-rust-dev-wasm32"
command -v wasm-ld >/dev/null || [ -x /usr/bin/rust-lld ] || missing="$missing lld"
[ -z "$missing" ] && exit 0

echo "rust-tools: apt-get install$missing" >&2
apt-get update -qq >/dev/null \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
status=$?
[ "$status" -eq 0 ] || echo "rust-tools: apt-get failed ($status); the Rust module's tests will fail" >&2
exit "$status"
