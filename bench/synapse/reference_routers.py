"""In-process reference routers for the Synapse-side benchmarks: the seeds' two routers, written from
their documented behaviour, registered the way a module registers with Synapse. They are what an
operator would run inside Synapse's reactor without the sandbox.

- ExampleRouter: every `always_send_to_users` user receives every state except the
  `blacklisted_users`' ones (and is interested in ALL); everyone else gets nothing extra.
- CustomRouter: @alice:example.com receives @bob:example.com's and @charlie:somewhere.org's presence.
"""

from typing import Any, Dict, Iterable, Set, Union

from synapse.module_api import PRESENCE_ALL_USERS

ALICE = "@alice:example.com"
ALICE_SEES = frozenset({"@bob:example.com", "@charlie:somewhere.org"})


class ExampleRouter:
    def __init__(self, config: Dict[str, Any], api: Any):
        self._receivers = list(config.get("always_send_to_users") or [])
        self._ignored = set(config.get("blacklisted_users") or [])
        api.register_presence_router_callbacks(
            get_users_for_states=self.get_users_for_states,
            get_interested_users=self.get_interested_users,
        )

    @staticmethod
    def parse_config(config: Dict[str, Any]) -> Dict[str, Any]:
        return config

    async def get_users_for_states(self, state_updates: Iterable[Any]) -> Dict[str, Set[Any]]:
        kept = set()
        ignored = self._ignored
        for update in state_updates:
            if update.user_id not in ignored:
                kept.add(update)
        # One set shared by every receiver, as the seed does (Synapse copies what it merges).
        return {user: kept for user in self._receivers}

    async def get_interested_users(self, user_id: str) -> Union[Set[str], str]:
        return PRESENCE_ALL_USERS if user_id in self._receivers else set()


class CustomRouter:
    def __init__(self, config: Dict[str, Any], api: Any):
        api.register_presence_router_callbacks(
            get_users_for_states=self.get_users_for_states,
            get_interested_users=self.get_interested_users,
        )

    @staticmethod
    def parse_config(config: Dict[str, Any]) -> Dict[str, Any]:
        return config

    async def get_users_for_states(self, state_updates: Iterable[Any]) -> Dict[str, Set[Any]]:
        routed: Dict[str, Set[Any]] = {}
        for update in state_updates:
            if update.user_id in ALICE_SEES:
                routed.setdefault(ALICE, set()).add(update)
        return routed

    async def get_interested_users(self, user_id: str) -> Union[Set[str], str]:
        return set(ALICE_SEES) if user_id == ALICE else set()
