"""The pacer, driven by scripted answers and by the emulator's own throttling on a fake clock.

No test sleeps: the clock is a number the test moves. The closed-loop tests
send batches of Graph requests through :class:`Pacer` into the emulator's
token bucket and report window, answer each batch one latency later, and
check what a user of the collector gets: how many requests were refused
and how close the pace came to the budget.
"""

from __future__ import annotations

import heapq

import pytest

from sspr_audit.collect.pacer import INITIAL_RATE, Pacer
from sspr_audit.emulator.throttling import RequestWindow, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_429_pauses_every_request_for_its_retry_after_and_halves_the_pace():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.take(20)
    clock.now = 30.0
    pacer.answered(10_000, 8, retry_after=3.0)  # 10,000 answered in 30 s, then a 3 s wait: Graph allows plenty
    assert pacer.rate == INITIAL_RATE / 2
    assert pacer.delay() == 3.0
    clock.now = 33.0
    assert pacer.delay() == 0.0


def test_a_first_429_with_a_long_wait_after_few_answers_cuts_to_what_graph_allowed():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.take(20)
    pacer.answered(4, 16, retry_after=10.0)  # the reports budget: 5 in 10 s, one of them spent elsewhere
    assert pacer.rate == pytest.approx(0.4)
    assert pacer.batch_size(20) == 1


def test_the_next_429_cuts_the_pace_to_what_graph_accepted_since_the_last_one():
    clock = Clock()
    pacer = Pacer(initial=400.0, clock=clock)
    pacer.answered(0, 20, retry_after=1.0)  # first episode at t=0: 200 req/s
    for step in range(1, 11):  # 10 s later, 1,000 accepted in all: Graph refills 100 per second
        clock.now = float(step)
        pacer.answered(100, 0, percentage=1.0)
    pacer.answered(0, 5, retry_after=1.0)
    assert pacer.rate == pytest.approx(95.0)  # just under what Graph refills


def test_a_pace_cut_far_below_a_bucket_that_warns_recovers_in_seconds_not_by_the_request():
    """429s amid retries can measure a budget far too small; the warning header's absence says it is not."""
    clock = Clock()
    pacer = Pacer(initial=400.0, clock=clock)
    pacer.answered(10, 0, percentage=0.9)  # Graph sends x-ms-throttle-limit-percentage: an identity bucket
    pacer.answered(0, 20, retry_after=1.0)
    clock.now = 30.0  # half a minute of retries and backoff: one request accepted since
    pacer.answered(1, 0)
    pacer.answered(0, 1, retry_after=1.0)
    low = pacer.rate
    assert low < 1.0
    for step in range(1, 11):  # ten seconds of answers, none of them warned
        clock.now = 31.0 + step
        pacer.answered(max(1, int(pacer.rate)), 0)
    assert pacer.rate > 20 * low  # a pace that crept by 0.2% a request would still be near `low`


def test_the_rest_of_one_throttled_burst_cuts_the_pace_only_once():
    clock = Clock()
    pacer = Pacer(initial=400.0, clock=clock)
    clock.now = 10.0
    pacer.answered(5_000, 15, retry_after=2.0)
    clock.now = 10.1
    pacer.answered(0, 20, retry_after=2.0)  # a batch that was already on its way
    assert pacer.rate == 200.0
    assert pacer.throttled == 35


def test_the_first_warning_ends_slow_start_by_halving_then_the_pace_creeps_and_is_trimmed_at_the_limit():
    clock = Clock()
    pacer = Pacer(initial=100.0, clock=clock)
    pacer.answered(20, 0, percentage=0.8)
    assert pacer.rate == 50.0
    clock.now = 1.0
    pacer.answered(20, 0, percentage=0.9)
    assert pacer.rate == pytest.approx(52.5)  # 5% a second while above 80% of the budget
    clock.now = 2.0
    pacer.answered(20, 0, percentage=1.0)
    assert pacer.rate == pytest.approx(52.5 * 0.98)
    clock.now = 3.0
    pacer.answered(20, 0, percentage=1.3)
    assert pacer.rate == pytest.approx(52.5 * 0.98 * 0.9)  # in debt: more


def test_without_warnings_the_pace_doubles_each_second_until_graph_pushes_back_then_finds_the_budget_briskly():
    clock = Clock()
    pacer = Pacer(initial=50.0, clock=clock)
    clock.now = 1.0
    pacer.answered(100, 0)
    assert pacer.rate == pytest.approx(100.0)
    pacer.answered(0, 20, retry_after=1.0)  # 50 req/s, paused until t=2
    clock.now = 3.0
    pacer.answered(20, 0)
    assert pacer.rate == pytest.approx(50.0 * 1.5)  # one 429 gave only a rough budget


