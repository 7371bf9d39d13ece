#!/usr/bin/env bash
# The operators' tools the deploy tests run (test/helpers/tools.ts), from Debian, installed only when
# missing so that a machine that has them starts the tests at once:
#   promtool         (prometheus)  `promtool check metrics` and `promtool check rules`
#   systemd-analyze  (systemd)     `verify` and `security --offline`: reads unit files, needs no running systemd
# Root is needed (apt-get). A failed install is reported here and the tests that need the tool then fail,
# naming it: nothing is skipped.
set -uo pipefail

missing=""
command -v promtool >/dev/null || missing="$missing prometheus"
command -v systemd-analyze >/dev/null || missing="$missing systemd"
[ -z "$missing" ] && exit 0

echo "deploy-tools: apt-get install$missing" >&2
# The packages must not start daemons here (prometheus would listen on :9090): policy-rc.d refuses every
# start while they install, as in a container image. One the machine already has is left as it is.
policy=/usr/sbin/policy-rc.d
added=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added=1
fi
apt-get update -qq >/dev/null \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
status=$?
[ -n "$added" ] && rm -f "$policy"
[ "$status" -eq 0 ] || echo "deploy-tools: apt-get failed ($status); the tests that need$missing will fail" >&2
exit "$status"
