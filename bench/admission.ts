/**
 * Question: what does admitting a large module cost, and where? A 16 MiB module (just under the default
 * max_module_bytes: test/fixtures/wat/large_module.wat filled with about 2000 function bodies of 8 KiB,
 * test/helpers/large-module.ts), through each stage of the static check on this thread: reading its
 * declarations (host/admission/structure.ts), the feature walk of its code (opcodes.ts), and the engine's
 * own validation; then the same check as the host runs it, in its admission thread, with the main
 * thread's event-loop delay and busy time while it runs. Next to that, the alternative the feature walk
 * replaced: wabt's reader with the refused proposals switched off, then its validator.
 *
 * Each stage keeps its first round (what one admission pays: a fresh thread, nothing optimised yet) and
 * its median over the rounds.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import wabtInit from 'wabt';
import { readFile } from 'node:fs/promises';
import { DEFAULT_LIMITS } from '../host/index.js';
import { compileAndInspect } from '../host/admission/inspect.js';
import { scanCode } from '../host/admission/opcodes.js';
import { readStructure } from '../host/admission/structure.js';
import { inflateModule } from '../test/helpers/large-module.js';
import { median } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX } from './lib/systems.js';
import { watModule } from './lib/wat.js';

const QUESTION = 'admission';

function timed(rounds: number, run: () => void): { first_ms: number; median_ms: number } {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  return { first_ms: samples[0]!, median_ms: median(samples) };
}

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const rounds = opts.quick ? 3 : 6;
  report.plan(4);
  const base = new Uint8Array(await readFile(await watModule('large_module')));
  const binary = inflateModule(base, DEFAULT_LIMITS.max_module_bytes - 4096);
  const params = { bytes: binary.length, rounds };
  const name = (stage: string) => `16 MiB module: ${stage}`;

  report.start('stages on this thread');
  const structure = readStructure(binary, DEFAULT_LIMITS);
  report.record(SANDBOX, name('declarations read and bounded (structure.ts)'), params, timed(rounds, () => readStructure(binary, DEFAULT_LIMITS)));
  const code = structure.code!;
  report.record(SANDBOX, name('feature walk of the code section (opcodes.ts)'), params, timed(rounds, () => scanCode(binary, code.payloadStart, code.end)));
  report.record('v8', name('WebAssembly.validate, synchronous (the old main-thread path)'), params, timed(rounds, () => WebAssembly.validate(binary)));

  report.start('the static check in its admission thread');
  const walls: number[] = [];
  const delays: number[] = [];
  const busy: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const bytes = new Uint8Array(binary); // the host reads a fresh buffer and moves it to the thread
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const utilization = performance.eventLoopUtilization();
    const started = performance.now();
    await compileAndInspect(bytes, 'bench', DEFAULT_LIMITS);
    walls.push(performance.now() - started);
    busy.push(performance.eventLoopUtilization(utilization).active);
    delay.disable();
    delays.push(delay.max / 1e6);
  }
  report.record(SANDBOX, name('static check in the admission thread, end to end'), params, {
    first_ms: walls[0]!,
    median_ms: median(walls),
    event_loop_delay_max_ms: Math.max(...delays),
    main_thread_busy_median_ms: median(busy),
  });

  report.start('wabt reader, refused proposals off');
  const wabt = await wabtInit();
  const rssBefore = process.memoryUsage().rss;
  const wabtRounds = 1;
  const reads: number[] = [];
  const validations: number[] = [];
  for (let r = 0; r < wabtRounds; r++) {
    let started = performance.now();
    const module = wabt.readWasm(binary, {
      readDebugNames: false,
      exceptions: false,
      threads: false,
      gc: false,
      memory64: false,
      function_references: false,
      relaxed_simd: false,
      simd: true,
      tail_call: true,
      reference_types: true,
      bulk_memory: true,
      multi_value: true,
      sat_float_to_int: true,
      sign_extension: true,
      mutable_globals: true,
    });
    reads.push(performance.now() - started);
    started = performance.now();
    module.validate();
    validations.push(performance.now() - started);
    module.destroy();
  }
  report.record('wabt', name('wabt.readWasm, refused proposals off'), { ...params, rounds: wabtRounds }, {
    first_ms: reads[0]!,
    median_ms: median(reads),
    rss_growth_mb: (process.memoryUsage().rss - rssBefore) / 2 ** 20,
  });
  report.record('wabt', name('wabt validate after reading'), { ...params, rounds: wabtRounds }, { first_ms: validations[0]!, median_ms: median(validations) });

  report.start('done');
  report.note('The feature walk runs in the admission thread, beside the engine compiling the same bytes on its own threads.');
  report.finish();
});
