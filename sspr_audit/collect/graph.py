"""The one way requests reach Graph: the SDK's request adapter, our retries.

The msgraph request adapter signs each request (the bearer token goes only
to the Graph host) and runs the Graph middleware, minus its retry handler:
retries happen here, so that they are counted, bounded and shared with the
``$batch`` runner. Bodies come back as plain JSON and are mapped into
:mod:`sspr_audit.snapshot.models` by :mod:`sspr_audit.collect.mapping`; nothing from the
SDK leaves this package.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sspr_audit.collect.endpoint import GraphEndpoint
from sspr_audit.collect.errors import AuthenticationError
from sspr_audit.collect.options import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PAGES, DEFAULT_REQUEST_DEADLINE
from sspr_audit.collect.progress import Progress
from sspr_audit.collect.retry import RETRYABLE_STATUS, RetryPolicy
from sspr_audit.collect.stats import CollectStats
from sspr_audit.text import clean_json


@dataclass(frozen=True)
class SessionLimits:
    """Bounds that keep a hostile or broken answer from hanging a scheduled run."""

    deadline: float = DEFAULT_REQUEST_DEADLINE  # seconds for one whole answer
    max_pages: int = DEFAULT_MAX_PAGES  # pages followed in one collection
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # largest answer body, inflated


@dataclass(frozen=True)
class GraphResponse:
    """One HTTP answer: status, headers (lower-case names) and the parsed JSON body."""

    status: int
    headers: Mapping[str, str]
    body: Any
    malformed: bool = False  # a body came but was not JSON (cut short or garbled): ``body`` is None


class GraphError(Exception):
    """A request Graph refused, or that still failed after every retry."""

    def __init__(self, status: int | None, code: str | None, message: str, attempts: int = 1) -> None:
        super().__init__(f"HTTP {status} {code}: {message}" if status else message)
        self.status = status
        self.code = code
        self.message = message
        self.attempts = attempts
        self.permission: str | None = None  # set when the refusal is about another permission than the source's


def error_of(body: Any) -> tuple[str | None, str]:
    """Graph's ``error.code`` and ``error.message`` from an error body."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, ""
    return error.get("code"), str(error.get("message") or "")


def token_rejected(code: str | None, message: str) -> AuthenticationError:
    """The one-line error for a 401."""
    detail = f" ({code})" if code else ""
    return AuthenticationError(
        f"Graph rejected the access token{detail}: it is invalid, expired or for another resource;"
        " sign in again or pass a fresh --access-token"
    )


