/** `presence-sandbox interested`: one get_interested_users call, as JSON. */
import { PresenceHost } from '../presence-host.js';
import { LOG_LEVEL_OPTION, logLevelUsage, moduleOutput } from './module-output.js';
import { interestToJson } from '../routing/present.js';
import { requireOption, type Command } from './usage.js';

export const interestedCommand: Command = {
  name: 'interested',
  summary: 'print the users whose presence a user receives',
  usage: `Usage: presence-sandbox interested --config FILE --user USER_ID [--log-level LEVEL]

Prints "ALL" when the user receives everyone's presence, otherwise a sorted JSON array of user IDs.

Options:
  --config FILE     the YAML config (env PRESENCE_SANDBOX_CONFIG)
  --user USER_ID    a local user, e.g. @alice:example.com
${logLevelUsage(20)}
  -h, --help        show this help`,
  options: { config: { type: 'string' }, user: { type: 'string' }, ...LOG_LEVEL_OPTION },
  async run(values) {
    const config = requireOption(values, 'config', 'interested');
    const user = requireOption(values, 'user', 'interested');
    const host = await PresenceHost.fromFile(config, moduleOutput(values, 'interested'));
    try {
      const users = await host.getInterestedUsers(user);
      process.stdout.write(JSON.stringify(interestToJson(users)) + '\n');
    } finally {
      await host.close();
    }
  },
};
