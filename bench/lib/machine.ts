/** What the results were measured on, for latest.json and bench/README.md. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Machine {
  cpu: string;
  cores: number;
  availableParallelism: number;
  memoryGiB: number;
  node: string;
  platform: string;
  /** One-minute load average when the run started: other work on the machine skews every figure. */
  loadAtStart: number;
  packages: Record<string, string | null>;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

function version(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    availableParallelism: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
    packages: Object.fromEntries(['piscina', 'msgpackr', 'isolated-vm', 'quickjs-emscripten'].map((p) => [p, version(p)])),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores (availableParallelism ${m.availableParallelism}), ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')}, ${m.platform}`;
}
