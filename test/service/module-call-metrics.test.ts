/**
 * The per-call report's histograms on the service's /metrics (issue 15, item 4): fuel and memory per
 * module and callback, init included, over real HTTP, real workers and the bundled modules. Calls that
 * ran count as before in presence_sandbox_module_calls_total; init is in the histograms only.
 */
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PresenceService } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { BOB_STATE, metric } from '../helpers/service.js';

const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));
const CUSTOM = 'module="modules[0] (custom_presence_router)"';

describe('fuel and memory histograms', () => {
  let service: PresenceService;
  beforeAll(async () => {
    service = await PresenceService.start({ config: bundled, port: 0, logger: pino({ level: 'silent' }) });
  });
  afterAll(() => service.close());

  it('observe init at admission and each call, per module and callback', async () => {
    for (const name of ['presence_sandbox_module_fuel_used', 'presence_sandbox_module_memory_bytes']) {
      expect(await metric(service.url, `${name}_count`, `${CUSTOM},callback="init"`)).toBe(1);
      expect(await metric(service.url, `${name}_count`, `${CUSTOM},callback="users_for_states"`)).toBeNaN();
    }
    expect((await post(`${service.url}/v1/users_for_states`, { states: [BOB_STATE] })).status).toBe(200);
    expect((await post(`${service.url}/v1/users_for_states`, { states: [BOB_STATE, { ...BOB_STATE, user_id: '@dana:example.com' }] })).status).toBe(200);
    expect((await get(`${service.url}/v1/interested_users?user_id=${encodeURIComponent('@alice:example.com')}`)).status).toBe(200);

    const series = `${CUSTOM},callback="users_for_states"`;
    expect(await metric(service.url, 'presence_sandbox_module_fuel_used_count', series)).toBe(2);
    expect(await metric(service.url, 'presence_sandbox_module_fuel_used_sum', series)).toBeGreaterThan(0);
    expect(await metric(service.url, 'presence_sandbox_module_memory_bytes_count', series)).toBe(2);
    // Whole 64 KiB pages, for each of the two calls.
    expect((await metric(service.url, 'presence_sandbox_module_memory_bytes_sum', series)) % 65536).toBe(0);
    expect(await metric(service.url, 'presence_sandbox_module_memory_bytes_count', `${CUSTOM},callback="interested_users"`)).toBe(1);
    // Every observation is in a bucket below +Inf: the buckets span what a call can use.
    expect(await metric(service.url, 'presence_sandbox_module_fuel_used_bucket', `le="1000000000000",${series}`)).toBe(2);
    expect(await metric(service.url, 'presence_sandbox_module_memory_bytes_bucket', `le="4294967296",${series}`)).toBe(2);

    // The calls counter and its latency count the two callbacks that ran, not init.
    expect(await metric(service.url, 'presence_sandbox_module_calls_total', `${CUSTOM},callback="users_for_states",outcome="ok"`)).toBe(2);
    expect(await metric(service.url, 'presence_sandbox_module_calls_total', 'callback="init"')).toBeNaN();
    expect(await metric(service.url, 'presence_sandbox_module_call_seconds_count', `${CUSTOM},callback="users_for_states"`)).toBe(2);
  });
});
