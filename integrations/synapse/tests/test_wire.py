"""The wire codec: the batch is exactly docs/abi.md's, and the answer's decoder refuses anything else."""

import random
import struct
import unittest

from synapse.api.presence import UserPresenceState

from presence_sandbox_synapse.errors import InvalidBatch, MalformedAnswer
from presence_sandbox_synapse.wire import decode, decode_routing, encode_batch

from .fakes import pack


def state(user_id="@bob:example.com", **fields):
    values = dict(state="online", last_active_ts=1763776800000, last_federation_update_ts=0, last_user_sync_ts=1763776700000, status_msg=None, currently_active=True)
    values.update(fields)
    return UserPresenceState(user_id=user_id, **values)


def as_row(s):
    return [s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active]


class BatchEncoding(unittest.TestCase):
    def test_random_batches_decode_to_the_seven_fields_in_order(self):
        rng = random.Random(20261201)
        for _ in range(200):
            states = []
            for _ in range(rng.randrange(0, 40)):
                local = "".join(rng.choice("abcxyz_=.-/0123456789") for _ in range(rng.choice([1, 5, 29, 40, 200])))
                msg = rng.choice([None, "", "lunch 🍕", "x" * rng.choice([31, 32, 255, 256, 70000])])
                states.append(state(
                    f"@{local}:example.com",
                    state=rng.choice(["online", "unavailable", "offline", "org.matrix.msc3026.busy"]),
                    last_active_ts=rng.choice([0, 1, 127, 128, 2**32, 2**53]),
                    last_federation_update_ts=rng.randrange(0, 2**53),
                    last_user_sync_ts=rng.randrange(0, 2**40),
                    status_msg=msg,
                    currently_active=rng.random() < 0.5,
                ))
            self.assertEqual(decode(encode_batch(states)), [as_row(s) for s in states])

    def test_array_headers_for_every_size_class(self):
        for n in (0, 1, 15, 16, 65535, 65536):
            self.assertEqual(len(decode(encode_batch([state()] * n))), n)

    def test_a_state_that_cannot_be_sent_is_named_with_its_field(self):
        cases = [
            (state(state="away"), "states[1].state"),
            (state(last_active_ts=-1), "states[1].last_active_ts"),
            (state(last_federation_update_ts=1.5), "states[1].last_federation_update_ts"),
            (state(status_msg=42), "states[1].status_msg"),
            (state(currently_active=1), "states[1].currently_active"),
            (state(user_id=None), "states[1].user_id"),
            ("not a state", "states[1]"),
        ]
        for bad, path in cases:
            with self.assertRaises(InvalidBatch) as caught:
                encode_batch([state(), bad])
            self.assertIn(path, str(caught.exception))


class StrictDecoding(unittest.TestCase):
    def test_every_integer_encoding_in_an_index_run(self):
        values = list(range(0, 130)) + [255, 256, 65535, 65536, 2**32, 2**40]
        self.assertEqual(decode(pack(values)), values)
        # Non-minimal encodings are still msgpack: int8, int16, uint64 for small values, float64.
        raw = b"\x95" + b"\xd0\x05" + b"\xd1\x00\x06" + b"\xcf" + struct.pack(">Q", 7) + b"\xcc\x08" + b"\xcb" + struct.pack(">d", 9.0)
        self.assertEqual(decode(raw), [5, 6, 7, 8, 9.0])

    def test_malformed_input_is_refused(self):
        bad = {
            "truncated array": b"\x93\x01\x02",
            "truncated uint16 run": b"\x92\xcd\x01\x00\xcd\x01",
            "trailing bytes": b"\x90\x00",
            "bin": b"\xc4\x01x",
            "ext": b"\xd4\x01\x00",
            "reserved": b"\xc1",
            "invalid utf-8": b"\xa1\xff",
            "non-str key": b"\x81\x01\x90",
            "repeated key": b"\x82\xa1a\x90\xa1a\x90",
            "too deep": b"\x91" * 20 + b"\x90",
            "huge count": b"\xdd\xff\xff\xff\xff",
            "empty": b"",
        }
        for name, data in bad.items():
            with self.assertRaises(MalformedAnswer, msg=name):
                decode(data)

    def test_routing_answers_are_checked_against_the_batch(self):
        self.assertEqual(decode_routing(pack({"@a:x.org": [0, 2], "@b:x.org": []}), 3), {"@a:x.org": [0, 2], "@b:x.org": []})
        for answer in ([], {"@a:x.org": [3]}, {"@a:x.org": [1, 1]}, {"@a:x.org": [2, 1]}, {"@a:x.org": ["0"]}, {"@a:x.org": [True]}, {"@a:x.org": 1}, {"@a:x.org": [-1]}):
            with self.assertRaises(MalformedAnswer, msg=repr(answer)):
                decode_routing(pack(answer), 3)

    def test_equal_long_index_arrays_come_back_as_one_list(self):
        many = list(range(200))
        routing = decode_routing(pack({"@a:x.org": many, "@b:x.org": [0, 1], "@c:x.org": many, "@d:x.org": many[:-1], "@e:x.org": [0, 1]}), 200)
        self.assertEqual(routing, {"@a:x.org": many, "@b:x.org": [0, 1], "@c:x.org": many, "@d:x.org": many[:-1], "@e:x.org": [0, 1]})
        self.assertIs(routing["@a:x.org"], routing["@c:x.org"])
        self.assertIsNot(routing["@a:x.org"], routing["@d:x.org"])
        for bad in (b"\x81\xa1a\x91\x05", b"\x90", b"\x81\xa1a\x92\x01\x01", b"\x82\xa1a\x90\xa1a\x90", b"\x81\x01\x90"):
            with self.assertRaises(MalformedAnswer, msg=bad.hex()):
                decode_routing(bad, 3)
