/**
 * A Piscina worker that does nothing, for the bare-pool baselines: a task answers at once. A task may ask
 * for a reply shaped like a users_for_states answer (destinations, offsets, indices), built once per
 * shape and cached, so the measured roundtrip carries the same structured clone back as the host's; or it
 * may spin forever, like a guest in an infinite loop, to measure thread replacement.
 * CommonJS for the same reason as host/worker/entry.cts.
 */
interface ReplyShape {
  destinations: number;
  indicesPerDestination: number;
}

const replies = new Map<string, unknown>();

function reply(shape: ReplyShape): unknown {
  const key = `${shape.destinations}x${shape.indicesPerDestination}`;
  let value = replies.get(key);
  if (value === undefined) {
    const n = shape.destinations * shape.indicesPerDestination;
    const offsets = new Uint32Array(shape.destinations + 1).map((_, i) => i * shape.indicesPerDestination);
    const indices = new Uint32Array(n).map((_, i) => i % shape.indicesPerDestination);
    const destinations = Array.from({ length: shape.destinations }, (_, i) => `@destination_${i}:example.org`);
    value = { ok: true, value: { destinations, offsets, indices }, logs: [], sends: [], instantiated: false };
    replies.set(key, value);
  }
  return value;
}

module.exports = function handle(task: { reply?: ReplyShape; spin?: boolean } | undefined): unknown {
  // A task that never ends, like a guest in an infinite loop: only terminating the thread stops it.
  if (task?.spin) for (;;);
  return task?.reply ? reply(task.reply) : null;
};
