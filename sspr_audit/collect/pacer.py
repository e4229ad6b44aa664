"""Pace per-user requests to the budget Graph's answers reveal, so that few are answered 429.

Graph does not say its budget up front, and it varies: 8,000 resource units
per 10 s for the identity service, but 5 requests per 10 s when per-user
methods calls are counted as reports, as Graph's throttling page lists them.
Microsoft warns that a client that keeps drawing 429s is throttled harder,
so the pacer learns the rate instead of finding the limit by hitting it:

* its first batch is small and goes alone (a probe: the budget may be 5
  requests); then it starts modestly and doubles its rate every second while
  nothing warns;
* ``x-ms-throttle-limit-percentage`` (sent once 80% of the budget is used)
  ends slow start by halving the rate, then lets it creep up; at 100% it is
  trimmed a little, in debt more;
  once Graph has sent it, its absence means a fifth of the budget is left,
  so the rate may grow briskly;
* a 429 pauses everything for its ``Retry-After`` and cuts the rate: the
  first time to half, or lower, to what Graph accepted per second counting
  the wait it now imposes (5 answers and a 10 s wait: 0.5 a second), which
  misses what others spent (the registration report shares the reports
  budget), so the rate then grows briskly to find the budget; later to what
  Graph accepted since the previous 429 or in the last 10 s (the window
  Graph counts its budgets over), whichever is more;
* once two 429s have measured the budget, the rate creeps up by the request
  as well as by the second, so 5 requests per 10 s are used fully without a
  429 every few requests; where Graph sends the warning header (the identity
  bucket), its absence still lets the rate grow briskly, so a pace cut far
  below the budget (429s amid faults and retries) recovers in seconds.

Pure bookkeeping on an injectable clock: the batch runner asks :meth:`delay`
and calls :meth:`take` and :meth:`answered`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

PROBE = 5  # requests in the first batch, which goes alone
INITIAL_RATE = 200.0  # requests per second before anything is known: a quarter of the identity budget
PROBE_POLL_S = 0.02  # how often a batch waiting for the probe's answer looks again
MIN_RATE = 0.05  # one request every 20 s: Graph's slowest published budget is 5 per 10 s
MAX_RATE = 10_000.0
SLOW_START = 2.0  # rate growth per second while nothing warns and nothing was throttled yet
EASE_UP = 1.05  # rate growth per second once Graph has pushed back
BRISK = 1.5  # rate growth per second while Graph, which sends the warning, does not
AT_LIMIT = 1.0  # x-ms-throttle-limit-percentage at which the rate is trimmed (more above it: in debt)
WARNED = 0.8  # the value from which Graph sends the header at all
TRIM = 0.98  # the rate kept on each trim at the limit
DEBT_TRIM = 0.9  # the rate kept on each trim in debt
KEEP = 0.95  # the share of the learned refill rate kept after a 429
CREEP = 0.002  # at most this growth per accepted request once two 429s have measured the budget (BRISK before)
WINDOW_S = 10.0  # the window Graph's published budgets are counted over (the identity bucket and the reports)
TRIM_EVERY_S = 1.0  # at most one trim in this time, so one burst of warnings is one trim


class Pacer:
    """A token-bucket pace for requests whose rate rises and falls with Graph's answers."""

    def __init__(self, *, initial: float = INITIAL_RATE, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = initial
        self._clock = clock
        self._next = clock()  # when the next request may go
        self.pause_until = 0.0
        self._probing = True  # slow start until Graph first warns or throttles
        self._warned = False  # whether Graph sends x-ms-throttle-limit-percentage at all
        self._grown_at = self._started = clock()
        self._trimmed_at = float("-inf")
        self._cut_until = float("-inf")  # one cut per throttling episode
        self._episode: float | None = None  # when the last throttling episode began
        self._since_episode = 0  # requests accepted since then
        self.throttled = 0  # 429s seen
        self.episodes = 0  # throttling episodes (a burst of 429s answered by one pause)
        self.sent = 0
        self._answered = False  # the probe came back
        self._recent: deque[tuple[float, int]] = deque()  # (when, accepted) over the last WINDOW_S

    def batch_size(self, most: int) -> int:
        """How many requests to put in the next batch: about a second's worth, at least one."""
        return max(1, min(most, int(self.rate), most if self._answered else PROBE))

    def delay(self) -> float:
        """Seconds until the next batch may go (0: now)."""
        if self.sent and not self._answered:
            return PROBE_POLL_S  # the probe is out
        return max(0.0, max(self._next, self.pause_until) - self._clock())

    def take(self, count: int) -> None:
        """``count`` requests go now: the next may follow once they are paid for at the current rate."""
        now = self._clock()
        self._next = max(self._next, now) + count / self.rate
        if not self.sent and not self._since_episode:
            self._started = now  # what Graph allowed is counted from the first request, not from creation
        self.sent += count

    def shared(self, count: int = 1) -> None:
        """``count`` requests sent elsewhere on what may be the same budget (the registration report's pages and
        the audit events, when per-user calls count as reports) were answered: they spent part of the pace."""
        now = self._clock()
        if not self.sent:
            self._started = min(self._started, now)
        self._next = max(self._next, now) + count / self.rate
        self._since_episode += count
        self._remember(now, count)

    def _remember(self, now: float, accepted: int) -> None:
        self._recent.append((now, accepted))
        while self._recent and self._recent[0][0] <= now - WINDOW_S:
            self._recent.popleft()

    def back(self) -> None:
        """A batch came back, whatever it said (a failed one too): the probe no longer holds the rest."""
        self._answered = True

    def answered(
        self, accepted: int, throttled: int, retry_after: float = 0.0, percentage: float | None = None
    ) -> None:
        """One batch came back: ``accepted`` answers not throttled, ``throttled`` 429s (the longest
        ``Retry-After`` given), and the highest ``x-ms-throttle-limit-percentage`` among them."""
        now = self._clock()
        self.back()
        self._since_episode += accepted
        self._remember(now, accepted)
        if throttled:
            self._throttled(now, throttled, retry_after)
        elif percentage is not None and percentage >= AT_LIMIT:
            self._probing = False
            self._warned = True
            if now - self._trimmed_at >= TRIM_EVERY_S:
                self.rate = max(MIN_RATE, self.rate * (DEBT_TRIM if percentage > AT_LIMIT else TRIM))
                self._trimmed_at = now
            self._grown_at = now
        elif percentage is not None and percentage >= WARNED:
            if self._probing:  # slow start overshot: the last doubling was too much
                self.rate /= 2
                self._probing = False
                self._grown_at = now
            self._warned = True
            self._grow(now, EASE_UP)  # close to the limit, but not at it
        else:
            self._grow(now, accepted=accepted)

    def _throttled(self, now: float, count: int, retry_after: float) -> None:
        self.throttled += count
        self._probing = False
        self.pause_until = max(self.pause_until, now + retry_after)
        self._grown_at = max(now, self.pause_until)
        if now < self._cut_until:
            return  # the rest of an episode already answered for
        self.episodes += 1
        if self._episode is None:
            allowed = self._since_episode / max(now - self._started + retry_after, 1e-3)
            self.rate = max(MIN_RATE, min(self.rate / 2, allowed) if self._since_episode else self.rate / 2)
        else:  # the budget was spent: what it refilled since the last 429, or what one window of it held
            refill = self._since_episode / max(now - self._episode, 1e-3)
            window = sum(count for _, count in self._recent) / WINDOW_S
            self.rate = max(MIN_RATE, max(refill, window) * KEEP)
        self._episode, self._since_episode = now, 0
        self._cut_until = self.pause_until

    def _grow(self, now: float, factor: float | None = None, accepted: int | None = None) -> None:
        elapsed = now - self._grown_at
        if elapsed <= 0:
            return
        # One 429 gave only a rough budget (what else spends it is unseen): find it briskly. Two measured it:
        # creep, by the request as well as by the second, so a budget of a few requests is not overshot each time.
        finding = self.episodes == 1
        factor = factor or (SLOW_START if self._probing else BRISK if self._warned or finding else EASE_UP)
        growth = factor**elapsed
        # A pace grows by what was tried at it, not by idle time; but where Graph sends its warning header, the
        # header's absence says a fifth of the budget is unused, and a pace far below the budget must not creep.
        if accepted is not None and self.episodes and not self._warned:
            growth = min(growth, (BRISK if finding else 1 + CREEP) ** accepted)
        rate = min(MAX_RATE, self.rate * growth)
        if self._next > now:  # the wait still owed was priced at the old rate
            self._next = now + (self._next - now) * self.rate / rate
        self.rate = rate
        self._grown_at = now
