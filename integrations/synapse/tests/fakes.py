"""Test doubles for the unit tests only: a tiny sidecar (real HTTP on loopback or a Unix socket, routing
like Synapse's CustomPresenceRouter) whose behaviour a test can switch, and a ModuleApi stand-in that
records what the module asks of Synapse. The end-to-end tests (test/synapse/) use the real sidecar and
the real Synapse instead."""

import json
import struct
from typing import Any, Dict, List, Optional

from twisted.internet import defer, reactor
from twisted.internet.task import deferLater
from twisted.web import resource, server

from presence_sandbox_synapse.wire import decode

ALICE, BOB, CHARLIE = "@alice:example.com", "@bob:example.com", "@charlie:somewhere.org"


def pack(value: Any) -> bytes:
    """Enough msgpack for the fake's answers (minimal encodings, as the real sidecar's msgpackr writes)."""
    if value is None:
        return b"\xc0"
    if value is True or value is False:
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        for marker, fmt, top in ((0xCC, ">B", 1 << 8), (0xCD, ">H", 1 << 16), (0xCE, ">I", 1 << 32), (0xCF, ">Q", 1 << 64)):
            if 0 <= value < top:
                return bytes([marker]) + struct.pack(fmt, value)
        return b"\xd3" + struct.pack(">q", value)
    if isinstance(value, str):
        raw = value.encode()
        if len(raw) < 32:
            return bytes([0xA0 | len(raw)]) + raw
        return b"\xd9" + bytes([len(raw)]) + raw if len(raw) < 256 else b"\xda" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, list):
        head = bytes([0x90 | len(value)]) if len(value) < 16 else b"\xdc" + struct.pack(">H", len(value))
        return head + b"".join(pack(v) for v in value)
    if isinstance(value, dict):
        head = bytes([0x80 | len(value)]) if len(value) < 16 else b"\xde" + struct.pack(">H", len(value))
        return head + b"".join(pack(k) + pack(v) for k, v in value.items())
    raise TypeError(value)


def custom_routing(batch: List[List[Any]]) -> Dict[str, List[int]]:
    """Synapse's CustomPresenceRouter on the wire: first occurrence of each equal state, ascending."""
    seen: Dict[tuple, int] = {}
    out: Dict[str, List[int]] = {}
    for i, state in enumerate(batch):
        key = tuple(state)
        if key in seen:
            continue
        seen[key] = i
        if state[0] in (BOB, CHARLIE):
            out.setdefault(ALICE, []).append(i)
    return out


class FakeSidecar(resource.Resource):
    isLeaf = True

    def __init__(self) -> None:
        super().__init__()
        self.mode = "ok"  # ok | hang | 500 | 400 | garbage | wrong_type | out_of_range
        self.calls = 0
        self.batches: List[List[Any]] = []
        self.connections = 0
        self.events: List[str] = []  # frames sent to every new events subscriber
        self.last_event_ids: List[Optional[str]] = []
        self.subscribers: List[Any] = []

    def render_POST(self, request: Any) -> Any:
        self.calls += 1
        if self.mode == "hang":
            return server.NOT_DONE_YET
        if self.mode == "500":
            request.setResponseCode(500)
            return b'{"error": {"code": "internal", "message": "boom"}}'
        if self.mode == "415":
            request.setResponseCode(415)
            request.setHeader(b"content-type", b"application/json")
            return b'{"error": {"code": "unsupported_media_type", "message": "send application/json"}}'
        if self.mode == "400":
            request.setResponseCode(400)
            request.setHeader(b"content-type", b"application/json")
            return b'{"error": {"code": "invalid_input", "message": "unknown state", "path": "states[0].state"}}'
        assert request.getHeader(b"content-type") == b"application/vnd.presence-sandbox.batch+msgpack"
        batch = decode(request.content.read())
        self.batches.append(batch)
        request.setHeader(b"content-type", b"application/vnd.presence-sandbox.routing+msgpack")
        if self.mode == "garbage":
            return b"\x81\xa1a\x92\x01"  # truncated
        if self.mode == "wrong_type":
            request.setHeader(b"content-type", b"application/json")
            return b"{}"
        if self.mode == "out_of_range":
            return pack({ALICE: [len(batch)]})
        if self.mode == "chunked":
            # No Content-Length: Twisted sends the body chunked, here in two chunks.
            answer = pack(custom_routing(batch))
            request.write(answer[:3])
            request.write(answer[3:])
            request.finish()
            return server.NOT_DONE_YET
        return pack(custom_routing(batch))

    def render_GET(self, request: Any) -> Any:
        if request.path == b"/v1/events":
            self.last_event_ids.append((request.getHeader(b"last-event-id") or b"").decode() or None)
            request.setHeader(b"content-type", b"text/event-stream")
            request.write(b": hello\n\n")
            for frame in self.events:
                request.write(frame.encode())
            self.subscribers.append(request)
            return server.NOT_DONE_YET
        self.calls += 1
        if self.mode == "hang":
            return server.NOT_DONE_YET
        user = request.args.get(b"user_id", [b""])[0].decode()
        request.setHeader(b"content-type", b"application/json")
        if user == "@gobbler:example.org":
            return b'{"users": "ALL"}'
        return json.dumps({"users": [BOB, CHARLIE] if user == ALICE else []}).encode()

    def drop_subscribers(self) -> None:
        for request in self.subscribers:
            request.channel.transport.abortConnection()
        self.subscribers = []


class CountingSite(server.Site):
    def __init__(self, fake: FakeSidecar):
        super().__init__(fake)
        self.fake = fake

    def buildProtocol(self, addr: Any) -> Any:
        self.fake.connections += 1
        return super().buildProtocol(addr)


class FakeModuleApi:
    def __init__(self, worker_name: Optional[str] = None):
        self.worker_name = worker_name
        self.callbacks: Dict[str, Any] = {}
        self.sent: List[List[str]] = []
        self.background: List[Any] = []

    def register_presence_router_callbacks(self, **callbacks: Any) -> None:
        self.callbacks = callbacks

    async def send_local_online_presence_to(self, users: List[str]) -> None:
        self.sent.append(list(users))

    async def sleep(self, seconds: float) -> None:
        await deferLater(reactor, seconds, lambda: None)

    def run_as_background_process(self, desc: str, func: Any, *args: Any) -> Any:
        d = defer.ensureDeferred(func(*args))
        self.background.append(d)
        return d


async def wait_for(predicate: Any, what: str, limit_s: float = 30.0) -> None:
    """Polls until predicate() holds: generous, so a loaded machine only makes it slower."""
    waited = 0.0
    while not predicate():
        if waited > limit_s:
            raise AssertionError(f"timed out waiting for {what}")
        await deferLater(reactor, 0.02, lambda: None)
        waited += 0.02
