#!/usr/bin/env bash
# `npm run bench:synapse [-- --quick]`, inside `.ci/synapse-chroot.sh run`: the package and the bench
# helpers into the chroot, then the Synapse-side questions (bench/synapse-side.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/host/cli/main.js ] || npm run build
bash .ci/synapse-install-module.sh
node dist/bench/synapse-side.js "$@"
