"""What a collection is told: sign-in, cloud, scope groups, pace.

``CollectOptions.from_params`` turns the command line's parsed values into the
frozen object :func:`sspr_audit.collect.collector.collect` takes; the click
options themselves live in :mod:`sspr_audit.cli.options`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sspr_audit.collect import retry
from sspr_audit.collect.retry import DEFAULT_MAX_RETRY_AFTER

DEFAULT_CONCURRENCY = 32  # concurrent $batch requests: 32 x 20 users reaches Graph's per-tenant floor
MAX_CONCURRENCY = 256
DEFAULT_REQUEST_DEADLINE = 300.0
DEFAULT_MAX_PAGES = 10_000  # 10 million users at 999 per page
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024  # a page of 999 users is about 2 MB


@dataclass(frozen=True)
class CollectOptions:
    """Sign-in, endpoint, scope and pace of one collection (secrets never shown in repr)."""

    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate: Path | None = None
    device_code: bool = False
    interactive: bool = False
    access_token: str | None = field(default=None, repr=False)
    cloud: str = "global"
    graph_url: str | None = None
    graph_label: str | None = None  # names the Graph in a checkpoint when its address changes (the demo's port)
    scope_groups: tuple[str, ...] = ()  # names or object ids of SSPR scope groups
    concurrency: int = DEFAULT_CONCURRENCY  # upper bound; lowered on throttling
    quiet: bool = False
    max_attempts: int = retry.DEFAULT_MAX_ATTEMPTS  # per request before a user is marked failed
    backoff_base: float = field(default_factory=lambda: retry.DEFAULT_BASE_DELAY)  # seconds; doubles, with jitter
    request_timeout: float = 100.0  # seconds of silence before an HTTP request is abandoned
    request_deadline: float = DEFAULT_REQUEST_DEADLINE  # seconds for a whole answer, however it trickles in
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER  # longest wait a Retry-After may impose
    max_pages: int = DEFAULT_MAX_PAGES  # pages of one collection before paging stops with an error
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # largest answer (inflated) accepted from Graph
    events_days: int | None = None  # days of SSPR audit events; None: as many as the tenant's licence keeps
    methods_detail: str = "needed"  # whose methods are read one by one: all, needed, admins, none
    max_minutes: float | None = None  # per-user calls stop after this long; --resume reads the rest

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values to mask wherever text leaves the process."""
        return tuple(s for s in (self.client_secret, self.access_token) if s)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> CollectOptions:
        """Build from click's parsed parameters (unrelated keys are ignored)."""
        values: dict[str, Any] = {}
        for name in ("tenant_id", "client_id", "client_secret", "access_token", "cloud", "graph_url"):
            if params.get(name):
                values[name] = params[name]
        for name in ("device_code", "interactive", "quiet"):
            values[name] = bool(params.get(name, False))
        if params.get("certificate"):
            values["certificate"] = Path(params["certificate"])
        groups = params.get("scope_group") or params.get("scope_groups") or ()
        values["scope_groups"] = tuple(dict.fromkeys(g.strip() for g in groups if g and g.strip()))
        if params.get("concurrency"):
            values["concurrency"] = int(params["concurrency"])
        if params.get("max_pages"):
            values["max_pages"] = int(params["max_pages"])
        if params.get("events_days"):
            values["events_days"] = int(params["events_days"])
        if params.get("methods_detail"):
            values["methods_detail"] = str(params["methods_detail"])
        if params.get("max_minutes"):
            values["max_minutes"] = float(params["max_minutes"])
        return cls(**values)
