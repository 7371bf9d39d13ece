#!/usr/bin/env bash
# Installs integrations/synapse into the chroot's Python with pip, as an operator would, and copies the
# bench helpers beside it. Run inside `.ci/synapse-chroot.sh run` (it sets $SYNAPSE_CHROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${SYNAPSE_CHROOT:?run me through .ci/synapse-chroot.sh run}"
src=/opt/presence-sandbox-synapse
rm -rf "$root$src" "$root/opt/presence-sandbox-bench"
mkdir -p "$root$src" "$root/opt/presence-sandbox-bench"
cp -r integrations/synapse/. "$root$src/"
cp bench/synapse/*.py "$root/opt/presence-sandbox-bench/"
find "$root$src" -name __pycache__ -prune -exec rm -rf {} +
# --no-build-isolation: setuptools comes from Debian, not an index; --break-system-packages: the chroot's
# Python is Debian's own, where Synapse lives.
chroot "$root" python3 -m pip install --quiet --no-deps --no-build-isolation --break-system-packages \
  --force-reinstall --root-user-action=ignore "$src"
