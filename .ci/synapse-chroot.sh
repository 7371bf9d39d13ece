#!/usr/bin/env bash
# A real Synapse for the end-to-end tests: Debian sid (the only suite that packages a current
# matrix-synapse) in a minbase chroot inside the project's gitignored .cache/.
#
#   .ci/synapse-chroot.sh setup          build it (about 5 min and 550 MB the first time; ~1 s to reuse)
#   .ci/synapse-chroot.sh run CMD ...    set it up, bind /proc and /dev into it, run CMD on the HOST
#                                        (it may call `chroot "$SYNAPSE_CHROOT" ...`), unmount afterwards
#   .ci/synapse-chroot.sh path           print the chroot's path
#
# The mirror is read from this machine's own apt configuration at run time: no archive host is
# written in the project. Root is needed (debootstrap, chroot, mount).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
root="${SYNAPSE_CHROOT:-$repo/.cache/synapse-chroot}"
export SYNAPSE_CHROOT="$root"
# Bump when the package list below changes, so an older chroot is completed rather than trusted.
recipe=1
packages="matrix-synapse python3-pip python3-setuptools"

log() { echo "synapse-chroot: $*" >&2; }

# The first Debian archive this machine's apt knows (not its security archive): apt itself resolves
# sources.list and deb822 .sources alike.
host_mirror() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null \
    | awk '$2 !~ /security/ && $1 !~ /security/ { print $1; exit }'
}

mounted_under() { findmnt -rn -o TARGET | awk -v r="$root/" 'index($0 "/", r) == 1'; }

build() {
  if [ -f "$root/.ready" ] && [ "$(cat "$root/.ready")" = "$recipe" ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "must run as root (debootstrap, chroot, mount)"; exit 1
  fi
  if [ -n "$(mounted_under)" ]; then
    log "something is mounted under $root; unmount it first:"; mounted_under >&2; exit 1
  fi
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  local mirror
  mirror=$(host_mirror)
  if [ -z "$mirror" ]; then
    apt-get update -qq
    mirror=$(host_mirror)
  fi
  if [ -z "$mirror" ]; then
    log "no Debian archive found in this machine's apt configuration"; exit 1
  fi
  if [ ! -f "$root/.debootstrapped" ]; then
    # A half-made tree from an interrupted run: start over (nothing is mounted under it, checked above).
    rm -rf "$root"
    mkdir -p "$root"
    log "debootstrap --variant=minbase sid (a few minutes)"
    debootstrap --variant=minbase sid "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
      || { log "debootstrap failed; see $root.debootstrap.log"; tail -20 "$root.debootstrap.log" >&2; exit 1; }
    touch "$root/.debootstrapped"
  fi
  # sid's Release may be past its Valid-Until on a mirror snapshot; signatures are still checked.
  # Inside the chroot only.
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99presence-sandbox-valid-until"
  # Packages must not start daemons inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  log "apt-get install $packages (a few minutes)"
  with_mounts chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages" \
    >"$root.apt.log" 2>&1 \
    || { log "apt-get in the chroot failed; see $root.apt.log"; tail -20 "$root.apt.log" >&2; exit 1; }
  chroot "$root" python3 -c 'import synapse; print("synapse", synapse.__version__)' >&2
  echo "$recipe" >"$root/.ready"
}

# Runs "$@" with /proc and /dev bound into the chroot, and unmounts them whatever happens. A mount that
# is already there (another run in progress) is left to its owner.
with_mounts() {
  local ours=()
  unmount_ours() {
    local i
    for ((i = ${#ours[@]} - 1; i >= 0; i--)); do
      umount "${ours[$i]}" 2>/dev/null || umount -l "${ours[$i]}" 2>/dev/null || log "could not unmount ${ours[$i]}"
    done
    ours=()
  }
  trap unmount_ours EXIT
  trap 'unmount_ours; exit 130' INT TERM
  if ! mountpoint -q "$root/proc"; then mount -t proc proc "$root/proc"; ours+=("$root/proc"); fi
  if ! mountpoint -q "$root/dev"; then mount --bind /dev "$root/dev"; ours+=("$root/dev"); fi
  local status=0
  "$@" || status=$?
  unmount_ours
  trap - EXIT INT TERM
  return "$status"
}

case "${1:-}" in
  setup) build ;;
  path) echo "$root" ;;
  run)
    shift
    [ "$#" -gt 0 ] || { log "run needs a command"; exit 2; }
    build
    with_mounts "$@"
    ;;
  *) echo "usage: $0 setup | run CMD [ARG...] | path" >&2; exit 2 ;;
esac
