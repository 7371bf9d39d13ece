/**
 * The metric names a PromQL expression reads, for checking a dashboard's or a rule file's queries
 * against a real /metrics. A small scanner, not a parser: it drops what cannot be a metric name (strings,
 * label matchers, ranges, label lists of by/without/on/ignoring/group_*, numbers, Grafana's $variables),
 * then keeps each identifier that is not a keyword and not called like a function.
 */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const before = stripped[m.index! - 1] ?? ' ';
    if (/[\d.]/.test(before)) continue; // 1e3, 0.5
    if (/^\s*\(/.test(stripped.slice(m.index! + m[0].length))) continue; // a function or an aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Grafana's `label_values(metric{...}, label)` variable query: the metric it reads. */
export function labelValuesMetric(query: string): string | undefined {
  return /^\s*label_values\(\s*([A-Za-z_:][\w:]*)/.exec(query)?.[1];
}
