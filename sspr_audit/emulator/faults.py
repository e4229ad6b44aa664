"""Seeded fault injection and latency jitter.

A fault is a pure function of the seed, the request and how many times that
same request was seen before, so a run reproduces whatever order concurrent
requests arrive in, and a retried request draws afresh (it can succeed).
Two scripted faults come on top: a 429 storm (every request throttled for a
few seconds, as when another app exhausts the tenant's budget) and one page
of a collection answered once with a truncated body and status 200.
"""

from __future__ import annotations

import collections
import hashlib
import math
import random
import time
from collections.abc import Callable
from enum import StrEnum

SLOW_MIN_S = 0.2
SLOW_SPAN_S = 0.6  # slow answers wait 200-800 ms
JITTER_SIGMA = 0.5  # spread of the lognormal latency


class Fault(StrEnum):
    """What an injected fault does to a request."""

    ERROR_500 = "500"
    ERROR_503 = "503"
    RESET = "reset"  # the connection is aborted mid-body
    SLOW = "slow"  # answered correctly, after a delay


WHOLE_REQUEST_FAULTS = (Fault.ERROR_500, Fault.ERROR_503, Fault.RESET, Fault.SLOW)
INNER_REQUEST_FAULTS = (Fault.ERROR_500, Fault.ERROR_503, Fault.SLOW)  # a batch step cannot reset alone


def fault_schedule(seed: int, rate: float, key: str, attempt: int, inner: bool = False) -> tuple[Fault, float] | None:
    """The fault for the ``attempt``-th sight of request ``key``, with its delay for slow ones."""
    if rate <= 0:
        return None
    digest = hashlib.blake2b(f"{seed}\x00{key}\x00{attempt}".encode(), digest_size=12).digest()
    if int.from_bytes(digest[:4]) / 2**32 >= rate:
        return None
    kinds = INNER_REQUEST_FAULTS if inner else WHOLE_REQUEST_FAULTS
    fault = kinds[digest[4] % len(kinds)]
    delay = SLOW_MIN_S + SLOW_SPAN_S * int.from_bytes(digest[5:9]) / 2**32 if fault is Fault.SLOW else 0.0
    return fault, delay


class FaultInjector:
    """Counts sights of each request and draws its fault from :func:`fault_schedule`."""

    def __init__(self, seed: int, rate: float) -> None:
        self.seed = seed
        self.rate = rate
        self._seen: collections.Counter[str] = collections.Counter()

    def draw(self, key: str, inner: bool) -> tuple[Fault, float] | None:
        if self.rate <= 0:
            return None
        attempt = self._seen[key]
        self._seen[key] = attempt + 1
        return fault_schedule(self.seed, self.rate, key, attempt, inner)


class Jitter:
    """Seeded lognormal delays whose mean is ``mean_ms`` (0 gives no delay)."""

    def __init__(self, seed: int, mean_ms: float) -> None:
        self._random = random.Random(seed)
        self._mean_s = mean_ms / 1000.0
        self._mu = math.log(self._mean_s) - JITTER_SIGMA**2 / 2 if mean_ms > 0 else 0.0

    def next_delay(self) -> float:
        if self._mean_s <= 0:
            return 0.0
        return self._random.lognormvariate(self._mu, JITTER_SIGMA)


class Storm:
    """A 429 storm: every request is throttled for ``seconds`` from the first one after ``after`` requests."""

    def __init__(self, after: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.after = after
        self.seconds = seconds
        self._clock = clock
        self._arrived = 0
        self._ends: float | None = None

    def arrived(self) -> None:
        """Count one HTTP request; the one after the first ``after`` starts the storm."""
        self._arrived += 1
        if self.seconds > 0 and self._ends is None and self._arrived > self.after:
            self._ends = self._clock() + self.seconds

    def retry_after(self) -> int | None:
        """Whole seconds until the storm is over (at least 1), or None outside it."""
        if self._ends is None:
            return None
        left = self._ends - self._clock()
        return max(1, math.ceil(left)) if left > 0 else None

    def refuse_whole_batch(self, seed: int) -> bool:
        """Whether a ``$batch`` in the storm is refused whole (else each request inside gets its own 429)."""
        digest = hashlib.blake2b(f"{seed}\x00storm\x00{self._arrived}".encode(), digest_size=1).digest()
        return digest[0] % 2 == 0


class MalformedPage:
    """Page ``page`` (1-based) of the collection at ``path``, answered once with a truncated JSON body."""

    def __init__(self, path: str | None, page: int) -> None:
        self._path = path.rstrip("/").lower() if path else None
        self.page = page

    def take(self, path: str, page: int | None) -> bool:
        """True, once, for the chosen page: its body is to be cut."""
        if self._path is None or page != self.page or path.rstrip("/").lower() != self._path:
            return False
        self._path = None
        return True
