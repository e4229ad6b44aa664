"""What a collection is told: sign-in, cloud, scope groups, pace.

``collect_options`` adds the same options to any click command (``collect``,
``run``); ``CollectOptions.from_params`` turns the parsed values into the
frozen object :func:`sspr_audit.collect.collector.collect` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from sspr_audit.collect.auth import CLOUDS

DEFAULT_CONCURRENCY = 32  # concurrent $batch requests: 32 x 20 users reaches Graph's per-tenant floor
MAX_CONCURRENCY = 256

F = TypeVar("F", bound=Callable[..., Any])


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
    scope_groups: tuple[str, ...] = ()  # names or object ids of SSPR scope groups
    concurrency: int = DEFAULT_CONCURRENCY  # upper bound; lowered on throttling
    quiet: bool = False
    max_attempts: int = 6  # per request before a user is marked failed
    backoff_base: float = 0.5  # seconds; doubles per attempt, with jitter
    request_timeout: float = 100.0  # seconds per HTTP request

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
        return cls(**values)


def collect_options(func: F) -> F:
    """Add the collector's click options to a command."""
    decorators = [
        click.option("--tenant-id", metavar="ID", help="Directory (tenant) id to sign in to."),
        click.option("--client-id", metavar="ID", help="Application (client) id of the app registration."),
        click.option("--client-secret", metavar="SECRET", envvar="AZURE_CLIENT_SECRET", show_envvar=True,
                     help="Client secret of the app registration (prefer the environment variable)."),
        click.option("--certificate", metavar="PATH", type=click.Path(dir_okay=False, path_type=Path),
                     help="PEM/PKCS12 certificate of the app registration."),
        click.option("--device-code", is_flag=True, help="Sign in as a person with a device code."),
        click.option("--interactive", is_flag=True, help="Sign in as a person in a browser."),
        click.option("--access-token", metavar="TOKEN", envvar="SSPR_AUDIT_ACCESS_TOKEN", show_envvar=True,
                     help="A Graph access token acquired elsewhere."),
        click.option("--cloud", type=click.Choice(list(CLOUDS)), default="global", show_default=True,
                     help="National cloud."),
        click.option("--graph-url", metavar="URL", help="Graph service root (overrides --cloud), e.g. an emulator."),
        click.option("--scope-group", multiple=True, metavar="NAME|ID",
                     help="SSPR scope group to read members of (repeatable)."),
        click.option("--concurrency", type=click.IntRange(1, MAX_CONCURRENCY), default=DEFAULT_CONCURRENCY,
                     show_default=True, help="Concurrent Graph batch requests (lowered when throttled)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress display, no summary."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func
