/**
 * Question: inside the guest, where does a users_for_states call of 1000 states go? The example router's
 * debug build (modules/example_presence_router/build/debug.wasm, which keeps function names) runs under
 * V8's sampling profiler in this thread, through the host's own Guest class; each row is the share of
 * presence_users_for_states' time spent inside a function, callees included, so rows overlap (allocation
 * happens inside decoding). The debug build is unoptimised, so absolute times are larger than the
 * release build's; its time is reported next to the release build's for scale.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Packr } from 'msgpackr';
import { bundledModulePath } from '../host/admission/resolve.js';
import { encodeBatch } from '../host/routing/batch.js';
import { BatchBuffers } from '../host/routing/batch-buffers.js';
import { Guest } from '../host/worker/guest.js';
import { MODULES, makeBatch } from './lib/batches.js';
import { syncLoop } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';

const QUESTION = 'guest-profile';
const BATCH = 1000;

/** Rows: label → a function name fragment as the debug build's name section spells it. */
const ROWS: [string, string][] = [
  ['decode the batch (guest-sdk/wire.ts decodeBatch)', 'guest-sdk/wire/decodeBatch'],
  ['  read strs (user IDs stay UTF-8 bytes in the input; state matched in place)', 'msgpack/reader/Reader#readStrBytes'],
  ['  hash user IDs (guest-sdk/bytes.ts hashBytes, once per state)', 'guest-sdk/bytes/hashBytes'],
  ['  read timestamps', 'guest-sdk/wire/readTs'],
  ['route (ExamplePresenceRouter.getUsersForBatch)', 'ExamplePresenceRouter#getUsersForBatch'],
  ['encode the answer (encodeRouting)', 'guest-sdk/wire/encodeRouting'],
  ['allocation (__new), anywhere', '~lib/rt/tcms/__new'],
  ['collections between calls (guest-sdk/collect.ts)', '~lib/rt/tcms/__collect'],
];
const ROOT = 'guest-sdk/exports/presence_users_for_states';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}

/** Inclusive time per function name: each sample counts once for every distinct function on its stack. */
function inclusive(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)!.callFrame.functionName;
      if (seen.has(name)) continue;
      seen.add(name);
      out.set(name, (out.get(name) ?? 0) + dt);
    }
  });
  return out;
}

function guestFor(build: 'release' | 'debug'): Guest {
  const file = bundledModulePath('example_presence_router').replace(/release\.wasm$/, `${build}.wasm`);
  const guest = new Guest(new WebAssembly.Module(readFileSync(file)), 1 << 30);
  guest.runInit(new Packr({ useRecords: false }).pack(MODULES.example_presence_router));
  return guest;
}

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  report.plan(3);
  const encoded = encodeBatch(makeBatch(BATCH), new Packr({ useRecords: false }), 1 << 30, new BatchBuffers());
  const release = guestFor('release');
  const debug = guestFor('debug');
  const call = (g: Guest) => () => g.invoke(g.usersForStates!, encoded.bytes, 'users_for_states');

  report.start('release build');
  const releaseUs = 1e6 / syncLoop(call(release), opts).opsPerSec;
  report.start('debug build');
  const debugUs = 1e6 / syncLoop(call(debug), opts).opsPerSec;

  report.start('debug build, profiled');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  syncLoop(call(debug), { warmupMs: 0, timeMs: opts.quick ? 1000 : 4000 });
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Parameters<typeof inclusive>[0] };
  session.disconnect();

  const times = inclusive(profile);
  const root = times.get(ROOT);
  if (!root) throw new Error(`no samples in ${ROOT}: is debug.wasm built with its name section?`);
  const params = { module: 'example_presence_router', batch: BATCH, build: 'debug' };
  report.record('profile', `guest, batch ${BATCH}: release build, whole call`, { ...params, build: 'release' }, { us_per_call: releaseUs });
  report.record('profile', `guest, batch ${BATCH}: debug build, whole call`, params, { us_per_call: debugUs, share: 1 });
  for (const [label, fragment] of ROWS) {
    let t = 0;
    for (const [name, v] of times) if (name.includes(fragment)) t = Math.max(t, v);
    report.record('profile', `guest, batch ${BATCH}: ${label}`, params, { share: t / root, us_per_call: (t / root) * debugUs });
  }
  report.finish();
});
