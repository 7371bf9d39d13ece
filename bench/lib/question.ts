/**
 * What each question file (bench/<question>.ts) shares: its options, how it reports progress and results,
 * and the wire between a question running as a child process and bench/run.ts. A question file also runs
 * on its own (`node dist/bench/interested-latency.js --quick`) and then prints its own progress and table.
 */
import { Progress } from './progress.js';
import { printTable } from './table.js';

export interface CaseResult {
  /** The question (file name without extension). */
  question: string;
  /** The scenario, readable on its own: `example_presence_router, batch 1000, 2 threads`. */
  name: string;
  /** Which system ran it: presence-sandbox, in-process, msgpackr-floor, isolated-vm, quickjs, bare-piscina. */
  system: string;
  params: Record<string, string | number | boolean>;
  metrics: Record<string, number>;
}

export interface Skip {
  system: string;
  reason: string;
}

/** Child → parent messages. */
export type QuestionMessage =
  | { type: 'plan'; cases: number }
  | { type: 'case'; name: string }
  | { type: 'result'; cases: CaseResult[]; notes: string[]; skipped: Skip[] };

export interface Options {
  quick: boolean;
  warmupMs: number;
  timeMs: number;
}

export function options(argv = process.argv.slice(2)): Options {
  const quick = argv.includes('--quick');
  // Quick: enough to see the shape. Full: long enough for stable sweeps; the ratios come from interleaved
  // rounds (interleave.ts), whose number and length are their own.
  return quick ? { quick, warmupMs: 100, timeMs: 250 } : { quick, warmupMs: 250, timeMs: 1000 };
}

export class Reporter {
  private readonly cases: CaseResult[] = [];
  private readonly notes: string[] = [];
  private readonly skipped: Skip[] = [];
  private readonly progress: Progress | undefined;
  private started = 0;

  constructor(readonly question: string) {
    this.progress = process.send ? undefined : new Progress();
  }

  /** Announce how many cases will start, for the progress bar. */
  plan(cases: number): void {
    this.send({ type: 'plan', cases });
    this.progress?.begin(this.question, cases);
  }

  /** A case is starting. Also gives the collector a chance to run between cases. */
  start(name: string): void {
    this.started++;
    (globalThis as { gc?: () => void }).gc?.();
    this.send({ type: 'case', name });
    this.progress?.step(name);
  }

  record(system: string, name: string, params: CaseResult['params'], metrics: CaseResult['metrics']): CaseResult {
    const result = { question: this.question, name, system, params, metrics };
    this.cases.push(result);
    return result;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  skip(system: string, reason: string): void {
    this.skipped.push({ system, reason });
  }

  finish(): void {
    this.send({ type: 'result', cases: this.cases, notes: this.notes, skipped: this.skipped });
    if (this.progress) {
      this.progress.end();
      printTable(this.cases);
      for (const s of this.skipped) console.log(`skipped ${s.system}: ${s.reason}`);
      for (const n of this.notes) console.log(n);
    }
  }

  private send(message: QuestionMessage): void {
    process.send?.(message);
  }
}

/** Run a question's main, reporting a failure as one line and a non-zero exit. */
export function main(run: () => Promise<void>): void {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
