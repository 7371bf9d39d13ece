/** The results as tables: one per question, plain text for stdout and Markdown for bench/README.md. */
import type { CaseResult } from './question.js';

/** Metric columns in this order when present; any other metric follows. */
const ORDER = ['states_per_sec', 'calls_per_sec', 'p50_ms', 'p99_ms', 'median_ms', 'min_ms', 'max_ms', 'ratio'];

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e4) return String(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(abs >= 1e8 ? 0 : 2)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(abs >= 1e6 ? 0 : 1)} k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function columnsOf(cases: CaseResult[]): string[] {
  const keys = new Set<string>();
  for (const c of cases) for (const k of Object.keys(c.metrics)) keys.add(k);
  return [...ORDER.filter((k) => keys.has(k)), ...[...keys].filter((k) => !ORDER.includes(k)).sort()];
}

function grouped(cases: CaseResult[]): Map<string, CaseResult[]> {
  const groups = new Map<string, CaseResult[]>();
  for (const c of cases) {
    if (!groups.has(c.question)) groups.set(c.question, []);
    groups.get(c.question)!.push(c);
  }
  return groups;
}

function rows(cases: CaseResult[]): { header: string[]; body: string[][] } {
  const metrics = columnsOf(cases);
  const header = ['case', 'system', ...metrics];
  const body = cases.map((c) => [c.name, c.system, ...metrics.map((m) => (m in c.metrics ? formatNumber(c.metrics[m]!) : ''))]);
  return { header, body };
}

export function renderText(cases: CaseResult[]): string {
  const out: string[] = [];
  for (const [question, group] of grouped(cases)) {
    const { header, body } = rows(group);
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    out.push(`\n${question}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line));
  }
  return out.join('\n');
}

export function renderMarkdown(cases: CaseResult[]): string {
  const out: string[] = [];
  for (const [question, group] of grouped(cases)) {
    const { header, body } = rows(group);
    out.push(`#### ${question}`, '', `| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`);
    for (const r of body) out.push(`| ${r.join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

export function printTable(cases: CaseResult[]): void {
  console.log(renderText(cases));
}