def test_once_two_429s_measured_a_reports_budget_the_pace_uses_it_and_creeps_by_the_request():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.take(5)
    pacer.answered(1, 4, retry_after=10.0)  # the probe: 4 of the 5 requests spent by the report's pages
    assert pacer.rate == pytest.approx(0.1)
    for second in range(10, 14):  # the pause is over: one request a second is accepted, then a 429
        clock.now = float(second)
        pacer.answered(1, 0)
    clock.now = 14.0
    pacer.answered(1, 1, retry_after=6.0)  # 5 accepted in the last 10 s: the budget is 5 per 10 s
    assert pacer.rate == pytest.approx(0.5 * 0.95)
    clock.now = 40.0
    pacer.answered(1, 0)  # 20 s after the pause, one more accepted: grows by the request, not by the second
    assert pacer.rate == pytest.approx(0.5 * 0.95 * 1.002)


def test_a_slow_pace_that_grows_shortens_the_wait_it_had_priced_at_the_old_rate():
    clock = Clock()
    pacer = Pacer(initial=0.1, clock=clock)
    pacer.take(5)
    pacer.answered(5, 0)
    pacer.take(1)  # at 0.1 a second the next may go in 60 s (the probe's 50 s, then 10 s)
    clock.now = 1.0
    pacer.answered(1, 0)  # slow start doubled the pace: the wait left is halved
    assert pacer.delay() == pytest.approx(29.5)


def test_the_first_batch_is_a_small_probe_and_the_next_waits_for_its_answer():
    pacer = Pacer(clock=Clock())
    assert pacer.batch_size(20) == 5
    pacer.take(5)
    assert pacer.delay() > 0  # however fast the pace, nothing more goes before Graph has answered
    pacer.back()
    assert pacer.delay() == pytest.approx(5 / INITIAL_RATE)  # then the pace alone
    assert pacer.batch_size(20) == 20


def test_batches_hold_about_a_second_of_the_pace():
    pacer = Pacer(initial=0.5, clock=Clock())
    pacer.back()
    assert pacer.batch_size(20) == 1
    pacer.rate = 7.9
    assert pacer.batch_size(20) == 7
    pacer.rate = 800.0
    assert pacer.batch_size(20) == 20


def _simulate(admit, requests: int, share=lambda: None, latency: float = 0.1) -> tuple[int, int, float]:
    """Send ``requests`` through a pacer into ``admit`` (None: accepted, else Retry-After), with ``share()``
    as x-ms-throttle-limit-percentage; returns (requests sent, 429s, seconds until the last was accepted)."""
    clock = Clock()
    pacer = Pacer(clock=clock)
    pending, sent, refused, accepted, answers = requests, 0, 0, 0, []
    while accepted < requests:
        if answers and (answers[0][0] <= clock.now or pending == 0 or pacer.delay() > answers[0][0] - clock.now):
            clock.now = max(clock.now, answers[0][0])
            _, _, ok, waits, told = heapq.heappop(answers)
            accepted += ok
            pending += len(waits)
            refused += len(waits)
            pacer.answered(ok, len(waits), max(waits, default=0.0), told)
            continue
        clock.now += pacer.delay()
        size = min(pending, pacer.batch_size(20))
        verdicts = [admit(clock.now) for _ in range(size)]
        waits = [float(v) for v in verdicts if v is not None]
        pacer.take(size)
        pending -= size
        sent += size
        heapq.heappush(answers, (clock.now + latency, sent, size - len(waits), waits, share()))
    return sent, refused, clock.now


def test_against_a_plain_bucket_of_100_requests_a_second_few_are_refused_and_the_budget_is_used():
    clock = Clock()
    bucket = TokenBucket(1_000, 10.0, clock)

    def admit(now: float) -> int | None:
        clock.now = now
        return bucket.take(1)

    def share() -> float | None:  # as the emulator sends it: above 80% of the bucket, one decimal
        used = bucket.used_share()
        return round(min(used, 1.8), 1) if used > 0.8 else None

    sent, refused, seconds = _simulate(admit, 3_000, share)
    assert refused / sent < 0.05
    assert seconds < 1.1 * (3_000 - 1_000) / 100


def test_against_the_reports_window_the_pace_settles_at_5_requests_per_10_seconds():
    clock = Clock()
    window = RequestWindow(5, 10.0, clock)

    def admit(now: float) -> int | None:
        clock.now = now
        return window.take()

    sent, refused, seconds = _simulate(admit, 60)
    assert seconds < 1.5 * 60 / 0.5
    assert refused / sent < 0.5


def test_requests_sent_elsewhere_on_the_same_budget_spend_the_pace_and_count_in_what_graph_allowed():
    clock = Clock()
    pacer = Pacer(clock=clock)
    pacer.shared()  # a registration report page, answered before any per-user call
    clock.now = 0.5
    pacer.take(5)
    pacer.answered(3, 2, retry_after=10.0)  # 4 accepted of the budget in all (1 + 3), then a 10 s wait
    assert pacer.rate == pytest.approx(4 / 10.5)
    clock.now = 10.5
    pacer.shared()  # the next page goes first: the per-user call waits its turn
    assert pacer.delay() == pytest.approx(10.5 / 4)
