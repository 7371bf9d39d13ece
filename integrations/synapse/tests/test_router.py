"""PresenceSandboxRouter against a fake sidecar on real loopback HTTP and a real Unix socket: Synapse's
own objects come back, every failure raises a SidecarError within timeout_s, and the breaker and
failover behave."""

import os
import shutil
import tempfile

from twisted.internet import reactor
from twisted.trial import unittest

from synapse.api.presence import UserPresenceState
from synapse.module_api import PRESENCE_ALL_USERS

from presence_sandbox_synapse import (
    BatchRejected,
    MalformedAnswer,
    PresenceSandboxRouter,
    SidecarIncompatible,
    SidecarTimeout,
    SidecarUnavailable,
)

from .fakes import ALICE, BOB, CHARLIE, CountingSite, FakeModuleApi, FakeSidecar


def state(user_id, **fields):
    values = dict(state="online", last_active_ts=1763776800000, last_federation_update_ts=0, last_user_sync_ts=0, status_msg=None, currently_active=True)
    values.update(fields)
    return UserPresenceState(user_id=user_id, **values)


class RouterTest(unittest.TestCase):
    def start_sidecar(self, unix=False):
        fake = FakeSidecar()
        if unix:
            folder = tempfile.mkdtemp()
            self.addCleanup(shutil.rmtree, folder, True)
            path = os.path.join(folder, "sidecar.sock")
            port = reactor.listenUNIX(path, CountingSite(fake))
            url = f"unix:{path}"
        else:
            port = reactor.listenTCP(0, CountingSite(fake), interface="127.0.0.1")
            url = f"http://127.0.0.1:{port.getHost().port}"
        self.addCleanup(port.stopListening)
        return fake, url

    def router(self, urls, **config):
        api = FakeModuleApi()
        router = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": urls, "events": False, **config}), api)
        for client in router._balancer._clients():
            self.addCleanup(client.close)
        return router, api

    async def test_routing_comes_back_as_synapses_own_objects(self):
        fake, url = self.start_sidecar()
        router, api = self.router(url)
        bob, bob_again, charlie, dana = state(BOB), state(BOB), state(CHARLIE, state="unavailable"), state("@dana:example.com")
        routing = await api.callbacks["get_users_for_states"](iter([bob, dana, charlie, bob_again]))
        self.assertEqual(routing, {ALICE: {bob, charlie}})
        got = {id(s) for s in routing[ALICE]}
        self.assertTrue(got <= {id(bob), id(bob_again), id(charlie)})
        self.assertIn(id(charlie), got)
        self.assertEqual(fake.batches[0][2], [CHARLIE, "unavailable", 1763776800000, 0, 0, None, True])
        self.assertEqual(await api.callbacks["get_users_for_states"]([]), {})

    async def test_interested_users_is_a_set_or_all(self):
        fake, url = self.start_sidecar(unix=True)
        router, api = self.router(url)
        self.assertEqual(await router.get_interested_users(ALICE), {BOB, CHARLIE})
        self.assertEqual(await router.get_interested_users(BOB), set())
        self.assertIs(await router.get_interested_users("@gobbler:example.org"), PRESENCE_ALL_USERS)

    async def test_connections_are_kept_alive(self):
        fake, url = self.start_sidecar()
        router, _ = self.router(url)
        for _ in range(20):
            await router.get_users_for_states([state(BOB)])
        self.assertEqual(fake.calls, 20)
        self.assertEqual(fake.connections, 1)

    async def test_chunked_answers_are_read_and_the_connection_kept(self):
        fake, url = self.start_sidecar()
        fake.mode = "chunked"
        router, _ = self.router(url)
        for _ in range(3):
            self.assertEqual(await router.get_users_for_states([state(BOB), state(CHARLIE)]), {ALICE: {state(BOB), state(CHARLIE)}})
        self.assertEqual(fake.connections, 1)

    async def test_a_kept_alive_connection_the_server_closed_is_replaced(self):
        fake, url = self.start_sidecar()
        router, _ = self.router(url)
        await router.get_users_for_states([state(BOB)])
        for conn in list(router._balancer._clients()[0]._calls._idle):
            conn[0].transport.loseConnection()  # as a server's keep-alive timeout would
        self.assertEqual(await router.get_users_for_states([state(BOB)]), {ALICE: {state(BOB)}})
        self.assertEqual(fake.connections, 2)

    async def test_a_hanging_sidecar_times_out_with_our_error(self):
        fake, url = self.start_sidecar()
        fake.mode = "hang"
        router, _ = self.router(url, timeout_s=0.2)
        with self.assertRaises(SidecarTimeout):
            await router.get_users_for_states([state(BOB)])
        with self.assertRaises(SidecarUnavailable):  # now in backoff: no second wait
            await router.get_interested_users(ALICE)
        self.assertEqual(fake.calls, 1)

    async def test_failures_raise_and_open_the_breaker_until_the_backoff_is_over(self):
        fake, url = self.start_sidecar()
        router, _ = self.router(url, backoff_s=5)
        clock = [1000.0]
        router._balancer._now = lambda: clock[0]
        for mode, error in (("500", SidecarUnavailable), ("garbage", MalformedAnswer), ("wrong_type", MalformedAnswer), ("out_of_range", MalformedAnswer)):
            fake.mode = mode
            calls = fake.calls
            with self.assertRaises(error, msg=mode):
                await router.get_users_for_states([state(BOB)])
            with self.assertRaises(SidecarUnavailable, msg=mode):  # the circuit is open: no request
                await router.get_users_for_states([state(BOB)])
            self.assertEqual(fake.calls, calls + 1)
            clock[0] += 1000  # past the (doubling) backoff: tried again
        fake.mode = "ok"
        self.assertEqual(await router.get_users_for_states([state(BOB)]), {ALICE: {state(BOB)}})

    async def test_a_400_is_not_the_sidecars_fault(self):
        fake, url = self.start_sidecar()
        router, _ = self.router(url)
        fake.mode = "400"
        with self.assertRaises(BatchRejected) as caught:
            await router.get_users_for_states([state(BOB)])
        self.assertIn("states[0].state", str(caught.exception))
        fake.mode = "ok"
        self.assertEqual(await router.get_users_for_states([state(BOB)]), {ALICE: {state(BOB)}})

    async def test_a_sidecar_without_the_binary_route_still_serves_interested_users(self):
        fake, url = self.start_sidecar()
        fake.mode = "415"
        router, _ = self.router(url)
        for _ in range(2):
            with self.assertRaises(SidecarIncompatible):
                await router.get_users_for_states([state(BOB)])
        self.assertEqual(fake.calls, 2)  # not put in backoff
        self.assertEqual(await router.get_interested_users(ALICE), {BOB, CHARLIE})

    async def test_a_refused_connection_is_unavailable(self):
        port = reactor.listenTCP(0, CountingSite(FakeSidecar()), interface="127.0.0.1")
        url = f"http://127.0.0.1:{port.getHost().port}"
        await port.stopListening()
        router, _ = self.router(url)
        with self.assertRaises(SidecarUnavailable):
            await router.get_users_for_states([state(BOB)])

    async def test_calls_spread_over_sidecars_and_fail_over(self):
        one, url_one = self.start_sidecar()
        two, url_two = self.start_sidecar(unix=True)
        router, _ = self.router([url_one, url_two], backoff_s=60)
        for _ in range(10):
            await router.get_users_for_states([state(BOB)])
        self.assertEqual((one.calls, two.calls), (5, 5))
        one.mode = "500"
        for _ in range(10):  # the first call that hits `one` fails over to `two` within the same call
            self.assertEqual(await router.get_users_for_states([state(BOB)]), {ALICE: {state(BOB)}})
        self.assertEqual(one.calls, 6)
        self.assertEqual(two.calls, 15)
