/**
 * The consistency checker as the built package holds it (dist/), like test/helpers/host.ts: its
 * properties run against real hosts, real workers and the real bundled Wasm modules.
 */
export * from '../../dist/host/consistency/index.js';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../dist/host/config/parse.js';
import { checkTargets, Subject } from '../../dist/host/consistency/index.js';
import type { ModuleEntry } from '../../dist/host/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs `body` against one host serving `modules` in order (one thread each, as the checker would build
 * it: a single module alone, several combined), and closes it afterwards.
 */
export async function withSubject<T>(modules: ModuleEntry[], body: (subject: Subject) => Promise<T>): Promise<T> {
  // Generous deadlines: the checker counts a fault as a violation, and a good module must never time out
  // because the machine is busy.
  const targets = checkTargets(parseConfig({ modules, sandbox: { threads: 1, call_timeout_ms: 60_000, load_timeout_ms: 60_000 } }, ROOT));
  const subject = await Subject.open(targets[targets.length - 1]!);
  try {
    return await body(subject);
  } finally {
    await subject.close();
  }
}
