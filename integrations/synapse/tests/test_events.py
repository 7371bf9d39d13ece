"""The events stream: send_local_online_presence_to requests reach Synapse's API, only on the process
that writes the presence stream, and a dropped stream resumes with Last-Event-ID."""

from twisted.internet import reactor
from twisted.trial import unittest

from presence_sandbox_synapse import PresenceSandboxRouter

from .fakes import CountingSite, FakeModuleApi, FakeSidecar, wait_for


def frame(event_id, users, event="send_local_online_presence_to"):
    import json

    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps({'users': users, 'module': 'modules[0] (x)'})}\n\n"


class EventsTest(unittest.TestCase):
    def setUp(self):
        self.fake = FakeSidecar()
        port = reactor.listenTCP(0, CountingSite(self.fake), interface="127.0.0.1")
        self.addCleanup(port.stopListening)
        self.url = f"http://127.0.0.1:{port.getHost().port}"

    def router(self, api, **config):
        # The reactor is running: the router subscribes at once (callWhenRunning).
        router = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": self.url, **config}), api)

        def stop():
            router.stop()
            self.fake.drop_subscribers()

        self.addCleanup(stop)
        return router

    async def test_events_are_delivered_and_resume_after_a_drop(self):
        self.fake.events = [frame(1, ["@gob:example.org"]), ": heartbeat\n\n", "event: other\ndata: {}\n\n", frame(2, ["@a:example.com", "@b:example.com"])]
        api = FakeModuleApi()
        router = self.router(api)
        await wait_for(lambda: len(api.sent) == 2, "two sends")
        self.assertEqual(api.sent, [["@gob:example.org"], ["@a:example.com", "@b:example.com"]])
        self.assertEqual(router.subscribers[0].last_event_id, "2")
        # The sidecar drops the stream; the next connection says where it left off.
        self.fake.events = ["id: 3\r\nevent: send_local_online_presence_to\r\ndata: {\"users\": [\"@c:example.com\"]}\r\n\r\n", frame(4, "not a list")]
        self.fake.drop_subscribers()
        await wait_for(lambda: len(api.sent) == 3, "the send after the reconnect")
        self.assertEqual(self.fake.last_event_ids, [None, "2"])
        self.assertEqual(api.sent[2], ["@c:example.com"])
        await wait_for(lambda: router.subscribers[0].last_event_id == "4", "the malformed event skipped")

    async def test_only_the_presence_writer_subscribes(self):
        on_worker = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": self.url}), FakeModuleApi(worker_name="sync1"))
        self.assertEqual(on_worker.subscribers, [])
        writer = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": self.url, "presence_writer": "presence1"}), FakeModuleApi(worker_name="presence1"))
        self.assertEqual(len(writer.subscribers), 1)
        writer.stop()
        main = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": self.url, "events": False}), FakeModuleApi())
        self.assertEqual(main.subscribers, [])
