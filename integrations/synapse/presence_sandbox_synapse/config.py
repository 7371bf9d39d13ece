"""The module's `config:` in homeserver.yaml, checked key by key. Every refusal is a ConfigError whose
path is the key (Synapse prefixes it with the module's place, `modules.<0>.config`) and whose message
says what was expected and what was found, so Synapse refuses to start with a line the operator can act on.
"""

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from synapse.module_api.errors import ConfigError

DEFAULT_TIMEOUT_S = 0.5
DEFAULT_BACKOFF_S = 1.0
DEFAULT_BACKOFF_MAX_S = 10.0
DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024
# Synapse's name for the main process in `stream_writers`/`instance_map`.
MAIN_PROCESS = "master"

KEYS = ("url", "timeout_s", "backoff_s", "backoff_max_s", "presence_writer", "events", "max_answer_bytes")


@dataclass(frozen=True)
class Sidecar:
    """One sidecar address: TCP (host, port) or a Unix socket path; base is a path prefix ('' or '/x')."""

    url: str
    host: Optional[str] = None
    port: Optional[int] = None
    socket: Optional[str] = None
    base: str = ""


@dataclass(frozen=True)
class RouterConfig:
    sidecars: Tuple[Sidecar, ...]
    timeout_s: float = DEFAULT_TIMEOUT_S
    backoff_s: float = DEFAULT_BACKOFF_S
    backoff_max_s: float = DEFAULT_BACKOFF_MAX_S
    presence_writer: str = MAIN_PROCESS
    events: bool = True
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES


def _error(key: str, message: str) -> ConfigError:
    return ConfigError(f"presence_sandbox_synapse: {key}: {message}", (key,))


def parse_sidecar(key: str, value: Any) -> Sidecar:
    if type(value) is not str or not value:
        raise _error(key, f"expected a URL like http://127.0.0.1:8880 or unix:/run/presence-sandbox.sock (got {value!r})")
    if value.startswith("unix:"):
        path = value[len("unix:"):]
        if path.startswith("//"):
            path = path[2:]
        if not path.startswith("/"):
            raise _error(key, f"a Unix socket URL needs an absolute path, like unix:/run/presence-sandbox.sock (got {value!r})")
        return Sidecar(url=value, socket=path)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as e:
        raise _error(key, f"not a valid URL ({e}): {value!r}") from None
    if parts.scheme != "http":
        raise _error(key, f"expected http:// or unix: (got {value!r}); the sidecar is local: put TLS in a proxy if it must be remote")
    if not parts.hostname:
        raise _error(key, f"no host in {value!r}")
    if port is None:
        raise _error(key, f"no port in {value!r} (the sidecar's default is 8880)")
    if parts.query or parts.fragment or parts.username:
        raise _error(key, f"a sidecar URL has no query, fragment or credentials (got {value!r})")
    return Sidecar(url=value, host=parts.hostname, port=port, base=parts.path.rstrip("/"))


def _seconds(config: Mapping[str, Any], key: str, default: float, most: float) -> float:
    value = config.get(key, default)
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 < value <= most:
        raise _error(key, f"expected a number of seconds, more than 0 and at most {most:g} (got {value!r})")
    return float(value)


def parse_config(config: Any) -> RouterConfig:
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"presence_sandbox_synapse: expected a mapping of options (got {type(config).__name__})")
    for key in config:
        if key not in KEYS:
            raise _error(str(key), f"unknown option (the options are: {', '.join(KEYS)})")
    if "url" not in config:
        raise _error("url", "required: the sidecar's URL, like http://127.0.0.1:8880 or unix:/run/presence-sandbox.sock, or a list of them")
    urls = config["url"]
    if type(urls) is list:
        if not urls:
            raise _error("url", "an empty list: give at least one sidecar URL")
        sidecars = tuple(parse_sidecar(f"url[{i}]", u) for i, u in enumerate(urls))
    else:
        sidecars = (parse_sidecar("url", urls),)
    if len({s.url for s in sidecars}) != len(sidecars):
        raise _error("url", "a sidecar URL is listed twice")
    timeout_s = _seconds(config, "timeout_s", DEFAULT_TIMEOUT_S, 60)
    backoff_s = _seconds(config, "backoff_s", DEFAULT_BACKOFF_S, 3600)
    backoff_max_s = _seconds(config, "backoff_max_s", max(DEFAULT_BACKOFF_MAX_S, backoff_s), 86400)
    if backoff_max_s < backoff_s:
        raise _error("backoff_max_s", f"must be at least backoff_s ({backoff_s:g}) (got {backoff_max_s:g})")
    writer = config.get("presence_writer", MAIN_PROCESS)
    if type(writer) is not str or not writer:
        raise _error("presence_writer", f"expected the instance name of the presence stream writer, like {MAIN_PROCESS!r} (got {writer!r})")
    events = config.get("events", True)
    if type(events) is not bool:
        raise _error("events", f"expected true or false (got {events!r})")
    max_answer = config.get("max_answer_bytes", DEFAULT_MAX_ANSWER_BYTES)
    if type(max_answer) is not int or max_answer < 1024:
        raise _error("max_answer_bytes", f"expected an integer number of bytes, at least 1024 (got {max_answer!r})")
    return RouterConfig(
        sidecars=sidecars,
        timeout_s=timeout_s,
        backoff_s=backoff_s,
        backoff_max_s=backoff_max_s,
        presence_writer=writer,
        events=events,
        max_answer_bytes=max_answer,
    )
