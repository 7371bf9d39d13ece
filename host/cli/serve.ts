/** `presence-sandbox serve`: the HTTP sidecar, with reload on SIGHUP and a clean stop on SIGTERM/SIGINT. */
import { DEFAULT_PORT, PresenceService } from '../service/service.js';
import { UsageError, requireOption, type Command } from './usage.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the configured modules over HTTP (with Prometheus metrics)',
  usage: `Usage: presence-sandbox serve --config FILE [--host 127.0.0.1] [--port ${DEFAULT_PORT}]

Admits every module of the config, then serves on the address it prints:
  POST /v1/users_for_states    {"states": [...]}  ->  {"routing": {user: [states]}}
  GET  /v1/interested_users?user_id=U             ->  {"users": [...]} or {"users": "ALL"}
  GET  /v1/events              server-sent events: send_local_online_presence_to requests
  GET  /healthz, GET /metrics  health and Prometheus metrics
  POST /admin/reload           re-read the config (as SIGHUP does)
JSON by default; msgpack when Content-Type (or Accept) is application/msgpack.
SIGHUP reloads the config (admitted fully before it replaces the old one); SIGTERM and SIGINT stop
accepting, finish the calls in flight and exit 0. Logs are JSON lines on stderr (LOG_LEVEL=debug|info|warn).

Options:
  --config FILE   the YAML config
  --host ADDR     address to listen on (default 127.0.0.1)
  --port N        port (default ${DEFAULT_PORT}; 0 picks a free one)
  -h, --help      show this help`,
  options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  async run(values) {
    const config = requireOption(values, 'config', 'serve');
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`serve: --port must be an integer from 0 to 65535 (got ${String(values.port)})`);
    }
    const service = await PresenceService.start({ config, port, host: (values.host as string | undefined) ?? '127.0.0.1' });
    process.stdout.write(`presence-sandbox serving ${config} on ${service.url}\n`);
    process.on('SIGHUP', () => void service.reload());
    const stop = () => void service.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
};
