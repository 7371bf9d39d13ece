/**
 * Question: where does the time of one call go? Each stage of the host's path is timed on its own, with
 * the host's own code where it is reachable, and set against the whole call timed through the public API
 * (one call at a time, one thread, so nothing overlaps):
 *
 *   users_for_states, example router:  encode (the fused encoder: check, dedup, write the fields the
 *     module declares into a reused SharedArrayBuffer)
 *     → transfer (Piscina roundtrip carrying the batch and an answer of the same shape)
 *     → guest: copy in, decode, route, encode its answer → result decode (the strict reader) → merge
 *   interested_users: the same roundtrip, the guest call, the deadline machinery.
 *
 * Modules are admitted as the host admits them (compileAndInspect: capped, fuel-metered, their declared
 * fields read), and each is sent the fields it declares. "guest decode" is custom_presence_router with
 * `routes: {}`, which decodes every state and routes none;
 * "routing + guest encode" is the example router's guest time minus that. The host's pool
 * (host/pool/module-pool.ts) is also called on its own, so that what the stages leave unexplained splits
 * into the pool's bookkeeping (the per-pool gate, the deadline's timer and signal, the worker's entry
 * and outcome envelope, thread wake-ups) and the host's (admission, promise hops, settling, stats).
 */
import { readFileSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { compileAndInspect } from '../host/admission/inspect.js';
import { bundledModulePath } from '../host/admission/resolve.js';
import type { UserPresenceState } from '../host/index.js';
import { ALL_FIELDS } from '../host/protocol/abi.js';
import { BatchEncoder } from '../host/routing/batch.js';
import { BatchBuffers } from '../host/routing/batch-buffers.js';
import { mergeInterest, mergeRouting } from '../host/routing/merge.js';
import { DEFAULT_LIMITS } from '../host/config/schema.js';
import { Deadlines } from '../host/pool/deadline.js';
import { ModulePool } from '../host/pool/module-pool.js';
import { Guest } from '../host/worker/guest.js';
import { readInterest, readRouting } from '../host/worker/output-reader.js';
import { barePool, warm } from './lib/bare-pool.js';
import { MODULES, makeBatch, toTuple } from './lib/batches.js';
import { closedLoop, syncLoop, type Timing } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { hostFor } from './lib/systems.js';

const QUESTION = 'where-the-time-goes';
const BATCHES = [1, 1000];
const USER = '@someone.else:example.com';
const MAX = 1 << 30;
const NO_CAPS = { maxDestinations: MAX, maxInterestedUsers: MAX, maxResultEntries: MAX };

const FUEL = { perCall: DEFAULT_LIMITS.max_fuel_per_call, init: DEFAULT_LIMITS.max_fuel_init };

/** The module as the host admits it with the default limits: capped, fuel-metered, its fields read. */
function admitted(module: string): Promise<{ module: WebAssembly.Module; fields: number }> {
  return compileAndInspect(new Uint8Array(readFileSync(bundledModulePath(module))), module, DEFAULT_LIMITS);
}

function guestFor(compiled: WebAssembly.Module, config: unknown): Guest {
  const guest = new Guest(compiled, MAX, FUEL);
  guest.runInit(new Packr({ useRecords: false }).pack(config));
  return guest;
}

/** The host's pool for one module (host/pool/module-pool.ts), without PresenceHost around it. */
async function poolFor(compiled: WebAssembly.Module, config: unknown): Promise<ModulePool> {
  const setup = {
    module: compiled,
    config: new Packr({ useRecords: false }).pack(config),
    maxOutputBytes: DEFAULT_LIMITS.max_output_bytes,
    maxMemoryBytes: DEFAULT_LIMITS.max_memory_bytes,
    maxDestinations: DEFAULT_LIMITS.max_destinations,
    maxInterestedUsers: DEFAULT_LIMITS.max_interested_users,
    maxResultEntries: DEFAULT_LIMITS.max_result_entries,
    fuel: FUEL,
  };
  const pool = new ModulePool(setup, { ...DEFAULT_LIMITS, threads: 1 });
  await pool.load();
  return pool;
}

const usSync = (fn: () => unknown, t: Timing) => 1e6 / syncLoop(fn, t).opsPerSec;
const usAsync = async (fn: () => Promise<unknown>, t: Timing) => 1e6 / (await closedLoop(fn, 1, t)).opsPerSec;

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  report.plan(BATCHES.length * 11 + 7);
  const packr = new Packr({ useRecords: false });
  const buffers = new BatchBuffers();
  const batchEncoder = new BatchEncoder();
  const [exampleModule, customModule] = await Promise.all([admitted('example_presence_router'), admitted('custom_presence_router')]);
  const example = guestFor(exampleModule.module, MODULES.example_presence_router);
  const decodeOnly = guestFor(customModule.module, { routes: {} });
  const pool = barePool(1);
  await warm(pool, 1);
  const host = await hostFor('example_presence_router', { threads: 1 });
  const modulePool = await poolFor(exampleModule.module, MODULES.example_presence_router);
  /** The batch as the host encodes it for a module declaring `fields`: its bytes and distinct states. */
  const encode = (states: readonly UserPresenceState[], fields: number) => {
    const { distinct, batches } = batchEncoder.encode(states, MAX, buffers, [fields]);
    return { distinct: [...distinct], bytes: batches[0]! };
  };

  try {
    for (const size of BATCHES) {
      const states = makeBatch(size);
      const rows: [string, number][] = [];
      const stage = (label: string, us: number) => {
        rows.push([label, us]);
      };
      const step = (label: string) => report.start(`users_for_states, batch ${size}: ${label}`);

      step('encode');
      const encoded = encode(states, exampleModule.fields);
      // As in a call: the buffer goes back once the call is over.
      stage(`encode: the fused encoder, the fields the module reads (0x${exampleModule.fields.toString(16)}; host/routing/batch.ts)`, usSync(() => buffers.release(batchEncoder.encode(states, MAX, buffers, [exampleModule.fields]).batches[0]!), opts));
      step('encode full states');
      stage('  the same, full states (a module declaring no fields)', usSync(() => buffers.release(batchEncoder.encode(states, MAX, buffers, [ALL_FIELDS]).batches[0]!), opts));
      step('msgpackr pack');
      const tuples = states.map(toTuple);
      stage("  msgpackr's pack of the checked tuples (what the encoder replaced; reference)", usSync(() => packr.pack(tuples), opts));

      step('transfer');
      const example_ = example.usersForStates!;
      const output = example.invoke(example_, encoded.bytes, 'users_for_states').slice();
      const routing = readRouting(output, encoded.distinct.length, NO_CAPS);
      const perDestination = Math.max(1, Math.round(routing.indices.length / Math.max(1, routing.destinations.length)));
      const reply = { destinations: routing.destinations.length, indicesPerDestination: perDestination };
      stage('transfer: Piscina roundtrip with this batch and answer', await usAsync(() => pool.run({ kind: 'users_for_states', batch: encoded.bytes, count: size, id: 1, reply }), opts));
      step('bare roundtrip');
      stage('  of which an empty roundtrip', await usAsync(() => pool.run(null), opts));

      step('guest');
      stage('guest: all (copy in, decode, route, encode)', usSync(() => example.invoke(example_, encoded.bytes, 'users_for_states'), opts));
      step('guest decode');
      const decode_ = decodeOnly.usersForStates!;
      const decodeBatch = encode(states, customModule.fields);
      stage('  of which copy in + decode (routes: {})', usSync(() => decodeOnly.invoke(decode_, decodeBatch.bytes, 'users_for_states'), opts));
      step('result decode');
      stage('result decode (host/worker/output-reader.ts)', usSync(() => readRouting(output, encoded.distinct.length, NO_CAPS), opts));
      step('merge');
      stage('merge (host/routing/merge.ts)', usSync(() => mergeRouting(new Map(), routing, encoded.distinct as UserPresenceState[]), opts));
      step('pool call');
      const task = { kind: 'users_for_states', batch: encoded.bytes, count: encoded.distinct.length } as const;
      const poolCall = await usAsync(() => modulePool.call(task), opts);
      step('whole call');
      const whole = await usAsync(() => host.getUsersForStates(states), opts);

      // Derived rows: routing + encode inside the guest, and what the stages leave unexplained, at the
      // pool's level (ModulePool.call minus transfer, guest and result decode) and at the host's level
      // (the whole call minus encode, the pool call and merge).
      const get = (prefix: string) => rows.find(([l]) => l.startsWith(prefix))![1];
      const routingUs = get('guest: all') - get('  of which copy in + decode');
      rows.splice(rows.findIndex(([l]) => l.startsWith('result decode')), 0, ['  of which routing + guest encode (difference)', routingUs]);
      const poolRest = poolCall - get('transfer:') - get('guest: all') - get('result decode');
      const hostRest = whole - get('encode: the fused') - poolCall - get('merge');
      rows.push(
        ['pool call (ModulePool.call: transfer, guest, result decode, gate, deadline)', poolCall],
        ['  of which pool bookkeeping (pool call − transfer − guest − result decode)', poolRest],
        ['host bookkeeping (whole − encode − pool call − merge)', hostRest],
        ['whole call (PresenceHost.getUsersForStates)', whole],
      );
      for (const [label, us] of rows) {
        report.record('profile', `users_for_states, batch ${size}: ${label}`, { batch: size, stage: label.trim() }, { us_per_call: us, share: us / whole });
      }
    }

    // interested_users: the roundtrip, the guest call, the deadline machinery, the whole call.
    const rows: [string, number][] = [];
    const step = (label: string) => report.start(`interested_users: ${label}`);
    step('bare roundtrip');
    rows.push(['transfer: empty Piscina roundtrip', await usAsync(() => pool.run({ kind: 'interested_users', userId: USER }), opts)]);
    step('roundtrip with deadline');
    const deadlines = new Deadlines();
    rows.push(['  the same with the host\'s deadline (host/pool/deadline.ts: a light signal, one timer per pool)', await usAsync(async () => {
      const deadline = deadlines.watch(1000, 'call');
      try {
        return await pool.run({ kind: 'interested_users', userId: USER }, { signal: deadline.signal });
      } finally {
        deadlines.drop(deadline);
      }
    }, opts)]);
    deadlines.close();
    step('guest');
    const encoder = new TextEncoder();
    const interested = example.interestedUsers!;
    rows.push(['guest: encode user ID, copy in, call', usSync(() => example.invoke(interested, encoder.encode(USER), 'interested_users'), opts)]);
    step('result decode + merge');
    const answer = example.invoke(interested, encoder.encode(USER), 'interested_users').slice();
    rows.push(['result decode + merge', usSync(() => mergeInterest(new Set(), readInterest(answer, NO_CAPS)), opts)]);
    step('pool call');
    const poolCall = await usAsync(() => modulePool.call({ kind: 'interested_users', userId: USER }), opts);
    step('whole call');
    const whole = await usAsync(() => host.getInterestedUsers(USER), opts);
    rows.push(
      ['pool call (ModulePool.call: transfer, guest, result decode, gate, deadline)', poolCall],
      ['  of which pool bookkeeping (pool call − roundtrip with deadline − guest)', poolCall - rows[1]![1] - rows[2]![1]],
      ['host bookkeeping (whole − pool call − result decode and merge)', whole - poolCall - rows[3]![1]],
      ['whole call (PresenceHost.getInterestedUsers)', whole],
    );
    for (const [label, us] of rows) {
      report.record('profile', `interested_users: ${label}`, { stage: label.trim() }, { us_per_call: us, share: us / whole });
    }
  } finally {
    await Promise.all([pool.destroy(), host.close(), modulePool.close()]);
  }
  report.finish();
});
