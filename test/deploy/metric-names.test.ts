/**
 * Every query in deploy/ names metrics the service really exports: each expression of the Grafana
 * dashboard (panels and variables) and of the alert rules is checked against the /metrics of a real
 * service that has seen every kind of traffic (test/helpers/scrape.ts). A renamed metric breaks here,
 * not on an operator's empty panel.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labelValuesMetric, metricNames } from '../helpers/promql.js';
import { serviceWithTraffic, seriesNames, type Scraped } from '../helpers/scrape.js';

const deploy = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url));
const dashboard = JSON.parse(readFileSync(deploy('grafana/presence-sandbox.json'), 'utf8'));
const rules = parse(readFileSync(deploy('prometheus/presence-sandbox.rules.yml'), 'utf8'));

/** Series Prometheus makes itself for every scrape target, not the service. */
const FROM_PROMETHEUS = new Set(['up']);

/** Every `expr` in the dashboard, wherever Grafana keeps it (panels, rows' panels). */
function dashboardExprs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) dashboardExprs(n, out);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') out.push(value);
      else dashboardExprs(value, out);
    }
  }
  return out;
}

let scraped: Scraped;
let exported: Set<string>;
beforeAll(async () => {
  scraped = await serviceWithTraffic();
  exported = seriesNames(scraped.text);
});
afterAll(() => scraped?.service.close());

describe('the PromQL scanner', () => {
  it('finds the metric names and only them', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{route="/v1/x", code=~"5.."}[$__rate_interval])))')).toEqual(['a_seconds_bucket']);
    expect(metricNames('sum by (instance, module) (rate(b_total{outcome!="ok"}[5m])) / sum by (instance, module) (rate(b_total[5m])) > 0.01')).toEqual(['b_total']);
    expect(metricNames('up{job="x"} == 0 and on (instance) c_gauge > 1e3')).toEqual(['up', 'c_gauge']);
    expect(labelValuesMetric('label_values(d_calls{instance=~"$instance"}, module)')).toBe('d_calls');
  });
});

describe('deploy/grafana/presence-sandbox.json', () => {
  const exprs = dashboardExprs(dashboard.panels);
  it('has queries', () => {
    expect(exprs.length).toBeGreaterThan(10);
  });
  for (const expr of exprs) {
    it(expr, () => {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${name} in ${expr}`).toContain(name);
    });
  }
  it('its variables read exported metrics', () => {
    const queries = dashboard.templating.list.filter((v: { type: string }) => v.type === 'query');
    expect(queries.length).toBeGreaterThan(0);
    for (const v of queries) expect(exported).toContain(labelValuesMetric(v.query.query));
  });
  it('every panel reads the dashboard datasource variable', () => {
    const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
    for (const p of panels) expect(p.datasource.uid, p.title).toBe('${datasource}');
  });
});

describe('deploy/prometheus/presence-sandbox.rules.yml', () => {
  const alerts: { alert: string; expr: string }[] = rules.groups.flatMap((g: { rules: unknown[] }) => g.rules);
  it('alerts on quarantines, faults, overload and latency', () => {
    const names = alerts.map((a) => a.alert);
    for (const name of ['PresenceSandboxModuleQuarantined', 'PresenceSandboxModuleFaults', 'PresenceSandboxOverloaded', 'PresenceSandboxSlowAnswers']) {
      expect(names).toContain(name);
    }
  });
  for (const { alert, expr } of alerts) {
    it(alert, () => {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) if (!FROM_PROMETHEUS.has(name)) expect(exported, `${name} in ${alert}`).toContain(name);
    });
  }
});
