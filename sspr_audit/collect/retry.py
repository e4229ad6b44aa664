"""When to try a Graph request again, and how long to wait first.

Graph says how long to wait when it throttles (``Retry-After``, on a whole
response or on one response inside a ``$batch``); that wait is obeyed as a
minimum. Server errors, timeouts and dropped connections get exponential
backoff with jitter, so many workers that failed together do not come back
together. Both are bounded: a request that keeps failing is given up, and
a ``Retry-After`` of days (or infinity) is cut to a few minutes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_MAX_RETRY_AFTER = 300.0  # seconds: Graph asks for seconds to minutes; days mean a broken answer
DEFAULT_BASE_DELAY = 0.5  # seconds before the first retry; read when options are built, so tests may lower it
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and pace of retries."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS  # failed (non-429) attempts before giving up
    max_throttled: int = 30  # 429 answers one request may receive before giving up
    base_delay: float = DEFAULT_BASE_DELAY  # seconds before the first retry; doubles per attempt
    max_delay: float = 60.0
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER  # a longer Retry-After (1e9, inf) is cut to this
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): "equal jitter"."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def throttle_wait(self, headers: Mapping[str, str], throttled: int) -> float:
        """Seconds to wait after a 429: Graph's ``Retry-After`` (at most :attr:`max_retry_after`), else backoff."""
        told = retry_after(headers)
        return min(told, self.max_retry_after) if told is not None else self.backoff(throttled)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (delta or HTTP date); None when absent, zero or unreadable."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            from datetime import UTC, datetime

            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return seconds if seconds > 0 else None
