"""Counters of one collection: what it cost and how Graph treated it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CollectStats:
    """Requests sent, throttling met, retries made and users that could not be read."""

    http_requests: int = 0  # HTTP exchanges, a $batch counting once
    graph_requests: int = 0  # Graph operations, each request inside a $batch counting once
    batches: int = 0
    throttled: int = 0  # 429 answers, whole or inside a batch
    retries: int = 0  # requests sent again (whole requests and batch items)
    users_listed: int = 0
    users_to_fetch: int = 0  # users whose methods were needed
    users_fetched: int = 0  # read in this run
    users_resumed: int = 0  # taken from the checkpoint
    users_failed: int = 0
    users_unread: int = 0  # wanted, but not asked: --methods-detail, or --max-minutes ran out
    sources_unread: tuple[str, ...] = ()  # sources --max-minutes stopped before they were read
    elapsed_seconds: float = 0.0
    # When each phase ended, in seconds from the start (each source, "methods", "snapshot"): where the time went.
    phases: dict[str, float] = field(default_factory=dict)