class GraphSession:
    """Sends requests to one Graph endpoint; counts them; retries whole requests."""

    def __init__(
        self,
        adapter: Any,
        endpoint: GraphEndpoint,
        policy: RetryPolicy,
        stats: CollectStats,
        progress: Progress,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limits: SessionLimits | None = None,
    ) -> None:
        self._adapter = adapter
        self.limits = limits or SessionLimits()
        self.endpoint = endpoint
        self.policy = policy
        self.stats = stats
        self.progress = progress
        self.sleep = sleep

    def url(self, path: str) -> str:
        """The absolute URL of a v1.0 path such as ``/users``."""
        return f"{self.endpoint.api}{path}"

    async def send(self, method: str, url: str, body: Any = None) -> GraphResponse:
        """One HTTP exchange, no retry, at most ``limits.deadline`` long; transport errors (httpx) propagate."""
        import httpx
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation

        info = RequestInformation(Method(method))
        info.url = url
        info.headers.try_add("Accept", "application/json")
        if body is not None:
            info.set_stream_content(json.dumps(body).encode("utf-8"), "application/json")
        self.stats.http_requests += 1
        span = self._adapter.start_tracing_span(info, method)
        try:
            async with asyncio.timeout(self.limits.deadline):
                response = await self._adapter.get_http_response_message(info, span)
        except TimeoutError:  # bytes trickling in never trip the per-read timeout; the deadline does
            raise httpx.ReadTimeout(f"no complete answer within {self.limits.deadline:g} s") from None
        finally:
            span.end()
        body, malformed = _json(response.content)
        return GraphResponse(response.status_code, {k.lower(): v for k, v in response.headers.items()}, body, malformed)

    async def get(
        self,
        url: str,
        pace: Callable[[], Awaitable[None]] | None = None,
        check: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """GET ``url`` with retries; the JSON body, or :class:`GraphError`. ``pace`` is awaited before each try.

        ``check`` names what is wrong with a successful body (None when nothing): such an answer is
        asked for again like a garbled one, and its text ends the request when retries run out.
        """
        import httpx

        failures = throttled = 0
        while True:
            if pace is not None:
                await pace()
            self.stats.graph_requests += 1
            try:
                response = await self.send("GET", url)
            except httpx.TransportError as exc:
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise GraphError(None, None, f"no answer from Graph ({_transport_text(exc)})", failures) from None
                await self._retry(self.policy.backoff(failures), throttled=False)
                continue
            wrong = _wrong_body(response, check)
            if wrong is not None:  # a cut, garbled or untrustworthy page: ask again, like a reset
                failures += 1
                if failures >= self.policy.max_attempts:
                    raise GraphError(None, None, f"{wrong} on {failures} attempts", failures)
                await self._retry(self.policy.backoff(failures), throttled=False)
                continue
            if response.status < 300:
                return response.body
            code, message = error_of(response.body)
            if response.status == 401:
                raise token_rejected(code, message)
            if response.status == 429:
                throttled += 1
                self.stats.throttled += 1
                if throttled > self.policy.max_throttled:
                    raise GraphError(429, code, "throttled by Graph on every retry", failures + throttled)
                await self._retry(self.policy.throttle_wait(response.headers, throttled), throttled=True)
                continue
            if response.status in RETRYABLE_STATUS:
                failures += 1
                if failures < self.policy.max_attempts:
                    await self._retry(self.policy.backoff(failures), throttled=False)
                    continue
            raise GraphError(response.status, code, message or f"HTTP {response.status}", failures or 1)

    async def _retry(self, wait: float, throttled: bool) -> None:
        self.stats.retries += 1
        self.progress.retried(throttled)
        await self.sleep(wait)


def _wrong_body(response: GraphResponse, check: Callable[[Any], str | None] | None) -> str | None:
    """What is wrong with a successful answer's body, or None (also for unsuccessful answers)."""
    if response.status >= 300:
        return None
    if response.malformed:
        return "Graph's answer was not valid JSON"
    return check(response.body) if check is not None else None


def _json(content: bytes) -> tuple[Any, bool]:
    """The parsed body (None when empty or not JSON) and whether it was not JSON."""
    if not content:
        return None, False
    try:
        return clean_json(content, json.loads(content)), False
    except (ValueError, RecursionError):  # not JSON, or nested deeper than any Graph answer
        return None, True


def _transport_text(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__


@contextlib.asynccontextmanager
async def open_session(
    endpoint: GraphEndpoint,
    credential: Any,
    *,
    concurrency: int,
    timeout: float,
    policy: RetryPolicy,
    stats: CollectStats,
    progress: Progress,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    limits: SessionLimits | None = None,
) -> AsyncIterator[GraphSession]:
    """A session on ``endpoint`` signed by ``credential``; closes the HTTP client after."""
    import httpx
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.middleware import ParametersNameDecodingHandler, UserAgentHandler
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler

    client = httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 30.0)),
        limits=httpx.Limits(max_connections=concurrency + 8, max_keepalive_connections=concurrency + 8),
        http2=endpoint.root.startswith("https:"),
    )
    from sspr_audit.collect.body import BoundedBodyHandler

    limits = limits or SessionLimits()
    middleware = [
        ParametersNameDecodingHandler(),
        UserAgentHandler(),
        GraphTelemetryHandler(),
        BoundedBodyHandler(limits.max_body_bytes),
    ]
    client = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
    provider = AzureIdentityAuthenticationProvider(credential, scopes=[endpoint.scope], allowed_hosts=[endpoint.host])
    adapter = GraphRequestAdapter(provider, client)
    adapter.base_url = endpoint.api
    try:
        yield GraphSession(adapter, endpoint, policy, stats, progress, sleep, limits)
    finally:
        await client.aclose()
