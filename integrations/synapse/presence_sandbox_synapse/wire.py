"""The binary wire, client side (docs/abi.md "Batch", docs/wire.md): the batch out as msgpack, the
routing answer in, decoded strictly. The standard library has no msgpack and this package takes no
dependency beyond Synapse, so both halves are here, and only as much msgpack as the wire uses.

Speed matters: this runs on Synapse's reactor thread for every presence update, and hosting a router in
the sandbox should cost Synapse about what running it in-process does. So the batch loop does one dict
lookup per string (user IDs and status messages are encoded once and cached; the same users' presence
changes over and over) and one struct call for the three timestamps, and runs of integer indices in the
answer are decoded with one regex match and one struct call per run, not one Python step per index.
"""

import re
import struct
from operator import lt
from typing import Any, Callable, Dict, List, Sequence, Tuple

from .errors import InvalidBatch, MalformedAnswer

BATCH_MEDIA_TYPE = "application/vnd.presence-sandbox.batch+msgpack"
ROUTING_MEDIA_TYPE = "application/vnd.presence-sandbox.routing+msgpack"

FIELDS = (
    "user_id",
    "state",
    "last_active_ts",
    "last_federation_update_ts",
    "last_user_sync_ts",
    "status_msg",
    "currently_active",
)
PRESENCE_STATES = ("online", "unavailable", "offline", "org.matrix.msc3026.busy")
MAX_TS = 2**53

# Three timestamps, each as msgpack uint64 (0xcf): any integer encoding is allowed on the wire, and one
# fixed layout lets struct write all three in one C call.
_timestamps = struct.Struct(">BQBQBQ").pack
_STATE_BYTES = {s: bytes([0xA0 | len(s)]) + s.encode() for s in PRESENCE_STATES}
_CACHE_LIMIT = 65536


def _str_bytes(value: str) -> bytes:
    raw = value.encode("utf-8")
    n = len(raw)
    if n < 32:
        return bytes([0xA0 | n]) + raw
    if n < 256:
        return b"\xd9" + bytes([n]) + raw
    if n < 65536:
        return b"\xda" + n.to_bytes(2, "big") + raw
    return b"\xdb" + n.to_bytes(4, "big") + raw


class _EncodedStrings(dict):
    """str -> its msgpack bytes. The same users' presence changes over and over, so their IDs and status
    messages are encoded once; a hit is one C-level dict lookup. Bounded: cleared when full."""

    def __init__(self, preset: Dict[Any, bytes]):
        super().__init__(preset)
        self._preset = preset

    def __missing__(self, key: Any) -> bytes:
        if type(key) is not str:
            raise TypeError("not a str")
        if len(self) >= _CACHE_LIMIT:
            self.clear()
            self.update(self._preset)
        encoded = self[key] = _str_bytes(key)
        return encoded


_user_ids = _EncodedStrings({})
_status_msgs = _EncodedStrings({None: b"\xc0"})


def _array_header(n: int) -> bytes:
    if n < 16:
        return bytes([0x90 | n])
    if n < 65536:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def encode_batch(states: Sequence[Any]) -> bytes:
    """The ABI v1 batch: an array of 7-element arrays, Synapse's UserPresenceState fields in order.
    Raises InvalidBatch naming the first state and field that cannot be sent."""
    out = [_array_header(len(states))]
    put = out.append
    user_ids, status_msgs, kinds, timestamps = _user_ids, _status_msgs, _STATE_BYTES, _timestamps
    try:
        for s in states:
            put(b"\x97")
            put(user_ids[s.user_id])
            put(kinds[s.state])
            put(timestamps(0xCF, s.last_active_ts, 0xCF, s.last_federation_update_ts, 0xCF, s.last_user_sync_ts))
            put(status_msgs[s.status_msg])
            active = s.currently_active
            put(b"\xc3" if active is True else b"\xc2" if active is False else _not_bool())
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError, struct.error):
        _explain(states)
        raise InvalidBatch("a presence state could not be encoded") from None
    # Negative and non-integer timestamps were refused by struct; the sidecar also refuses any over
    # 2^53 (a 400 naming the state), which Synapse's millisecond clocks never reach.
    return b"".join(out)


def _not_bool() -> bytes:
    raise TypeError("currently_active is not a bool")


