"""Pace the reports on this side: Graph allows them 5 requests per 10 s.

Per-user ``$batch`` calls are paced by :mod:`sspr_audit.collect.pacer`, whose
pause on a 429 holds every worker; the number of workers bounds how many
batches are in flight.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


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
