"""synapse_side_cpu_vs_in_process: the CPU Synapse's process spends per 1000-state get_users_for_states,
with the example router in-process (reference_routers.ExampleRouter) against PresenceSandboxRouter
calling a real sidecar that runs example_presence_router with the same config (encode, HTTP call,
decode, map back; the sidecar's own CPU is another process's and is not counted).

Run in the Python that has Synapse: python3 cpu.py SIDECAR_URL [--unix=unix:/PATH] [--quick]. Prints one
JSON object.
"""

import json
import random
import sys
import time

from twisted.internet import defer, reactor

from synapse.api.presence import UserPresenceState

from presence_sandbox_synapse import PresenceSandboxRouter
from presence_sandbox_synapse.router import map_back
from presence_sandbox_synapse.wire import decode_routing, encode_batch
from reference_routers import ExampleRouter

CONFIG = {
    "always_send_to_users": ["@presence_gobbler:example.org", "@ops:example.net", "@audit:example.com"],
    "blacklisted_users": ["@alice:example.com", "@bob:example.com", "@u7:example.org", "@u42:matrix.example"],
}
SERVERS = ["example.com", "example.org", "example.net", "matrix.example", "chat.example:8448"]
STATES = ["online", "unavailable", "offline", "org.matrix.msc3026.busy"]
MESSAGES = [None, None, "lunch", "in a meeting 📅", "Feierabend", "会議中", "☕"]


def batch(n: int, seed: int):
    rng = random.Random(seed)
    base = 1763776800000  # 2025-11-22
    out = []
    for i in range(n):
        out.append(UserPresenceState(
            user_id=f"@u{rng.randrange(20000)}x{i}:{rng.choice(SERVERS)}",
            state=rng.choice(STATES),
            last_active_ts=base + rng.randrange(10**9),
            last_federation_update_ts=base + rng.randrange(10**9),
            last_user_sync_ts=base + rng.randrange(10**9),
            status_msg=rng.choice(MESSAGES),
            currently_active=rng.random() < 0.5,
        ))
    return out


class Api:
    worker_name = None

    def register_presence_router_callbacks(self, **callbacks):
        self.callbacks = callbacks


async def cpu_per_call(call, states, seconds):
    """CPU seconds of this process per call, over a closed loop of at least `seconds` of CPU."""
    for _ in range(20):
        await call(states)
    calls = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        await call(states)
        calls += 1
    return (time.process_time() - start) / calls, calls


async def main(url: str, quick: bool, unix_url: str = ""):
    seconds = 1.0 if quick else 4.0
    states = batch(1000, 20261201)
    in_process = ExampleRouter(CONFIG, Api())
    sandbox = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": url, "events": False, "timeout_s": 5}), Api())
    # Same answer first (as destination -> set of Synapse's objects).
    expected = await in_process.get_users_for_states(states)
    got = await sandbox.get_users_for_states(states)
    assert got == expected, "the sandbox's routing differs from the in-process router's"
    results = {}
    # Interleaved rounds, the median of each: other work on a shared machine skews one round, not all.
    rounds = {"in_process": [], "sandbox": []}
    for _ in range(3):
        rounds["in_process"].append((await cpu_per_call(in_process.get_users_for_states, states, seconds / 3))[0])
        rounds["sandbox"].append((await cpu_per_call(sandbox.get_users_for_states, states, seconds / 3))[0])
    for k, v in rounds.items():
        results[k + "_us"] = sorted(v)[1] * 1e6
    # The sandbox call's parts that run without the network: encode, and decode + map back.
    body = encode_batch(states)
    answer = await sandbox._balancer.order()[0].call(
        b"POST", "/v1/users_for_states", {"Content-Type": "application/vnd.presence-sandbox.batch+msgpack"}, body,
        "application/vnd.presence-sandbox.routing+msgpack")
    parts = {}
    for name, fn in {
        "encode": lambda: encode_batch(states),
        "decode_and_map_back": lambda: map_back(decode_routing(answer, len(states)), states),
    }.items():
        n = 0
        start = time.process_time()
        while time.process_time() - start < seconds / 4:
            fn()
            n += 1
        parts[name + "_us"] = (time.process_time() - start) / n * 1e6
    results.update(parts)
    results["http_and_rest_us"] = results["sandbox_us"] - parts["encode_us"] - parts["decode_and_map_back_us"]
    if unix_url:
        # The same sidecar config on a Unix socket: reported beside the loopback figure, not in the ratio.
        over_socket = PresenceSandboxRouter(PresenceSandboxRouter.parse_config({"url": unix_url, "events": False, "timeout_s": 5}), Api())
        assert await over_socket.get_users_for_states(states) == expected
        samples = [(await cpu_per_call(over_socket.get_users_for_states, states, seconds / 3))[0] for _ in range(3)]
        results["sandbox_unix_socket_us"] = sorted(samples)[1] * 1e6
    results["ratio"] = results["sandbox_us"] / results["in_process_us"]
    results["routed"] = {d: len(s) for d, s in got.items()}
    results["python"] = sys.version.split()[0]
    print(json.dumps(results))


def run():
    url = sys.argv[1]
    quick = "--quick" in sys.argv
    unix_url = next((a[len("--unix="):] for a in sys.argv if a.startswith("--unix=")), "")
    d = defer.ensureDeferred(main(url, quick, unix_url))
    d.addErrback(lambda f: (f.printTraceback(), setattr(sys, "exitcode", 1)))
    d.addBoth(lambda _: reactor.stop())
    reactor.run()
    sys.exit(getattr(sys, "exitcode", 0))


if __name__ == "__main__":
    run()
