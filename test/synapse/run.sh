#!/usr/bin/env bash
# The Synapse stage, run inside `.ci/synapse-chroot.sh run` (so $SYNAPSE_CHROOT is set up, /proc and /dev
# bound): install presence_sandbox_synapse into the chroot's Python with pip, run its unit tests there,
# then the end-to-end tests against the real Synapse. Results: test/.out/synapse-unit.json and
# test/.out/synapse-results.json (vitest's), which .ci/run adds to its count.
set -uo pipefail
cd "$(dirname "$0")/../.."
root="${SYNAPSE_CHROOT:?run me through .ci/synapse-chroot.sh run}"
mkdir -p test/.out
[ -f dist/host/cli/main.js ] || npm run build

src=/opt/presence-sandbox-synapse
if ! bash .ci/synapse-install-module.sh; then
  echo '{"passed": 0, "failed": 1}' >test/.out/synapse-unit.json
  echo "pip install of integrations/synapse into the chroot failed"
  exit 1
fi

unit_log=test/.out/synapse-unit.log
chroot "$root" sh -c "cd $src && python3 -m twisted.trial --temp-directory=/tmp/_trial_temp tests" >"$unit_log" 2>&1
unit_status=$?
cat "$unit_log" | tail -n 40
# trial's last line: PASSED (successes=N) or FAILED (failures=F, errors=E, successes=N)
node -e '
  const lines = require("node:fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  const counts = {};
  for (const m of (lines.filter((l) => /^(PASSED|FAILED)/.test(l)).at(-1) ?? "").matchAll(/(\w+)=(\d+)/g)) counts[m[1]] = Number(m[2]);
  const passed = counts.successes ?? 0;
  let failed = (counts.failures ?? 0) + (counts.errors ?? 0) + (counts.unexpectedSuccesses ?? 0);
  if (process.argv[2] !== "0" && failed === 0) failed = 1;
  console.log(JSON.stringify({ passed, failed }));
' "$unit_log" "$unit_status" >test/.out/synapse-unit.json

npx vitest run --config test/synapse/vitest.config.ts
e2e_status=$?
[ "$unit_status" -eq 0 ] && [ "$e2e_status" -eq 0 ]
