"""How the loopback Graph emulator behaves, and what it counted.

Kept apart from :mod:`sspr_audit.emulator.server` so building a configuration
does not import aiohttp.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field

from sspr_audit.emulator.throttling import ThrottleLimits
from sspr_audit.errors import InputError

THROTTLE_MODES = ("documented", "reports", "off")
MAX_PAGE_SIZE = 999


class EmulatorConfigError(InputError):
    """An emulator option out of range (latency, fault rate, page size, throttle mode)."""


@dataclass(frozen=True)
class EmulatorConfig:
    """Options of one emulator run; the defaults behave like a licensed production tenant."""

    token: str = "sspr-audit-demo-token"  # the one bearer token accepted
    latency_ms: float = 0.0  # mean added latency per HTTP response (lognormal jitter, seeded)
    # "documented": Microsoft's published limits; "reports": the same, with the per-user authentication
    # methods calls charged to the reports budget (5 requests per 10 s), as Graph's throttling page lists
    # them; "off": no throttling.
    throttle: str = "documented"
    fault_rate: float = 0.0  # share of requests answered by an injected fault
    seed: int = 0  # faults, jitter and batch response order reproduce for a seed
    unlicensed: bool = False  # no Entra ID P1/P2: the registration report, PIM and signInActivity answer 403
    mailboxes_denied: bool = False  # no MailboxSettings.Read: every /users/{id}/mailboxSettings answers 403
    page_size_cap: int = MAX_PAGE_SIZE  # largest page any collection returns
    limits: ThrottleLimits | None = None  # None: the documented figures for the tenant's size
    # A 429 storm: from the HTTP request after the first ``storm_after`` ones, every request (whole, and each
    # one inside a $batch) is answered 429 with Retry-After for ``storm_seconds`` (0: no storm).
    storm_after: int = 0
    storm_seconds: float = 0.0
    # One malformed page: page ``malformed_page`` of the collection at ``malformed_collection`` (a path such as
    # "/users", relative to /v1.0) is answered once with status 200 and a truncated JSON body (None: never).
    malformed_collection: str | None = None
    malformed_page: int = 2
    # Groups (ids or display names) whose members answer 403, as a hidden-membership group does without
    # Member.Read.Hidden: the group itself is readable, its transitiveMembers are not.
    unreadable_groups: tuple[str, ...] = ()
    # Serve the tenant as one that never synchronised from on-premises (see emulator.variants.never_synced).
    never_synced: bool = False
    # The SSPR audit events answer 403, as for an app without AuditLog.Read.All.
    audit_log_denied: bool = False

    def __post_init__(self) -> None:
        if self.throttle not in THROTTLE_MODES:
            raise EmulatorConfigError(f"throttle must be one of {', '.join(THROTTLE_MODES)}, not {self.throttle!r}")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise EmulatorConfigError(f"fault rate must be between 0 and 1, not {self.fault_rate}")
        if self.latency_ms < 0:
            raise EmulatorConfigError(f"latency must not be negative, not {self.latency_ms} ms")
        if not 1 <= self.page_size_cap <= MAX_PAGE_SIZE:
            raise EmulatorConfigError(f"page size cap must be between 1 and {MAX_PAGE_SIZE}, not {self.page_size_cap}")
        if self.storm_after < 0 or self.storm_seconds < 0:
            raise EmulatorConfigError(
                f"the 429 storm needs non-negative figures, not after {self.storm_after}"
                f" requests for {self.storm_seconds} s"
            )
        if self.malformed_page < 1:
            raise EmulatorConfigError(f"the malformed page is counted from 1, not {self.malformed_page}")
        if not self.token:
            raise EmulatorConfigError("the emulator needs a non-empty bearer token")


DEFAULT_CONFIG = EmulatorConfig()


@dataclass
class EmulatorStats:
    """Counters read by tests and benchmarks once a run is over.

    Only the emulator's event loop writes them; read them after the client is done.
    """

    http_requests: int = 0
    graph_requests: int = 0  # HTTP requests plus the requests inside batches
    batches: int = 0
    max_batch_size: int = 0
    throttled: int = 0  # 429 answers, inner ones included
    faults: int = 0  # injected faults (errors, resets, slow answers)
    resets: int = 0  # connections aborted mid-body, among the faults
    stormed: int = 0  # 429 answers of the storm, among the throttled
    malformed: int = 0  # pages answered with a truncated body
    by_route: collections.Counter = field(default_factory=collections.Counter)
    user_method_calls: collections.Counter = field(default_factory=collections.Counter)  # user id -> served calls
