"""Per-user GETs through JSON ``$batch``: at most 20 per batch, retried one by one.

Graph throttles and fails each request inside a batch on its own, and the
SDK's retry handler never looks inside a batch. So the runner keeps a queue
of outstanding requests; throttled or failed ones go back into the queue (not
before their ``Retry-After`` or backoff) and ride in a later batch, while the
ones that succeeded are handed over at once and never asked for again.
Requests may be added while the runner works (as listing pages reveal who
needs a call); it finishes once told no more will come and all are answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sspr_audit.collect.errors import CollectError, GraphUnavailable
from sspr_audit.collect.graph import GraphResponse, GraphSession, error_of, token_rejected
from sspr_audit.collect.mapping import retries_exhausted
from sspr_audit.collect.pacer import Pacer
from sspr_audit.collect.retry import RETRYABLE_STATUS

MAX_BATCH = 20  # Graph's limit of requests in one $batch


@dataclass(frozen=True)
class Outcome:
    """The final answer for one request: ``body`` on success, else status and reason."""

    key: str
    ok: bool
    body: Any = None
    status: int | None = None
    code: str | None = None
    detail: str | None = None  # why it failed, e.g. "HTTP 503 on 6 attempts"


@dataclass(order=True, slots=True)  # a million users can wait in the queue
class _Item:
    not_before: float
    seq: int
    key: str = field(compare=False)
    url: str = field(compare=False)
    failures: int = field(default=0, compare=False)  # its own failed answers inside batches
    batch_failures: int = field(default=0, compare=False)  # batches it rode that failed as a whole
    throttled: int = field(default=0, compare=False)
    priority: int = field(default=1, compare=False)  # lower goes first


OnBatch = Callable[[list[Outcome]], Awaitable[None] | None]


class BatchRunner:
    """Runs many relative GETs (``/users/{id}/...``) through ``$batch``: one batch in flight per worker, paced."""

    def __init__(
        self,
        session: GraphSession,
        on_batch: OnBatch,
        clock: Callable[[], float] = time.monotonic,
        accepts: Callable[[Any], bool] = lambda body: isinstance(body, dict),
        pacer: Pacer | None = None,
    ) -> None:
        self._session = session
        self.pacer = pacer or Pacer(clock=clock)
        self._accepts = accepts
        self._policy = session.policy
        self._on_batch = on_batch
        self._clock = clock
        self._ready: list[tuple[int, int, _Item]] = []  # heap by priority, then order of arrival
        self._waiting: list[_Item] = []  # heap by not_before
        self._outstanding = 0
        self._closed = False
        self._stopped = False
        self._stop = asyncio.Event()  # set by stop(): a worker waiting for the pace stops waiting
        self._changed = asyncio.Event()
        self._seq = itertools.count()
        self._shown_waiting: tuple[int, float | None] = (0, None)

    def add(self, key: str, url: str, priority: int = 1) -> None:
        """Queue one more request; it goes out in the next batch a worker takes, lower ``priority`` first."""
        self._ready_push(_Item(0.0, next(self._seq), key, url, priority=priority))
        self._outstanding += 1
        self._changed.set()

    def close(self) -> None:
        """No more requests will be added: :meth:`run` returns once the queued ones are answered."""
        self._closed = True
        self._changed.set()

    def stop(self) -> None:
        """Send nothing more: :meth:`run` returns once the batches on their way are answered."""
        self._stopped = True
        self._stop.set()
        self._changed.set()

    async def run(self, workers: int) -> None:
        """Send every request added, until closed and done; each outcome reaches ``on_batch`` exactly once."""
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, workers)):
                group.create_task(self._worker())

    async def _worker(self) -> None:
        while True:
            while (wait := self.pacer.delay()) > 0 and not self._stopped:  # what Graph refused may come first
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), wait)
            if (items := await self._take()) is None:
                return
            if self.pacer.delay() > 0:  # Graph pushed back while this worker waited for work
                for item in items:
                    self._ready_push(item)
                continue
            self.pacer.take(len(items))
            try:
                done = await self._send(items)
            finally:
                self.pacer.back()
            if self.pacer.throttled:
                self._session.progress.paced(self.pacer.rate)
            self._outstanding -= len(done)
            self._changed.set()
            if done:
                result = self._on_batch(done)
                if result is not None:
                    await result

    async def _take(self) -> list[_Item] | None:
        """Up to 20 requests whose time has come; None when closed and nothing is left to do."""
        while True:
            if self._stopped or (self._closed and self._outstanding <= 0):
                return None
            now = self._clock()
            while self._waiting and self._waiting[0].not_before <= now:
                self._ready_push(heapq.heappop(self._waiting))
            self._show_waiting(now)
            if self._ready:
                return self._batch()
            timeout = self._waiting[0].not_before - now if self._waiting else None
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    def _batch(self) -> list[_Item]:
        """The next batch: as many as the pace allows, of one priority (the first to go are not mixed)."""
        first = heapq.heappop(self._ready)[2]
        items = [first]
        size = self.pacer.batch_size(MAX_BATCH)
        while self._ready and len(items) < size and self._ready[0][0] == first.priority:
            items.append(heapq.heappop(self._ready)[2])
        return items

    def _ready_push(self, item: _Item) -> None:
        heapq.heappush(self._ready, (item.priority, item.seq, item))

    def _show_waiting(self, now: float) -> None:
        """Tell the progress display how many users wait to be asked again, when that changes."""
        first = self._waiting[0].not_before if self._waiting else None
        if (len(self._waiting), first) != self._shown_waiting:
            self._shown_waiting = (len(self._waiting), first)
            self._session.progress.waiting(len(self._waiting), max(0.0, first - now) if first is not None else 0.0)

    def _later(self, item: _Item, wait: float) -> None:
        item.not_before = self._clock() + wait
        item.seq = next(self._seq)
        heapq.heappush(self._waiting, item)
        self._session.stats.retries += 1
        self._changed.set()

    async def _send(self, items: list[_Item]) -> list[Outcome]:
        """One ``$batch``; returns the finished outcomes (the others are queued again)."""
        import httpx

        session = self._session
        body = {"requests": [{"id": str(n), "method": "GET", "url": item.url} for n, item in enumerate(items, 1)]}
        session.stats.batches += 1
        session.stats.graph_requests += len(items)
        try:
            response = await session.send("POST", session.url("/$batch"), body)
        except httpx.TransportError as exc:
            self._whole_failed(items, f"no answer from Graph ({str(exc).strip() or type(exc).__name__})")
            return []
        if response.status < 300:
            answers = response.body.get("responses") if isinstance(response.body, dict) else None
            if isinstance(answers, list):
                return self._inner(items, answers)
            self._whole_failed(items, "a malformed $batch answer")  # cut, garbled, a list, nested too deep
            return []
        code, message = error_of(response.body)
        if response.status == 401:
            raise token_rejected(code, message)
        if response.status == 429:
            self._throttled(items, response.headers)
            return []
        if response.status in RETRYABLE_STATUS:
            self._whole_failed(items, f"HTTP {response.status} {code or ''}".strip())
            return []
        raise CollectError(f"Graph refused a $batch request: HTTP {response.status} {code or ''} {message}".strip())

    def _whole_failed(self, items: list[_Item], what: str) -> None:
        for item in items:
            item.batch_failures += 1
            if item.batch_failures >= self._policy.max_attempts:
                raise GraphUnavailable(
                    f"Graph kept failing: {what} on {item.batch_failures} attempts of a $batch request"
                )
        wait = self._policy.backoff(max(item.batch_failures for item in items))  # one wait: they stay one batch
        for item in items:
            self._retry(item, wait, throttled=False)

    def _throttled(self, items: list[_Item], headers: Any) -> None:
        self._session.stats.throttled += 1
        wait = 0.0
        for item in items:
            item.throttled += 1
            if item.throttled > self._policy.max_throttled:
                raise GraphUnavailable(f"Graph throttled the same requests {item.throttled} times; try later")
            wait = self._policy.throttle_wait(headers, item.throttled)
            self._retry(item, wait, throttled=True)
        self.pacer.answered(0, len(items), wait)

    def _retry(self, item: _Item, wait: float, throttled: bool) -> None:
        self._session.progress.retried(throttled)
        self._later(item, wait)

    def _inner(self, items: list[_Item], responses: list[Any]) -> list[Outcome]:
        by_id = _answers_by_id(responses)
        done: list[Outcome] = []
        throttled_wait = 0.0
        refused = 0
        failed: list[_Item] = []
        for n, item in enumerate(items, 1):
            answer = by_id.get(str(n)) or _MISSING  # missing or given twice: retried like a 502
            refused += answer.status == 429
            if answer.status < 300 and not self._accepts(answer.body):
                answer = _MALFORMED  # e.g. "body": null, or a "value" that is no list: never "no methods"
            if answer.status < 300:
                done.append(Outcome(item.key, True, answer.body, answer.status))
                continue
            code, message = error_of(answer.body)
            if answer.status == 401:
                raise token_rejected(code, message)
            if answer.status == 429:
                self._session.stats.throttled += 1
                item.throttled += 1
                if item.throttled > self._policy.max_throttled:
                    done.append(Outcome(item.key, False, None, 429, code, f"throttled {item.throttled} times"))
                    continue
                wait = self._policy.throttle_wait(answer.headers, item.throttled)
                throttled_wait = max(throttled_wait, wait)
                self._retry(item, wait, throttled=True)
                continue
            if answer.status in RETRYABLE_STATUS:
                item.failures += 1
                if item.failures < self._policy.max_attempts:
                    failed.append(item)
                    continue
                detail = retries_exhausted(answer.status, item.failures)
                if answer is _MALFORMED:
                    detail = f"a malformed answer on {item.failures} attempts"
                done.append(Outcome(item.key, False, None, answer.status, code, detail))
                continue
            done.append(
                Outcome(item.key, False, None, answer.status, code, f"HTTP {answer.status} {code or ''}".strip())
            )
        if failed:
            wait = self._policy.backoff(max(item.failures for item in failed))
            for item in failed:
                self._retry(item, wait, throttled=False)
        self.pacer.answered(len(items) - refused, refused, throttled_wait, _limit_percentage(by_id.values()))
        return done


_MISSING = GraphResponse(502, {}, {})
_MALFORMED = GraphResponse(502, {}, {})


def _limit_percentage(answers: Any) -> float | None:
    """The highest ``x-ms-throttle-limit-percentage`` among inner answers (Graph's share of the budget used)."""
    shares = []
    for answer in answers:
        with contextlib.suppress(ValueError):
            shares.append(float(answer.headers.get("x-ms-throttle-limit-percentage", "")))
    return max(shares, default=None)


def _answers_by_id(responses: list[Any]) -> dict[str, GraphResponse]:
    """Inner answers by request id; an id answered twice is left out (which one to believe?)."""
    seen: dict[str, GraphResponse | None] = {}
    for raw in responses:
        if not isinstance(raw, dict) or not isinstance(raw.get("status"), int):
            continue
        key = str(raw.get("id"))
        given = raw.get("headers")
        headers: dict[Any, Any] = given if isinstance(given, dict) else {}
        answer = GraphResponse(raw["status"], {str(k).lower(): str(v) for k, v in headers.items()}, raw.get("body"))
        seen[key] = None if key in seen else answer
    return {key: answer for key, answer in seen.items() if answer is not None}
