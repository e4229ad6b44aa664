"""Slow down when Graph throttles: fewer batches in flight, and a pause; pace the reports.

Graph throttles per application and tenant, so when one response says
``Retry-After: N`` every other request would be refused too. The limiter
pauses all new batches for N seconds and halves how many may be in flight
(at most once per pause); each batch that comes back unthrottled adds a
little back (additive increase, multiplicative decrease).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable


class AdaptiveLimiter:
    """Bounded, self-adjusting concurrency for ``$batch`` requests."""

    def __init__(
        self,
        ceiling: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(self.ceiling)
        self.in_flight = 0
        self.pause_until = 0.0
        self._clock = clock
        self._sleep = sleep
        self._last_cut = float("-inf")
        self._freed = asyncio.Event()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the allowed in-flight places for the block."""
        await self._acquire()
        try:
            yield
        finally:
            self.in_flight -= 1
            self._freed.set()

    async def _acquire(self) -> None:
        while True:
            wait = self.pause_until - self._clock()
            if wait > 0:
                await self._sleep(wait)
                continue
            if self.in_flight < int(self.limit):
                self.in_flight += 1
                return
            self._freed.clear()
            await self._freed.wait()

    def throttled(self, wait: float) -> None:
        """Graph answered 429 with ``wait`` seconds: pause everyone, and cut the pace."""
        now = self._clock()
        self.pause_until = max(self.pause_until, now + wait)
        if now - self._last_cut >= wait:
            self.limit = max(1.0, self.limit / 2)
            self._last_cut = now

    def succeeded(self) -> None:
        """A batch came back without throttling: creep back towards the ceiling."""
        self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)
        self._freed.set()


class WindowPacer:
    """At most ``limit`` requests in any ``window`` seconds, waited for on this side.

    Graph's reports service allows 5 requests per 10 s per app and tenant
    and answers more with a 429 whose whole-second ``Retry-After`` rounds
    up; sending each request as soon as the window allows it loses nothing
    to that rounding. Each request is timed when its answer arrives (Graph
    counted it no later than that), so queueing on either side cannot make
    the next one early. A 429 that comes anyway is still obeyed by the caller.
    """

    def __init__(
        self, limit: int, window: float, *, margin: float = 0.05, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.margin = margin  # seconds of slack
        self._clock = clock
        self._answered: deque[float] = deque(maxlen=limit)

    def delay(self) -> float:
        """Seconds until the next request may go (0: now)."""
        if len(self._answered) < self.limit:
            return 0.0
        return max(0.0, self._answered[0] + self.window + self.margin - self._clock())

    def answered(self) -> None:
        """Record that the answer to a request arrived now."""
        self._answered.append(self._clock())
