"""HTTP/1.1 to one sidecar, over TCP or a Unix socket, with keep-alive: the calls through the small
client in http11.py, the events stream through a Twisted Agent.

Not ModuleApi.http_client: that client speaks only http(s) URLs (no Unix sockets; its ProxyAgent raises
SchemeNotSupported), sends loopback traffic through a configured http_proxy, logs every request at INFO
and has a fixed 60 s timeout. Our own endpoints do both transports, connections are kept alive (an
HTTP/1.0-style connection per call loses requests under load) and the time limit is the caller's.
"""

import json
from typing import Any, Optional

from twisted.internet import defer
from twisted.internet.endpoints import HostnameEndpoint, UNIXClientEndpoint
from twisted.web.client import Agent, HTTPConnectionPool, ResponseNeverReceived
from twisted.web.http_headers import Headers
from twisted.web.iweb import IAgentEndpointFactory
from zope.interface import implementer

from synapse.module_api import make_deferred_yieldable

from .config import Sidecar
from .http11 import Http11Pool
from .errors import BatchRejected, MalformedAnswer, SidecarError, SidecarIncompatible, SidecarUnavailable

# Node's HTTP server closes an idle keep-alive connection after 5 s: drop ours before it does, so a
# request is rarely written into a connection the server is closing.
IDLE_CONNECTION_S = 4
CONNECT_TIMEOUT_S = 5


@implementer(IAgentEndpointFactory)
class _Endpoints:
    def __init__(self, reactor: Any, sidecar: Sidecar):
        self._reactor = reactor
        self._sidecar = sidecar

    def endpointForURI(self, uri: Any) -> Any:
        s = self._sidecar
        if s.socket is not None:
            return UNIXClientEndpoint(self._reactor, s.socket, timeout=CONNECT_TIMEOUT_S)
        return HostnameEndpoint(self._reactor, s.host.encode("idna"), s.port, timeout=CONNECT_TIMEOUT_S)


class SidecarClient:
    """One sidecar. Every method raises a SidecarError subclass and nothing else."""

    def __init__(self, reactor: Any, sidecar: Sidecar, max_answer_bytes: int, persistent: bool = True):
        self.sidecar = sidecar
        self.url = sidecar.url
        self._limit = max_answer_bytes
        self._pool = HTTPConnectionPool(reactor, persistent=persistent)
        self._pool.maxPersistentPerHost = 16
        self._pool.cachedConnectionTimeout = IDLE_CONNECTION_S
        self._agent = Agent.usingEndpointFactory(reactor, _Endpoints(reactor, sidecar), pool=self._pool)
        # The Host header only: the endpoint factory decides where the bytes go.
        host = "localhost" if sidecar.socket else (f"[{sidecar.host}]" if ":" in sidecar.host else sidecar.host) + f":{sidecar.port}"
        self._origin = f"http://{host}{sidecar.base}"
        self._host = host
        self._base = sidecar.base
        self._calls = Http11Pool(reactor, _Endpoints(reactor, sidecar).endpointForURI(None), max_answer_bytes, IDLE_CONNECTION_S)

    async def open(self, method: bytes, path: str, headers: dict) -> Any:
        """Send a request without a body; the response once its headers are in (for the events stream)."""
        uri = (self._origin + path).encode("ascii")
        h = Headers({k.encode(): [v.encode()] for k, v in headers.items()})
        # A pooled connection the server closed just before we wrote: the request never left or was never
        # answered. Both routes are pure functions of their input, so one retry on a new connection is safe.
        for attempt in (1, 2):
            try:
                return await make_deferred_yieldable(
                    self._agent.request(method, uri, h)
                )
            except ResponseNeverReceived as e:
                # Our own timeout cancelled it: that must end the call, not start a retry.
                if any(r.check(defer.CancelledError) for r in e.reasons):
                    raise defer.CancelledError() from None
                if attempt == 2:
                    raise SidecarUnavailable(f"{self.url}: no response ({_reason(e)})") from None
            except (defer.CancelledError, SidecarError):
                raise
            except Exception as e:
                raise SidecarUnavailable(f"{self.url}: {type(e).__name__}: {_reason(e)}") from None

    async def call(self, method: bytes, path: str, headers: dict, body: Optional[bytes], accept: str) -> bytes:
        """A request whose 200 answer must have media type `accept`; its body."""
        head = [f"{method.decode()} {self._base}{path} HTTP/1.1", f"Host: {self._host}", f"Accept: {accept}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (body or b"")
        try:
            code, response_headers, answer = await self._calls.request(data)
        except (defer.CancelledError, SidecarError):
            raise
        except Exception as e:
            raise SidecarUnavailable(f"{self.url}: {type(e).__name__}: {_reason(e)}") from None
        if code == 200:
            media = response_headers.get("content-type", "").split(";")[0].strip().lower()
            if media != accept:
                raise MalformedAnswer(f"{self.url}: answer of type {media!r}, expected {accept}")
            return answer
        message = _error_message(answer)
        if code == 400:
            raise BatchRejected(f"{self.url} refused the request: {message}")
        if code in (404, 405, 415):
            raise SidecarIncompatible(f"{self.url} answered {code} (a presence-sandbox too old for this module?): {message}")
        raise SidecarUnavailable(f"{self.url} answered {code}: {message}")

    async def close(self) -> None:
        self._calls.close()
        await self._pool.closeCachedConnections()


def _error_message(data: bytes) -> str:
    try:
        error = json.loads(data)["error"]
        path = f" at {error['path']}" if error.get("path") else ""
        return f"{error.get('code')}{path}: {error.get('message')}"
    except Exception:
        return repr(data[:200])


def _reason(e: Exception) -> str:
    reasons = getattr(e, "reasons", None)
    if reasons:
        return "; ".join(r.getErrorMessage() for r in reasons)
    return str(e) or type(e).__name__


def decode_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as e:
        raise MalformedAnswer(f"{what}: not JSON ({e})") from None


__all__ = ["SidecarClient", "decode_json"]