def _explain(states: Sequence[Any]) -> None:
    """The slow path, only after the fast one failed: find the state and field at fault and raise."""
    for i, s in enumerate(states):
        for name in FIELDS:
            if not hasattr(s, name):
                raise InvalidBatch(f"states[{i}]: not a UserPresenceState (no {name})")
        if type(s.user_id) is not str:
            raise InvalidBatch(f"states[{i}].user_id: expected a str")
        if s.state not in _STATE_BYTES:
            raise InvalidBatch(f"states[{i}].state: expected one of {', '.join(PRESENCE_STATES)}")
        for name in FIELDS[2:5]:
            ts = getattr(s, name)
            if type(ts) is not int or not 0 <= ts <= MAX_TS:
                raise InvalidBatch(f"states[{i}].{name}: expected an integer 0..2^53 (got {ts!r})")
        if s.status_msg is not None and type(s.status_msg) is not str:
            raise InvalidBatch(f"states[{i}].status_msg: expected a str or None")
        if type(s.currently_active) is not bool:
            raise InvalidBatch(f"states[{i}].currently_active: expected a bool")


# ---- the answer -----------------------------------------------------------------------------------

_MAX_DEPTH = 8
_FIXINT_RUN = re.compile(rb"[\x00-\x7f]+")
# (marker, bytes per value, struct code): runs of one integer width, as an encoder writes ascending
# indices: all fixints, then all uint8, then all uint16...
_UINT_RUNS = {
    0xCC: (re.compile(rb"(?:\xcc[\x00-\xff])+", re.S), 2, "xB"),
    0xCD: (re.compile(rb"(?:\xcd[\x00-\xff]{2})+", re.S), 3, "xH"),
    0xCE: (re.compile(rb"(?:\xce[\x00-\xff]{4})+", re.S), 5, "xI"),
    0xCF: (re.compile(rb"(?:\xcf[\x00-\xff]{8})+", re.S), 9, "xQ"),
}
_FIXED = {
    0xCC: (1, ">B"), 0xCD: (2, ">H"), 0xCE: (4, ">I"), 0xCF: (8, ">Q"),
    0xD0: (1, ">b"), 0xD1: (2, ">h"), 0xD2: (4, ">i"), 0xD3: (8, ">q"),
    0xCA: (4, ">f"), 0xCB: (8, ">d"),
}


def decode(data: bytes) -> Any:
    """Plain msgpack (nil, bool, int, float, str, array, map) to Python. Truncated input, trailing
    bytes, bin, ext, invalid UTF-8 and nesting deeper than 8 are MalformedAnswer."""
    return _whole(lambda: _value(data, 0, 0), data)


def _whole(parse: Callable[[], Tuple[Any, int]], data: bytes) -> Any:
    """Runs a parser over all of `data`: its low-level failures, and bytes left over, are MalformedAnswer."""
    try:
        value, pos = parse()
    except IndexError:
        raise MalformedAnswer("truncated msgpack") from None
    except (UnicodeDecodeError, struct.error) as e:
        raise MalformedAnswer(f"malformed msgpack: {e}") from None
    if pos != len(data):
        raise MalformedAnswer(f"{len(data) - pos} trailing bytes after the msgpack value")
    return value


def _need(data: bytes, end: int) -> None:
    if end > len(data):
        raise IndexError


def _value(data: bytes, pos: int, depth: int) -> Tuple[Any, int]:
    b = data[pos]
    pos += 1
    if b < 0x80:
        return b, pos
    if b >= 0xE0:
        return b - 0x100, pos
    if 0xA0 <= b <= 0xBF:
        return _str(data, pos, b & 0x1F)
    if 0x90 <= b <= 0x9F:
        return _array(data, pos, b & 0x0F, depth)
    if 0x80 <= b <= 0x8F:
        return _map(data, pos, b & 0x0F, depth)
    if b == 0xC0:
        return None, pos
    if b == 0xC2:
        return False, pos
    if b == 0xC3:
        return True, pos
    if b in _FIXED:
        size, fmt = _FIXED[b]
        _need(data, pos + size)
        return struct.unpack_from(fmt, data, pos)[0], pos + size
    if b in (0xD9, 0xDA, 0xDB):
        size = 1 << (b - 0xD9)
        _need(data, pos + size)
        return _str(data, pos + size, int.from_bytes(data[pos : pos + size], "big"))
    if b in (0xDC, 0xDD):
        size = 2 if b == 0xDC else 4
        _need(data, pos + size)
        return _array(data, pos + size, int.from_bytes(data[pos : pos + size], "big"), depth)
    if b in (0xDE, 0xDF):
        size = 2 if b == 0xDE else 4
        _need(data, pos + size)
        return _map(data, pos + size, int.from_bytes(data[pos : pos + size], "big"), depth)
    raise MalformedAnswer(f"msgpack type 0x{b:02x} at byte {pos - 1} is not allowed (bin, ext or reserved)")


