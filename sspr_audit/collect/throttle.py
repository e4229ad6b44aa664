"""Pace the reports on this side: Graph allows them 5 requests per 10 s.

Per-user ``$batch`` calls are paced by :mod:`sspr_audit.collect.pacer`, whose
pause on a 429 holds every worker; the number of workers bounds how many
batches are in flight.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

POLL_S = 0.05


class WindowPacer:
    """At most ``limit`` requests in any ``window`` seconds, waited for on this side.

    Graph's reports service allows 5 requests per 10 s per app and tenant
    and answers more with a 429 whose whole-second ``Retry-After`` rounds
    up; sending each request as soon as the window allows it loses nothing
    to that rounding. Each request is timed when its answer arrives (Graph
    counted it no later than that), so queueing on either side cannot make
    the next one early; a request still out holds its place in the window,
    so several chains of pages (the report and the audit events) can share
    it. A 429 that comes anyway is still obeyed by the caller.
    """

    def __init__(
        self, limit: int, window: float, *, margin: float = 0.05, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.margin = margin  # seconds of slack
        self._clock = clock
        self._answered: deque[float] = deque(maxlen=limit)
        self.out = 0  # requests sent and not answered yet

    def delay(self) -> float:
        """Seconds until the next request may go (0: now)."""
        # The answers still in the window plus the requests out must leave room for one more: the
        # answer ``out`` places from the oldest of the last ``limit`` must have left the window.
        oldest = self.out - (self.limit - len(self._answered))
        if oldest < 0:
            return 0.0
        if oldest >= len(self._answered):
            return POLL_S  # every place is held by a request still out: look again soon, its answer frees one
        return max(0.0, self._answered[oldest] + self.window + self.margin - self._clock())

    def sent(self) -> None:
        """Record that a request went out now."""
        self.out += 1

    def answered(self) -> None:
        """Record that the answer to a request arrived now."""
        self.out = max(0, self.out - 1)
        self._answered.append(self._clock())
