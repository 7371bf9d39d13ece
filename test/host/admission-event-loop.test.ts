/**
 * Admission stays off the main thread's critical path (issue 12, item 4): admitting a 16 MiB module
 * (thousands of generated function bodies, just under the default max_module_bytes) while a good host
 * answers calls. The event-loop delay is measured with monitorEventLoopDelay and reported; the issue's
 * target is 20 ms. The verdict that does not depend on the machine's load: the main thread makes no
 * synchronous WebAssembly call (validate, new Module, new Instance) while admitting, counted by wrapping
 * them. The delay itself is asserted only against a generous bound that holds on a loaded 2-core machine
 * (where the OS may deschedule the main thread whatever it runs: the log also reports the loop's own
 * busy time, from eventLoopUtilization). The old
 * path (a synchronous WebAssembly.validate of the same bytes on the main thread) is timed after, for the
 * report only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_LIMITS, onlineState, PresenceHost, PRESENCE_ALL_USERS, type UserPresenceState } from '../helpers/host.js';
import { inflateModule } from '../helpers/large-module.js';
import { compileWat, writeWatFixture } from '../helpers/wat.js';

/**
 * Generous: the issue asks for under 20 ms. A loaded 2-core machine can deschedule the main thread
 * whatever it runs, so the bound is this much over the worst delay seen with the same traffic and no
 * admission, measured just before.
 */
const MAX_EXTRA_EVENT_LOOP_DELAY_MS = 400;
const BASELINE_MS = 1000;
const GOOD = '@wat:example.com';
const state: UserPresenceState = onlineState('@a:example.com');

let dir: string;
let binary: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admission-event-loop-'));
  binary = inflateModule(await compileWat('large_module'), DEFAULT_LIMITS.max_module_bytes - 4096);
  await writeFile(join(dir, 'large.wasm'), binary);
  await writeWatFixture('route_all_to_one', dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('admitting a 16 MiB module keeps the event loop responsive while a good host answers', async () => {
  expect(binary.length).toBeGreaterThan(DEFAULT_LIMITS.max_module_bytes - 8192);
  expect(binary.length).toBeLessThanOrEqual(DEFAULT_LIMITS.max_module_bytes);
  const good = await PresenceHost.create({ modules: [{ module: './route_all_to_one.wasm' }] }, { baseDir: dir });
  try {
    await good.getUsersForStates([state]); // warm: the first call is not part of the measurement
    let admitting = true;
    let goodAnswers = 0;
    const traffic = async () => {
      while (admitting) {
        const [routing, interested] = await Promise.all([good.getUsersForStates([state]), good.getInterestedUsers(GOOD)]);
        expect([...routing.get(GOOD)!]).toEqual([state]);
        expect(interested).toBe(PRESENCE_ALL_USERS);
        goodAnswers++;
        // Paced, so that the traffic itself does not keep the main thread busy (it is load, not a handshake).
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    // The machine's own noise: the same traffic, no admission.
    const baseline = monitorEventLoopDelay({ resolution: 1 });
    baseline.enable();
    const baselineTraffic = traffic();
    await new Promise((resolve) => setTimeout(resolve, BASELINE_MS));
    admitting = false;
    await baselineTraffic;
    baseline.disable();
    admitting = true;
    goodAnswers = 0;

    const delay = monitorEventLoopDelay({ resolution: 1 });
    const admissionTraffic = traffic();
    delay.enable();
    // The event loop's own busy time: what admission costs the main thread, apart from the machine's load.
    const utilization = performance.eventLoopUtilization();
    const started = performance.now();
    const synchronousWasm = countSynchronousWasmCalls();
    const large = await PresenceHost.create({ modules: [{ module: './large.wasm' }] }, { baseDir: dir }).finally(() => {
      synchronousWasm.stop();
      delay.disable();
      admitting = false;
    });
    const admissionMs = performance.now() - started;
    const busy = performance.eventLoopUtilization(utilization);
    await admissionTraffic;
    try {
      expect(await large.getUsersForStates([state])).toEqual(new Map());
      expect(await large.getInterestedUsers('@a:example.com')).toEqual(new Set());
    } finally {
      await large.close();
    }
    const validateStarted = performance.now();
    expect(WebAssembly.validate(binary)).toBe(true);
    const validateMs = performance.now() - validateStarted;

    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(
      `admission of a ${binary.length}-byte module: ${admissionMs.toFixed(0)} ms; event-loop delay max ${ms(delay.max)} ms, ` +
        `p99 ${ms(delay.percentile(99))} ms, mean ${ms(delay.mean)} ms over ${delay.count} samples; main thread busy ` +
        `${busy.active.toFixed(0)} ms of it (utilization ${busy.utilization.toFixed(2)}, good traffic included); ` +
        `${goodAnswers} good call pairs answered meanwhile; without admission, the same traffic saw a max of ${ms(baseline.max)} ms; ` +
        `a synchronous WebAssembly.validate of it takes ${validateMs.toFixed(0)} ms`,
    );
    expect(synchronousWasm.calls).toEqual([]);
    expect(delay.count).toBeGreaterThan(0);
    expect(delay.max / 1e6).toBeLessThan(baseline.max / 1e6 + MAX_EXTRA_EVENT_LOOP_DELAY_MS);
    expect(goodAnswers).toBeGreaterThan(0);
  } finally {
    await good.close();
  }
});

/** Wraps the main thread's synchronous WebAssembly entry points and records each call until stop(). */
function countSynchronousWasmCalls(): { calls: string[]; stop: () => void } {
  const calls: string[] = [];
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const originals = { validate: wasm.validate, Module: wasm.Module, Instance: wasm.Instance };
  const validate = originals.validate as (bytes: BufferSource) => boolean;
  wasm.validate = (bytes: BufferSource) => {
    calls.push('validate');
    return validate(bytes);
  };
  for (const name of ['Module', 'Instance'] as const) {
    const Original = originals[name] as new (...args: unknown[]) => object;
    wasm[name] = new Proxy(Original, {
      construct(target, args) {
        calls.push(`new ${name}`);
        return Reflect.construct(target, args);
      },
    });
  }
  return {
    calls,
    stop: () => Object.assign(wasm, originals),
  };
}
