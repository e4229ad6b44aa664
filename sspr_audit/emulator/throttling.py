"""Microsoft Graph's published throttling for identity calls, as token buckets.

Figures (Microsoft Learn, "Microsoft Graph service-specific throttling limits",
https://learn.microsoft.com/graph/throttling-limits):

* Identity and access service: one token bucket per app and tenant, refilled
  over 10 seconds, sized by the tenant's user count: 3,500 resource units (RU)
  for fewer than 50 users, 5,000 RU for 50 to 500 users, 8,000 RU for more
  than 500 users. Request costs: ``GET /users`` (the collection) 2 RU, other
  identity GETs 1 RU; ``$select`` lowers the cost by 1 and ``$expand`` raises
  it by 1; a request never costs less than 1 RU. Each request inside a
  ``$batch`` is costed and throttled on its own.
* Identity and access reports service (``reports/authenticationMethods/
  userRegistrationDetails``, ``auditLogs/directoryAudits``): 5 requests per
  10 seconds per app per tenant.
* Outlook service (``/users/{id}/mailboxSettings``): 10,000 requests per
  10 minutes per app and mailbox; a mailbox read never spends the identity
  bucket, and one read per user never comes near its own mailbox's limit.
* A throttled request gets 429 ``TooManyRequests`` with ``Retry-After`` in
  whole seconds; answers carry ``x-ms-resource-unit`` (the cost) and, once more
  than 80% of the bucket is used, ``x-ms-throttle-limit-percentage`` (0.8-1.8).

A client that ignores ``Retry-After`` keeps getting 429 until the announced
time has passed, and each early retry is charged as debt, which pushes that
time further out: only waiting gets it through.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

SMALL_TENANT_USERS = 50
LARGE_TENANT_USERS = 500
SMALL_TENANT_RU = 3_500
MEDIUM_TENANT_RU = 5_000
LARGE_TENANT_RU = 8_000
BUCKET_WINDOW_S = 10.0
REPORT_REQUESTS = 5
REPORT_WINDOW_S = 10.0
MAILBOX_REQUESTS = 10_000
MAILBOX_WINDOW_S = 600.0
WARN_SHARE = 0.8  # above this share of the bucket answers carry x-ms-throttle-limit-percentage

Clock = Callable[[], float]


@dataclass(frozen=True)
class ThrottleLimits:
    """Bucket and window sizes; tests shrink them, :meth:`documented` gives Microsoft's."""

    bucket_ru: int
    bucket_window_s: float = BUCKET_WINDOW_S
    report_requests: int = REPORT_REQUESTS
    report_window_s: float = REPORT_WINDOW_S

    @classmethod
    def documented(cls, user_count: int) -> ThrottleLimits:
        """The identity bucket for a tenant of ``user_count`` users."""
        if user_count < SMALL_TENANT_USERS:
            return cls(SMALL_TENANT_RU)
        if user_count <= LARGE_TENANT_USERS:
            return cls(MEDIUM_TENANT_RU)
        return cls(LARGE_TENANT_RU)


def request_cost(base_ru: int, has_select: bool, has_expand: bool) -> int:
    """Resource units of one identity request."""
    return max(1, base_ru - (1 if has_select else 0) + (1 if has_expand else 0))


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds - 1e-9))


class TokenBucket:
    """The identity bucket: ``take`` answers None (granted) or the seconds to wait."""

    def __init__(self, capacity: int, window_s: float, clock: Clock = time.monotonic) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / window_s
        self._clock = clock
        self._level = float(capacity)
        self._last = clock()
        self._blocked_until = 0.0

    def _refill(self, now: float) -> None:
        self._level = min(self.capacity, self._level + (now - self._last) * self.rate)
        self._last = now

    def take(self, cost: int) -> int | None:
        now = self._clock()
        self._refill(now)
        if now < self._blocked_until:
            # An early retry: charge it as debt (down to one bucket) and push the block out.
            self._level = max(self._level - cost, -self.capacity)
            self._blocked_until = max(self._blocked_until, now + (cost - self._level) / self.rate)
            return _whole_seconds(self._blocked_until - now)
        if self._level >= cost:
            self._level -= cost
            return None
        retry_after = _whole_seconds((cost - self._level) / self.rate)
        self._blocked_until = now + retry_after
        return retry_after

    def used_share(self) -> float:
        """Share of the bucket in use (above 1 while in debt)."""
        return (self.capacity - self._level) / self.capacity


class RequestWindow:
    """At most ``limit`` requests in any ``window_s`` seconds (the reports service)."""

    def __init__(self, limit: int, window_s: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._times: deque[float] = deque()

    def take(self) -> int | None:
        now = self._clock()
        while self._times and now - self._times[0] >= self.window_s:
            self._times.popleft()
        if len(self._times) < self.limit:
            self._times.append(now)
            return None
        return _whole_seconds(self._times[0] + self.window_s - now)


class MailboxWindows:
    """Outlook's limit per mailbox, counted in fixed windows so that a million mailboxes cost one count each."""

    def __init__(self, limit: int, window_s: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._window_start = clock()
        self._counts: dict[str, int] = {}

    def take(self, mailbox: str) -> int | None:
        now = self._clock()
        if now - self._window_start >= self.window_s:
            self._window_start, self._counts = now, {}
        count = self._counts.get(mailbox, 0)
        if count >= self.limit:
            return _whole_seconds(self._window_start + self.window_s - now)
        self._counts[mailbox] = count + 1
        return None


@dataclass(frozen=True)
class Admission:
    """The throttler's verdict on one request."""

    retry_after: int | None  # None: go ahead
    resource_units: int
    limit_percentage: str | None = None  # x-ms-throttle-limit-percentage, when above 80%


class Throttler:
    """The buckets of the one app and tenant the emulator serves; ``enabled=False`` only costs."""

    def __init__(self, limits: ThrottleLimits, enabled: bool = True, clock: Clock = time.monotonic) -> None:
        self.enabled = enabled
        self.bucket = TokenBucket(limits.bucket_ru, limits.bucket_window_s, clock)
        self.reports = RequestWindow(limits.report_requests, limits.report_window_s, clock)
        self.mailboxes = MailboxWindows(MAILBOX_REQUESTS, MAILBOX_WINDOW_S, clock)

    def admit(self, cost: int, report: bool = False, mailbox: str | None = None) -> Admission:
        """Charge one request to the reports window, its mailbox's Outlook limit or the identity bucket."""
        if not self.enabled:
            return Admission(None, cost)
        if report:
            return Admission(self.reports.take(), cost)
        if mailbox is not None:
            return Admission(self.mailboxes.take(mailbox), cost)
        retry_after = self.bucket.take(cost)
        share = self.bucket.used_share()
        percentage = f"{min(share, 1.8):.1f}" if retry_after is None and share > WARN_SHARE else None
        return Admission(retry_after, cost, percentage)
