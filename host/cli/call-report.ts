/**
 * `route --report` / `interested --report`: the per-call reports (ModuleCallReport) of one command, on
 * stderr, so stdout stays the answer alone. `--report` (or `--report=table`) prints a table for a person,
 * `--report=json` one line of JSON, an array of the reports, for a program.
 */
import { byteSize } from '../byte-size.js';
import type { HostOptions, ModuleCallReport } from '../host-options.js';
import { UsageError } from './usage.js';

export type ReportFormat = 'table' | 'json';

/** What a bare `--report` means (usage.ts turns it into `--report=table`). */
export const REPORT_DEFAULT: ReportFormat = 'table';

/** The option's help, its text starting at column `column` as the command's other options' do. */
export function reportUsage(column: number): string {
  const text = [
    "print what each module's calls cost, on stderr: init and the callback,",
    'each with its outcome, fuel, wall time in the module, memory high water,',
    'bytes in and out and entries; a table, or one line of JSON (--report=json)',
  ];
  return ['  --report[=table|json]', ...text.map((line) => ' '.repeat(column) + line)].join('\n');
}

/** The `--report` value, checked; undefined when the option was not given. */
export function reportFormat(value: string | boolean | undefined, command: string): ReportFormat | undefined {
  if (value === undefined) return undefined;
  if (value === 'table' || value === 'json') return value;
  throw new UsageError(`${command}: --report must be table or json (got ${JSON.stringify(value)}; see presence-sandbox ${command} --help)`);
}

/** Collects the reports of a host's calls; `options` goes to PresenceHost.fromFile. */
export class CallReports {
  readonly reports: ModuleCallReport[] = [];
  readonly options: HostOptions = { onModuleCall: (report) => this.reports.push(report) };

  constructor(private readonly format: ReportFormat) {}

  write(stream: NodeJS.WritableStream = process.stderr): void {
    stream.write(this.format === 'json' ? JSON.stringify(this.reports) + '\n' : formatTable(this.reports));
  }
}

const COLUMNS: [string, (r: ModuleCallReport) => string][] = [
  ['module', (r) => r.module],
  ['callback', (r) => r.callback],
  ['outcome', (r) => r.outcome],
  ['fuel', (r) => (r.fuelUsed === null ? '-' : String(r.fuelUsed))],
  ['wall ms', (r) => r.wallMs.toFixed(3)],
  ['memory', (r) => byteSize(r.memoryBytes)],
  ['bytes in', (r) => String(r.inputBytes)],
  ['bytes out', (r) => String(r.outputBytes)],
  ['entries', (r) => String(r.entries)],
];

/** One row per report, in the order the calls were reported; numbers right-aligned. */
export function formatTable(reports: readonly ModuleCallReport[]): string {
  const rows = [COLUMNS.map(([title]) => title), ...reports.map((r) => COLUMNS.map(([, cell]) => cell(r)))];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const textColumns = 3;
  return rows
    .map((row) => row.map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd() + '\n')
    .join('');
}
