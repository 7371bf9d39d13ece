"""PresenceSandboxRouter: Synapse's presence router callbacks, answered by presence-sandbox sidecars.

Synapse puts no time limit on these callbacks and awaits them on clients' request paths (every /sync
asks get_interested_users; every presence update asks get_users_for_states, twice), so every call here
is bounded by timeout_s, and any failure raises: Synapse logs one line, skips this module for that call
and answers the client as if the module routed nothing.
"""

import logging
from typing import Any, Callable, Dict, Iterable, List, Set, TypeVar, Union
from urllib.parse import quote

from twisted.internet import defer

from synapse.module_api import PRESENCE_ALL_USERS, ModuleApi, make_deferred_yieldable, run_in_background

from .balancer import Balancer
from .config import MAIN_PROCESS, RouterConfig, parse_config
from .errors import BatchRejected, MalformedAnswer, SidecarError, SidecarIncompatible, SidecarTimeout, SidecarUnavailable
from .events import EventSubscriber
from .transport import SidecarClient, decode_json
from .wire import BATCH_MEDIA_TYPE, ROUTING_MEDIA_TYPE, decode_routing, encode_batch

logger = logging.getLogger("presence_sandbox_synapse")
T = TypeVar("T")


def _interest(answer: bytes) -> Union[Set[str], str]:
    value = decode_json(answer, "interested_users")
    users = value.get("users") if type(value) is dict else None
    if users == "ALL":
        return PRESENCE_ALL_USERS
    if type(users) is not list or not all(type(u) is str for u in users):
        raise MalformedAnswer('interested_users: expected {"users": "ALL" | [user IDs]}')
    return set(users)


def map_back(routing: Dict[str, List[int]], states: List[Any]) -> Dict[str, Set[Any]]:
    """Synapse's own objects back: the sidecar names states by their index in the batch. Equal states
    are one state (the sidecar gives the first occurrence), and a set of them holds it once.
    Destinations with the same index list share one set: hashing each state is most of the cost, and
    Synapse copies every set it is given into its own."""
    pick = states.__getitem__
    made: Dict[int, Set[Any]] = {}
    out: Dict[str, Set[Any]] = {}
    for destination, indices in routing.items():
        # decode_routing hands equal index arrays over as one list.
        routed = made.get(id(indices))
        if routed is None:
            routed = made[id(indices)] = set(map(pick, indices))
        out[destination] = routed
    return out


class PresenceSandboxRouter:
    def __init__(self, config: RouterConfig, api: ModuleApi, reactor: Any = None):
        if reactor is None:
            from twisted.internet import reactor as default_reactor

            reactor = default_reactor
        self._config = config
        self._api = api
        self._reactor = reactor
        clients = [SidecarClient(reactor, s, config.max_answer_bytes) for s in config.sidecars]
        self._balancer: Balancer[SidecarClient] = Balancer(
            clients, lambda c: c.url, config.backoff_s, config.backoff_max_s, reactor.seconds
        )
        self.subscribers: List[EventSubscriber] = []
        self._incompatible: Set[str] = set()
        api.register_presence_router_callbacks(
            get_users_for_states=self.get_users_for_states,
            get_interested_users=self.get_interested_users,
        )
        instance = api.worker_name or MAIN_PROCESS
        if config.events and instance == config.presence_writer:
            # Long-lived connections of their own, outside the calls' pool.
            self.subscribers = [
                EventSubscriber(reactor, SidecarClient(reactor, s, config.max_answer_bytes, persistent=False), api.send_local_online_presence_to, api.sleep)
                for s in config.sidecars
            ]
            reactor.callWhenRunning(self._subscribe)
        elif config.events:
            logger.info(
                "presence-sandbox: this process (%s) does not write the presence stream (%s does): not subscribing to events",
                instance,
                config.presence_writer,
            )

    @staticmethod
    def parse_config(config: Dict[str, Any]) -> RouterConfig:
        return parse_config(config)

    def _subscribe(self) -> None:
        self._tasks = [self._api.run_as_background_process("presence_sandbox_events", s.run) for s in self.subscribers]
        self._reactor.addSystemEventTrigger("before", "shutdown", self.stop)

    def stop(self) -> None:
        """Ends the events subscriptions (at shutdown), wherever they are: connecting, reading, waiting."""
        for subscriber in self.subscribers:
            subscriber.stop()
        for task in getattr(self, "_tasks", []):
            task.cancel()

    async def get_users_for_states(self, state_updates: Iterable[Any]) -> Dict[str, Set[Any]]:
        states = state_updates if type(state_updates) is list else list(state_updates)
        if not states:
            return {}
        body = encode_batch(states)
        routing = await self._call(
            "users_for_states",
            lambda c: c.call(b"POST", "/v1/users_for_states", {"Content-Type": BATCH_MEDIA_TYPE}, body, ROUTING_MEDIA_TYPE),
            lambda answer: decode_routing(answer, len(states)),
        )
        return map_back(routing, states)

    async def get_interested_users(self, user_id: str) -> Union[Set[str], str]:
        return await self._call(
            "interested_users",
            lambda c: c.call(b"GET", "/v1/interested_users?user_id=" + quote(user_id, safe="@:"), {}, None, "application/json"),
            _interest,
        )

    async def _call(self, what: str, request: Any, parse: Callable[[bytes], T]) -> T:
        """One call, on the first sidecar that gives a valid answer, all within timeout_s. A malformed
        answer counts against its sidecar like a failed call."""
        candidates = self._balancer.order()
        if not candidates:
            raise SidecarUnavailable(
                f"{what}: every presence-sandbox sidecar is in backoff after failures; next try in {self._balancer.retry_in():.1f} s"
            )
        deadline = self._reactor.seconds() + self._config.timeout_s
        error: SidecarError = SidecarTimeout(f"{what}: no time left within timeout_s")
        for client in candidates:
            remaining = deadline - self._reactor.seconds()
            if remaining <= 0:
                break
            try:
                answer = parse(await self._bounded(request, client, remaining))
            except BatchRejected:
                raise
            except SidecarIncompatible as e:
                if client.url not in self._incompatible:
                    self._incompatible.add(client.url)
                    logger.warning("presence-sandbox sidecar %s: %s", client.url, e)
                raise
            except SidecarError as e:
                self._balancer.failed(client, e)
                error = e
                continue
            self._balancer.succeeded(client)
            return answer
        raise error

    async def _bounded(self, request: Any, client: SidecarClient, seconds: float) -> bytes:
        d = run_in_background(request, client)
        d.addTimeout(seconds, self._reactor)
        try:
            return await make_deferred_yieldable(d)
        except defer.TimeoutError:
            # Cancelling the request is what ends it; Synapse's own client would surface that as an
            # IndexError from its logging, so the error raised here is ours and says what happened.
            raise SidecarTimeout(f"{client.url}: no answer within timeout_s ({self._config.timeout_s:g} s)") from None
        except defer.CancelledError:
            raise
        except SidecarError:
            raise
        except Exception as e:
            raise SidecarUnavailable(f"{client.url}: {type(e).__name__}: {e}") from None
