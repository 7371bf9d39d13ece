"""Which sidecar to call: round robin over the healthy ones; a sidecar that fails is skipped for a
backoff period (doubling up to a cap) and tried again once it is over. When every sidecar is in backoff
the circuit is open: calls fail at once, without touching the network, until one is due again.

Logging is per transition, not per call: one warning when a sidecar goes down (no traceback), one line
when it is back. Synapse itself still logs one warning line per skipped callback.
"""

import logging
from typing import Callable, Generic, List, Optional, TypeVar

logger = logging.getLogger("presence_sandbox_synapse")

T = TypeVar("T")


class _Health(Generic[T]):
    def __init__(self, target: T):
        self.target = target
        self.down_until = 0.0
        self.backoff = 0.0
        self.failures = 0


class Balancer(Generic[T]):
    def __init__(self, targets: List[T], name: Callable[[T], str], backoff_s: float, backoff_max_s: float, now: Callable[[], float]):
        self._all = [_Health(t) for t in targets]
        self._name = name
        self._backoff_s = backoff_s
        self._backoff_max_s = backoff_max_s
        self._now = now
        self._next = 0

    def _clients(self) -> List[T]:
        return [h.target for h in self._all]

    def order(self) -> List[T]:
        """The targets to try for one call, healthy ones first in round-robin order; [] if the circuit is open."""
        now = self._now()
        n = len(self._all)
        start = self._next
        self._next = (start + 1) % n
        rotated = [self._all[(start + i) % n] for i in range(n)]
        return [h.target for h in rotated if h.down_until <= now]

    def retry_in(self) -> float:
        """Seconds until the first sidecar in backoff is tried again."""
        now = self._now()
        return max(0.0, min(h.down_until for h in self._all) - now)

    def failed(self, target: T, error: Exception, retry_after: Optional[float] = None) -> None:
        h = self._health(target)
        h.failures += 1
        h.backoff = self._backoff_s if h.backoff == 0 else min(h.backoff * 2, self._backoff_max_s)
        wait = h.backoff if retry_after is None else min(max(retry_after, 0.0), self._backoff_max_s)
        h.down_until = self._now() + wait
        if h.failures == 1:
            logger.warning("presence-sandbox sidecar %s failed: %s; skipping it for %.1f s, then retrying", self._name(target), error, wait)
        else:
            logger.debug("presence-sandbox sidecar %s still failing (%d in a row): %s; next try in %.1f s", self._name(target), h.failures, error, wait)

    def succeeded(self, target: T) -> None:
        h = self._health(target)
        if h.failures:
            logger.warning("presence-sandbox sidecar %s is back after %d failed calls", self._name(target), h.failures)
        h.failures = 0
        h.backoff = 0.0
        h.down_until = 0.0

    def _health(self, target: T) -> _Health[T]:
        for h in self._all:
            if h.target is target:
                return h
        raise KeyError(target)
