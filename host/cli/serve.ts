/** `presence-sandbox serve`: the HTTP sidecar, with reload on SIGHUP and a bounded stop on SIGTERM/SIGINT. */
import { DEFAULT_SERVICE, SERVICE_KEYS, parseServiceSection, serviceFlag, serviceFlags } from '../config/service-options.js';
import { BATCH_MEDIA_TYPE } from '../service/batch-wire.js';
import { createLogger } from '../service/logger.js';
import { DEFAULT_PORT, PresenceService } from '../service/service.js';
import { FLAG_ENVIRONMENT, LOG_LEVEL_NAMES, logLevel, serviceEnvironment } from './environment.js';
import { requireOption, type Command } from './usage.js';

const TOKEN_ENV = 'PRESENCE_SANDBOX_ADMIN_TOKEN';
const d = DEFAULT_SERVICE;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the configured modules over HTTP (with Prometheus metrics)',
  usage: `Usage: presence-sandbox serve --config FILE [--host 127.0.0.1] [--port ${DEFAULT_PORT}] [--socket PATH] [options]

Admits every module of the config, then serves on the addresses it prints:
  POST /v1/users_for_states    {"states": [...]}  ->  {"routing": {user: [states]}}
  GET  /v1/interested_users?user_id=U             ->  {"users": [...]} or {"users": "ALL"}
  GET  /v1/events              server-sent events: send_local_online_presence_to requests
  GET  /healthz, /readyz       liveness; readiness (503 while stopping, "degraded" naming a quarantined module)
  GET  /metrics                Prometheus metrics
  POST /admin/reload           re-read the config (as SIGHUP does); admin listener or bearer token only
JSON by default; msgpack when Content-Type (or Accept) is application/msgpack. From a homeserver, use
the binary wire (docs/wire.md): POST /v1/users_for_states with Content-Type
${BATCH_MEDIA_TYPE}, the ABI batch in, {user: [request indices]} out.
SIGHUP reloads the config (admitted fully before it replaces the old one); SIGTERM and SIGINT stop
accepting, give the calls in flight the grace period, close every connection left and exit 0; a second
signal exits at once. Logs are JSON lines on stderr.

Options (each overrides its environment variable, which overrides the config's service: section;
docs/security.md has why each default):
  --config FILE                  the YAML config (env ${FLAG_ENVIRONMENT.config})
  --host ADDR                    TCP address (default ${d.host}; env ${FLAG_ENVIRONMENT.host})
  --port N                       TCP port (default ${d.port}; 0 picks a free one; env ${FLAG_ENVIRONMENT.port})
  --socket PATH                  serve on a Unix domain socket (TCP then only if a host or port is given;
                                 env ${FLAG_ENVIRONMENT.socket})
  --log-level LEVEL              ${LOG_LEVEL_NAMES.join('|')} (default info; env
                                 ${FLAG_ENVIRONMENT['log-level']}, then LOG_LEVEL)
  --socket-mode MODE             file mode of the sockets, octal, e.g. 0660
  --admin-port N, --admin-host ADDR, --admin-socket PATH
                                 a separate admin listener (off by default); else admin routes need the
                                 bearer token from service.admin_token or ${TOKEN_ENV}
  --allowed-hosts A,B            Host header names accepted besides IP literals and localhost ("*": any)
  --header-timeout-ms N          (default ${d.header_timeout_ms})   --request-timeout-ms N (default ${d.request_timeout_ms})
  --keep-alive-timeout-ms N      (default ${d.keep_alive_timeout_ms})  --send-timeout-ms N    (default ${d.send_timeout_ms})
  --max-connections N            (default ${d.max_connections})    --max-body-bytes N     (default ${d.max_body_bytes})
  --max-header-bytes N           (default ${d.max_header_bytes})   --shutdown-grace-ms N  (default ${d.shutdown_grace_ms})
  --events-heartbeat-ms N        (default ${d.events_heartbeat_ms})   --events-buffer-bytes N (default ${d.events_buffer_bytes})
  --events-backlog N             (default ${d.events_backlog})   --events-backlog-bytes N (default ${d.events_backlog_bytes})
  -h, --help                     show this help`,
  options: {
    config: { type: 'string' },
    'log-level': { type: 'string' },
    ...Object.fromEntries(
      Object.keys(SERVICE_KEYS)
        .filter((k) => k !== 'admin_token')
        .map((k) => [serviceFlag(k).slice(2), { type: 'string' as const }]),
    ),
  },
  async run(values) {
    const config = requireOption(values, 'config', 'serve');
    const level = logLevel(values, 'serve');
    // A flag wins over its environment variable; both win over the config's service: section.
    const settings = { ...serviceEnvironment(values), ...serviceFlags(values) };
    const token = process.env[TOKEN_ENV];
    if (token !== undefined && token !== '') Object.assign(settings, parseServiceSection({ admin_token: token }, TOKEN_ENV, () => TOKEN_ENV));
    const logger = createLogger(level);
    const service = await PresenceService.start({ config, settings, logger });
    // A promise nobody handled is a bug to log, not a reason to drop every client's connection.
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
    process.on('SIGHUP', () => void service.reload());
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      void service.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // The addresses last: whoever reads them (a supervisor, a test) may signal at once, and the handlers
    // above must be in place by then, or the signal's default action kills the process mid-serve.
    for (const url of service.urls.data) process.stdout.write(`presence-sandbox serving ${config} on ${url}\n`);
    for (const url of service.urls.admin) process.stdout.write(`presence-sandbox admin routes on ${url}\n`);
  },
};
