"""A small HTTP/1.1 client for the two calls on Synapse's hot path (users_for_states, interested_users):
persistent connections, one request at a time on each, the whole request in one write, and a response
parser that does only what these answers need (status, headers, Content-Length or chunked body).

Why not Twisted's Agent: it runs about 1300 Python calls per request (URI parsing, IDNA, producers,
a chain of Deferreds), some 0.7 ms of Synapse's CPU per call here, more than a 1000-state batch's
encoding; this costs a small fraction of that. Agent still serves the long-lived events stream.
"""

from typing import Any, Dict, List, Optional, Tuple

from twisted.internet import defer
from twisted.internet.endpoints import connectProtocol
from twisted.internet.protocol import Protocol

from synapse.module_api import make_deferred_yieldable

from .errors import MalformedAnswer, SidecarUnavailable

MAX_HEAD_BYTES = 64 * 1024
Answer = Tuple[int, Dict[str, str], bytes]


class _Lost(SidecarUnavailable):
    """The connection closed before any byte of the answer: on a reused connection, worth one retry."""


class _Connection(Protocol):
    def __init__(self, limit: int):
        self._limit = limit
        self._buffer = bytearray()
        self._done: Optional["defer.Deferred[Answer]"] = None
        self.open = False
        self.reusable = False

    def connectionMade(self) -> None:
        self.open = True

    def request(self, data: bytes) -> "defer.Deferred[Answer]":
        self._buffer.clear()
        self._head: Optional[Tuple[int, Dict[str, str]]] = None
        self._received = False
        self._length: Optional[int] = None
        self._chunked = False
        self._body = bytearray()
        self.reusable = False
        self._done = defer.Deferred(lambda _: self.transport.abortConnection())
        self.transport.write(data)
        return self._done

    def dataReceived(self, data: bytes) -> None:
        if self._done is None or self._done.called:
            # Bytes nobody asked for: this connection is out of step; drop it.
            self.transport.abortConnection()
            return
        self._received = True
        self._buffer += data
        try:
            answer = self._parse()
        except MalformedAnswer as e:
            self._fail(e)
            return
        if answer is not None:
            done, self._done = self._done, None
            done.callback(answer)

    def _parse(self) -> Optional[Answer]:
        buf = self._buffer
        while self._head is None:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    raise MalformedAnswer("response head over 64 KiB")
                return None
            lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
            del buf[: end + 4]
            version, _, rest = lines[0].partition(" ")
            code_text = rest[:3]
            if not version.startswith("HTTP/1.") or not code_text.isdigit():
                raise MalformedAnswer(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
            code = int(code_text)
            if 100 <= code < 200:
                continue
            headers: Dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if not sep:
                    raise MalformedAnswer(f"malformed header line {line[:80]!r}")
                headers[name.strip().lower()] = value.strip()
            self._head = (code, headers)
            self.reusable = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            if "chunked" in headers.get("transfer-encoding", "").lower():
                self._chunked = True
            elif "content-length" in headers:
                value = headers["content-length"]
                if not value.isdigit():
                    raise MalformedAnswer(f"Content-Length {value!r}")
                self._length = int(value)
                if self._length > self._limit:
                    raise MalformedAnswer(f"answer of {self._length} bytes is over max_answer_bytes ({self._limit})")
            else:
                self.reusable = False  # the body ends when the connection does
        if self._chunked:
            return self._parse_chunks()
        if self._length is None:
            if len(buf) > self._limit:
                raise MalformedAnswer(f"answer over max_answer_bytes ({self._limit})")
            return None
        if len(buf) < self._length:
            return None
        if len(buf) > self._length:
            raise MalformedAnswer("bytes after the answer's body")
        return self._head[0], self._head[1], bytes(buf)

    def _parse_chunks(self) -> Optional[Answer]:
        buf = self._buffer
        while True:
            eol = buf.find(b"\r\n")
            if eol < 0:
                return None
            size_text = bytes(buf[:eol]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise MalformedAnswer(f"chunk size {size_text[:20]!r}") from None
            if size == 0:
                # Trailers (none expected) end with an empty line.
                end = buf.find(b"\r\n\r\n", eol)
                if end < 0:
                    return None
                if end + 4 != len(buf):
                    raise MalformedAnswer("bytes after the answer's last chunk")
                return self._head[0], self._head[1], bytes(self._body)
            if len(buf) < eol + 2 + size + 2:
                return None
            self._body += buf[eol + 2 : eol + 2 + size]
            if len(self._body) > self._limit:
                raise MalformedAnswer(f"answer over max_answer_bytes ({self._limit})")
            del buf[: eol + 2 + size + 2]

    def _fail(self, error: Exception) -> None:
        self.reusable = False
        done, self._done = self._done, None
        self.transport.abortConnection()
        if done is not None and not done.called:
            done.errback(error)

    def connectionLost(self, reason: Any) -> None:
        self.open = False
        self.reusable = False
        done, self._done = self._done, None
        if done is None or done.called:
            return
        if self._head is not None and self._length is None and not self._chunked:
            done.callback((self._head[0], self._head[1], bytes(self._buffer)))
        elif not self._received:
            done.errback(_Lost(f"connection closed before the answer ({reason.getErrorMessage()})"))
        else:
            done.errback(SidecarUnavailable(f"connection lost in the middle of the answer ({reason.getErrorMessage()})"))


class Http11Pool:
    """Idle keep-alive connections to one sidecar; a call takes one (or opens one) and gives it back."""

    def __init__(self, reactor: Any, endpoint: Any, limit: int, idle_s: float, max_idle: int = 16):
        self._reactor = reactor
        self._endpoint = endpoint
        self._limit = limit
        self._idle_s = idle_s
        self._max_idle = max_idle
        self._idle: List[Tuple[_Connection, float]] = []

    def _take(self) -> Optional[_Connection]:
        now = self._reactor.seconds()
        while self._idle:
            conn, since = self._idle.pop()
            if conn.open and now - since < self._idle_s:
                return conn
            if conn.open:
                conn.transport.loseConnection()
        return None

    async def _connect(self) -> _Connection:
        try:
            return await make_deferred_yieldable(connectProtocol(self._endpoint, _Connection(self._limit)))
        except defer.CancelledError:
            raise
        except Exception as e:
            raise SidecarUnavailable(f"{type(e).__name__}: {e}") from None

    async def request(self, data: bytes) -> Answer:
        conn = self._take()
        reused = conn is not None
        if conn is None:
            conn = await self._connect()
        try:
            answer = await make_deferred_yieldable(conn.request(data))
        except _Lost:
            # A kept-alive connection the server closed just as we wrote. Both routes are pure functions
            # of their input, so one retry on a new connection is safe.
            if not reused:
                raise
            conn = await self._connect()
            answer = await make_deferred_yieldable(conn.request(data))
        if conn.reusable and len(self._idle) < self._max_idle:
            self._idle.append((conn, self._reactor.seconds()))
        elif conn.open:
            conn.transport.loseConnection()
        return answer

    def close(self) -> None:
        while self._idle:
            conn, _ = self._idle.pop()
            if conn.open:
                conn.transport.loseConnection()