def _str(data: bytes, pos: int, n: int) -> Tuple[str, int]:
    end = pos + n
    _need(data, end)
    return data[pos:end].decode("utf-8"), end


def _array(data: bytes, pos: int, n: int, depth: int) -> Tuple[List[Any], int]:
    if depth >= _MAX_DEPTH:
        raise MalformedAnswer("msgpack nested too deeply")
    # Every element takes at least one byte: a count past the end is truncation, found before allocating.
    _need(data, pos + n)
    out: List[Any] = []
    while len(out) < n:
        left = n - len(out)
        b = data[pos]
        if b < 0x80:
            end = _FIXINT_RUN.match(data, pos, pos + left).end()
            out.extend(data[pos:end])
            pos = end
        elif b in _UINT_RUNS:
            run, width, code = _UINT_RUNS[b]
            m = run.match(data, pos, pos + width * left)
            if m is None:
                raise IndexError
            count = (m.end() - pos) // width
            out.extend(struct.unpack_from(">" + code * count, data, pos))
            pos = m.end()
        else:
            value, pos = _value(data, pos, depth + 1)
            out.append(value)
    return out, pos


def _map(data: bytes, pos: int, n: int, depth: int) -> Tuple[Dict[Any, Any], int]:
    if depth >= _MAX_DEPTH:
        raise MalformedAnswer("msgpack nested too deeply")
    _need(data, pos + 2 * n)
    out: Dict[Any, Any] = {}
    for _ in range(n):
        key, pos = _value(data, pos, depth + 1)
        if type(key) is not str:
            raise MalformedAnswer(f"map key {key!r} is not a str")
        if key in out:
            raise MalformedAnswer(f"map key {key!r} repeated")
        out[key], pos = _value(data, pos, depth + 1)
    return out, pos


def decode_routing(data: bytes, batch_size: int) -> Dict[str, List[int]]:
    """The users_for_states answer: {destination user ID: [ascending, distinct indices into the batch]}.
    Destinations whose index arrays are the same bytes get the same list object (a router that sends
    the same states to several users is common), decoded and checked once."""
    routing = _whole(lambda: _routing_map(data), data)
    checked = set()
    for destination, indices in routing.items():
        if id(indices) in checked:
            continue
        checked.add(id(indices))
        if type(indices) is not list:
            raise MalformedAnswer(f"{destination}: expected a list of indices")
        if not indices:
            continue
        if not set(map(type, indices)) <= {int}:
            raise MalformedAnswer(f"{destination}: an index is not an integer")
        if indices[0] < 0 or indices[-1] >= batch_size:
            raise MalformedAnswer(f"{destination}: index out of range for a batch of {batch_size}")
        if not all(map(lt, indices, indices[1:])):
            raise MalformedAnswer(f"{destination}: indices not ascending and distinct")
    return routing


def _routing_map(data: bytes) -> Tuple[Dict[str, Any], int]:
    b = data[0]
    if 0x80 <= b <= 0x8F:
        n, pos = b & 0x0F, 1
    elif b in (0xDE, 0xDF):
        size = 2 if b == 0xDE else 4
        _need(data, 1 + size)
        n, pos = int.from_bytes(data[1 : 1 + size], "big"), 1 + size
    else:
        raise MalformedAnswer("the answer is not a map of destination -> indices")
    _need(data, pos + 2 * n)
    out: Dict[str, Any] = {}
    # A few long index arrays already decoded, with their bytes. msgpack is self-delimiting, so bytes at
    # `pos` that begin with a complete value's encoding are that value: a memcmp instead of a decode.
    seen: List[Tuple[bytes, Any]] = []
    for _ in range(n):
        key, pos = _value(data, pos, 1)
        if type(key) is not str:
            raise MalformedAnswer(f"map key {key!r} is not a str")
        if key in out:
            raise MalformedAnswer(f"map key {key!r} repeated")
        for raw, value in seen:
            if data.startswith(raw, pos):
                pos += len(raw)
                break
        else:
            start = pos
            value, pos = _value(data, pos, 1)
            if pos - start >= 32 and len(seen) < 8:
                seen.append((data[start:pos], value))
        out[key] = value
    return out, pos
