/** fast-check generators for the bundled modules' configs, over the user IDs and servers of presence.ts. */
import fc from 'fast-check';
import { SERVERS, exampleConfig, userId } from './presence.js';

const users = (minLength = 0) => fc.uniqueArray(userId, { minLength, maxLength: 4 });

export { exampleConfig };

/** custom_presence_router: Synapse's default routes (no config), or receiver → senders. */
export const customConfig: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constant({}),
  fc.record({ routes: fc.dictionary(userId, users(), { maxKeys: 4 }) }),
);

/** team_groups_router: named groups, members possibly in several groups. */
export const teamGroupsConfig: fc.Arbitrary<Record<string, unknown>> = fc.record({
  groups: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_-]{0,7}$/), users(), { maxKeys: 4 }),
});

/** server_watch_router: watchers (possibly on a watched server themselves) and watched server names. */
export const serverWatchConfig: fc.Arbitrary<Record<string, unknown>> = fc.record({
  watchers: users(1),
  server_names: fc.uniqueArray(fc.constantFrom(...SERVERS), { minLength: 1, maxLength: 3 }),
});

/** Every bundled module with an arbitrary config of its own. */
export const BUNDLED: { module: string; config: fc.Arbitrary<Record<string, unknown>> }[] = [
  { module: 'example_presence_router', config: exampleConfig },
  { module: 'example_presence_router_rust', config: exampleConfig },
  { module: 'custom_presence_router', config: customConfig },
  { module: 'team_groups_router', config: teamGroupsConfig },
  { module: 'server_watch_router', config: serverWatchConfig },
];
