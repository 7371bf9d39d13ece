/**
 * The binary wire (docs/wire.md), the recommended way for a homeserver to call the service:
 * `POST /v1/users_for_states` with the ABI v1 msgpack batch as the body, answered with msgpack
 * {destination: [indices into the request]}. This thread only moves bytes: the batch is checked and
 * deduplicated in the workers (host/wire/read-batch.ts), and the answer holds indices, not states.
 * Errors are JSON like every other route's (routes.ts sendError): 400 invalid_input naming the field.
 */
import type { BodyHandler } from './routes.js';

/** The request's media type: the body is the ABI v1 batch (docs/abi.md). */
export const BATCH_MEDIA_TYPE = 'application/vnd.presence-sandbox.batch+msgpack';
/** The answer's media type: a msgpack map of destination → indices. */
export const ROUTING_MEDIA_TYPE = 'application/vnd.presence-sandbox.routing+msgpack';

/** The body arrives capped (413 past service.max_body_bytes) and matched on its media type (routes.ts). */
export const usersForStatesBatch: BodyHandler = async (body, { res, service }) => {
  const answer = await service.host().getUsersForStatesBatchAnswer(body);
  res.writeHead(200, { 'content-type': ROUTING_MEDIA_TYPE, 'content-length': answer.byteLength });
  res.end(answer);
  return 200;
};
