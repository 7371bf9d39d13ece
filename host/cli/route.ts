/** `presence-sandbox route`: one get_users_for_states call, as JSON; with --report, what it cost. */
import { PresenceHost } from '../presence-host.js';
import { CallReports, REPORT_DEFAULT, reportFormat, reportUsage } from './call-report.js';
import { routingToObject } from '../routing/present.js';
import { readJson, requireOption, type Command } from './usage.js';

export const routeCommand: Command = {
  name: 'route',
  summary: 'route a batch of presence states through the configured modules',
  usage: `Usage: presence-sandbox route --config FILE --states FILE|- [--report[=json]]

Reads a JSON array of presence states (Synapse's UserPresenceState fields: user_id, state,
last_active_ts, last_federation_update_ts, last_user_sync_ts, status_msg, currently_active) from FILE
or stdin, and prints a JSON object mapping each destination user ID (sorted) to the states routed to
it, in input order. Equal states count once, as in Synapse.

Options:
  --config FILE   the YAML config (modules:, presence.presence_router, sandbox:); env PRESENCE_SANDBOX_CONFIG
  --states FILE   the states as JSON; - reads stdin
${reportUsage(18)}
  -h, --help      show this help`,
  options: { config: { type: 'string' }, states: { type: 'string' }, report: { type: 'string' } },
  bareValues: { report: REPORT_DEFAULT },
  async run(values) {
    const config = requireOption(values, 'config', 'route');
    const format = reportFormat(values.report, 'route');
    const states = await readJson(requireOption(values, 'states', 'route'), 'states');
    const reports = format === undefined ? undefined : new CallReports(format);
    const host = await PresenceHost.fromFile(config, reports?.options);
    try {
      const routing = await host.getUsersForStates(states as unknown[]);
      process.stdout.write(JSON.stringify(routingToObject(routing, states as unknown[]), null, 2) + '\n');
    } finally {
      await host.close();
      reports?.write();
    }
  },
};
