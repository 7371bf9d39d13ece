"""The sidecar's events stream (`GET /v1/events`, server-sent events): modules' requests to call
send_local_online_presence_to. One subscription per sidecar, kept open for the life of the process;
after a drop it reconnects with a growing delay and sends `Last-Event-ID`, so the sidecar resends what
was missed (it keeps a bounded backlog).

Only the process that writes the presence stream may call send_local_online_presence_to (Synapse raises
elsewhere), so the router subscribes there only: see PresenceSandboxRouter.
"""

import json
import logging
from typing import Any, Awaitable, Callable, List, Optional

from twisted.internet import defer
from twisted.internet.protocol import Protocol

from synapse.module_api import make_deferred_yieldable

from .transport import SidecarClient

logger = logging.getLogger("presence_sandbox_synapse")

EVENT = "send_local_online_presence_to"
# The sidecar sends a heartbeat every few seconds: this long with no byte means the stream is dead.
IDLE_TIMEOUT_S = 45.0
RECONNECT_MIN_S = 0.25
RECONNECT_MAX_S = 10.0
MAX_EVENT_BYTES = 4 * 1024 * 1024
_END = object()


class _EventParser(Protocol):
    """Splits the stream into events (the SSE grammar: `field: value` lines, a blank line ends an event,
    `:` lines are comments) and queues them as (id, event, data)."""

    def __init__(self, reactor: Any, queue: defer.DeferredQueue):
        self._reactor = reactor
        self._queue = queue
        self._buffer = b""
        self._id: Optional[str] = None
        self._event = "message"
        self._data: List[str] = []
        self._watchdog: Any = None

    def connectionMade(self) -> None:
        self._arm()

    def _arm(self) -> None:
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.reset(IDLE_TIMEOUT_S)
        else:
            self._watchdog = self._reactor.callLater(IDLE_TIMEOUT_S, self.transport.stopProducing)

    def dataReceived(self, data: bytes) -> None:
        self._arm()
        self._buffer += data
        if len(self._buffer) > MAX_EVENT_BYTES:
            logger.warning("presence-sandbox events: a line over %d bytes; reconnecting", MAX_EVENT_BYTES)
            self._buffer = b""
            self.transport.stopProducing()
            return
        lines = self._buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        self._buffer = lines.pop()
        for raw in lines:
            self._line(raw.decode("utf-8", "replace"))

    def _line(self, line: str) -> None:
        if line == "":
            if self._data:
                self._queue.put((self._id, self._event, "\n".join(self._data)))
            self._event, self._data = "message", []
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value

    def connectionLost(self, reason: Any) -> None:
        if self._watchdog is not None and self._watchdog.active():
            self._watchdog.cancel()
        self._queue.put(_END)


class EventSubscriber:
    def __init__(self, reactor: Any, client: SidecarClient, deliver: Callable[[List[str]], Awaitable[None]], sleep: Callable[[float], Awaitable[None]]):
        self._reactor = reactor
        self._client = client
        self._deliver = deliver
        self._sleep = sleep
        self.last_event_id: Optional[str] = None
        self.delivered = 0
        self._stopped = False
        self._transport: Any = None

    def stop(self) -> None:
        self._stopped = True
        if self._transport is not None:
            self._transport.stopProducing()

    async def run(self) -> None:
        delay = RECONNECT_MIN_S
        down_since_logged = False
        while not self._stopped:
            try:
                await self._stream()
                delay = RECONNECT_MIN_S
                down_since_logged = False
            except defer.CancelledError:
                return
            except Exception as e:
                if not down_since_logged:
                    logger.warning("presence-sandbox events from %s: %s; reconnecting with backoff", self._client.url, e)
                    down_since_logged = True
            if self._stopped:
                break
            try:
                await self._sleep(delay)
            except defer.CancelledError:
                return
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _stream(self) -> None:
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        response = await self._client.open(b"GET", "/v1/events", headers)
        if response.code != 200:
            response.deliverBody(Protocol())
            raise RuntimeError(f"GET /v1/events answered {response.code}")
        queue: defer.DeferredQueue = defer.DeferredQueue()
        parser = _EventParser(self._reactor, queue)
        response.deliverBody(parser)
        self._transport = parser.transport
        logger.info("presence-sandbox events: subscribed to %s (after event %s)", self._client.url, self.last_event_id)
        try:
            while True:
                item = await make_deferred_yieldable(queue.get())
                if item is _END:
                    return
                event_id, event, data = item
                if event == EVENT:
                    await self._handle(data)
                if event_id is not None:
                    self.last_event_id = event_id
        finally:
            self._transport = None

    async def _handle(self, data: str) -> None:
        try:
            users = json.loads(data)["users"]
            if type(users) is not list or not all(type(u) is str for u in users):
                raise ValueError("users is not a list of user IDs")
        except (ValueError, KeyError, TypeError) as e:
            logger.warning("presence-sandbox events from %s: ignoring a malformed %s event (%s)", self._client.url, EVENT, e)
            return
        try:
            await self._deliver(users)
            self.delivered += 1
            logger.info("presence-sandbox events: sent local online presence to %d users", len(users))
        except Exception as e:
            logger.warning("presence-sandbox events: send_local_online_presence_to(%d users) failed: %s", len(users), e)
