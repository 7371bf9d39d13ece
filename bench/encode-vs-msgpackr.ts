/**
 * Question: how much faster is the host's fused batch encoder (host/routing/batch.ts: check every field,
 * dedup, write msgpack into a reused buffer) than msgpackr's pack of the same tuples, already checked and
 * built? Both run in this process in interleaved rounds (A, B, A, B ...), so that a ratio compares two
 * systems at the same moment of a shared machine; the ratio is the median of the rounds' ratios, with
 * its spread (the 10th and 90th percentile of the rounds). Also the encoder writing user IDs only (a
 * module declaring `presence_fields = 0x01`, docs/abi.md "Field projection"). The encoder keeps a table of
 * the user IDs it has checked from call to call (host/routing/user-table.ts): encoding the same batch
 * again and again, as every question does, finds every user there (warm, `encode_vs_msgpackr`); the cold
 * case empties it (and the table of status messages) before each call, as for a batch of users never
 * seen (`encode_vs_msgpackr_cold`).
 * Its own timing loop; the reported ratios go through lib/interleave.ts's recordRatio like every other.
 */
import { performance } from 'node:perf_hooks';
import { Packr } from 'msgpackr';
import { ALL_FIELDS, USER_ID_FIELD } from '../host/protocol/abi.js';
import { BatchEncoder } from '../host/routing/batch.js';
import { BatchBuffers } from '../host/routing/batch-buffers.js';
import { UserTable } from '../host/routing/user-table.js';
import { makeBatch, toTuple } from './lib/batches.js';
import { recordRatio, spread } from './lib/interleave.js';
import { Reporter, main, options } from './lib/question.js';

const QUESTION = 'encode-vs-msgpackr';
const BATCHES = [10, 100, 1000];

/** µs per call of `fn`, run for about `ms` milliseconds. */
function timeOnce(fn: () => unknown, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 16; k++) fn();
    calls += 16;
    now = performance.now();
  }
  return ((now - start) * 1000) / calls;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}

main(async () => {
  const opts = options();
  const rounds = opts.quick ? 7 : 21;
  const roundMs = opts.quick ? 40 : 100;
  const reporter = new Reporter(QUESTION);
  reporter.plan(BATCHES.length);
  const packr = new Packr({ useRecords: false });
  const encoder = new BatchEncoder();
  const coldUsers = new UserTable();
  const coldStatuses = new UserTable();
  const coldEncoder = new BatchEncoder(coldUsers, coldStatuses);
  const buffers = new BatchBuffers();
  for (const size of BATCHES) {
    reporter.start(`batch ${size}`);
    const states = makeBatch(size);
    const tuples = states.map(toTuple);
    const systems = {
      encoder: () => buffers.release(encoder.encode(states, 1 << 30, buffers, [ALL_FIELDS]).batches[0]!),
      'encoder, cold user table': () => {
        coldUsers.clear();
        coldStatuses.clear();
        buffers.release(coldEncoder.encode(states, 1 << 30, buffers, [ALL_FIELDS]).batches[0]!);
      },
      'encoder, user IDs only': () => buffers.release(encoder.encode(states, 1 << 30, buffers, [USER_ID_FIELD]).batches[0]!),
      'msgpackr pack of checked tuples': () => packr.pack(tuples),
    };
    const names = Object.keys(systems) as (keyof typeof systems)[];
    for (const name of names) timeOnce(systems[name], opts.warmupMs / names.length);
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) for (const name of names) times[name]!.push(timeOnce(systems[name], roundMs));
    const msgpackr = times['msgpackr pack of checked tuples']!;
    for (const name of names) {
      const us = [...times[name]!].sort((a, b) => a - b);
      const ratios = msgpackr.map((m, r) => m / times[name]![r]!).sort((a, b) => a - b);
      reporter.record(name, `${name}, batch ${size}`, { batch: size }, {
        us_per_1000_states: (quantile(us, 0.5) * 1000) / size,
        encode_vs_msgpackr: quantile(ratios, 0.5),
        encode_vs_msgpackr_p10: quantile(ratios, 0.1),
        encode_vs_msgpackr_p90: quantile(ratios, 0.9),
      });
      // The reported ratio (bench/run.ts): full states, batch 1000, with its spread over the rounds.
      if (size !== 1000) continue;
      if (name === 'encoder') recordRatio(reporter, 'encode_vs_msgpackr', `batch ${size}: msgpackr's pack ÷ the fused encoder, time per batch`, spread(ratios));
      if (name === 'encoder, cold user table') {
        recordRatio(reporter, 'encode_vs_msgpackr_cold', `batch ${size}: msgpackr's pack ÷ the fused encoder with its user table emptied before each call`, spread(ratios));
      }
    }
  }
  reporter.note('encode_vs_msgpackr: msgpackr time ÷ this system\'s time, per interleaved round; median, p10 and p90 of the rounds.');
  reporter.finish();
});
