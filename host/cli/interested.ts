/** `presence-sandbox interested`: one get_interested_users call, as JSON; with --report, what it cost. */
import { PresenceHost } from '../presence-host.js';
import { CallReports, REPORT_DEFAULT, reportFormat, reportUsage } from './call-report.js';
import { interestToJson } from '../routing/present.js';
import { requireOption, type Command } from './usage.js';

export const interestedCommand: Command = {
  name: 'interested',
  summary: 'print the users whose presence a user receives',
  usage: `Usage: presence-sandbox interested --config FILE --user USER_ID [--report[=json]]

Prints "ALL" when the user receives everyone's presence, otherwise a sorted JSON array of user IDs.

Options:
  --config FILE     the YAML config (env PRESENCE_SANDBOX_CONFIG)
  --user USER_ID    a local user, e.g. @alice:example.com
${reportUsage(20)}
  -h, --help        show this help`,
  options: { config: { type: 'string' }, user: { type: 'string' }, report: { type: 'string' } },
  bareValues: { report: REPORT_DEFAULT },
  async run(values) {
    const config = requireOption(values, 'config', 'interested');
    const user = requireOption(values, 'user', 'interested');
    const format = reportFormat(values.report, 'interested');
    const reports = format === undefined ? undefined : new CallReports(format);
    const host = await PresenceHost.fromFile(config, reports?.options);
    try {
      const users = await host.getInterestedUsers(user);
      process.stdout.write(JSON.stringify(interestToJson(users)) + '\n');
    } finally {
      await host.close();
      reports?.write();
    }
  },
};
