"""What happens to every Graph request, whole or inside a batch.

Route, query check, a 429 storm, throttling (cost per request), an injected
fault, the handler, a malformed page, then the headers Graph puts on answers.
Inner batch requests take the same path, so each is costed, throttled and
faulted on its own.
"""

from __future__ import annotations

import asyncio
import hashlib

from sspr_audit.emulator.config import EmulatorConfig, EmulatorStats
from sspr_audit.emulator.directory import Directory
from sspr_audit.emulator.faults import Fault, FaultInjector, MalformedPage, Storm
from sspr_audit.emulator.odata import PageTokens, encode_query, parse_query
from sspr_audit.emulator.replies import GraphError, Reply, error_reply
from sspr_audit.emulator.routes import GraphRequest, GraphRoutes
from sspr_audit.emulator.throttling import ThrottleLimits, Throttler, request_cost
from sspr_audit.emulator.variants import never_synced
from sspr_audit.snapshot.models import Snapshot


class GraphService:
    """Answers :class:`GraphRequest` objects for one snapshot."""

    def __init__(self, snapshot: Snapshot, config: EmulatorConfig, stats: EmulatorStats) -> None:
        self.config = config
        self.stats = stats
        directory = Directory(never_synced(snapshot) if config.never_synced else snapshot)
        limits = config.limits or ThrottleLimits.documented(len(snapshot.users))
        self.throttler = Throttler(limits, enabled=config.throttle != "off")
        self.methods_are_reports = config.throttle == "reports"
        self.faults = FaultInjector(config.seed, config.fault_rate)
        self.storm = Storm(config.storm_after, config.storm_seconds)
        self.malformed = MalformedPage(config.malformed_collection, config.malformed_page)
        secret = hashlib.sha256(f"sspr-audit emulator page tokens {config.seed}".encode()).digest()
        self.routes = GraphRoutes(directory, config, stats, PageTokens(secret))

    async def inject(self, key: str, inner: bool) -> bool:
        """Apply the fault drawn for ``key``: raise its error, sleep, or answer True to reset the connection."""
        drawn = self.faults.draw(key, inner)
        if drawn is None:
            return False
        fault, delay = drawn
        self.stats.faults += 1
        self.stats.resets += fault is Fault.RESET
        if fault is Fault.ERROR_500:
            raise GraphError(500, "UnknownError", "An internal server error occurred while processing the request.")
        if fault is Fault.ERROR_503:
            raise GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Try again later.")
        if fault is Fault.SLOW:
            await asyncio.sleep(delay)
        return fault is Fault.RESET

    def storm_refusal(self) -> GraphError | None:
        """The storm's 429 for a request arriving now, or None outside the storm."""
        seconds = self.storm.retry_after()
        if seconds is None:
            return None
        self.stats.stormed += 1
        return self.too_many(seconds)

    def too_many(self, seconds: int) -> GraphError:
        """Graph's 429, counted."""
        self.stats.throttled += 1
        return GraphError(
            429, "TooManyRequests", f"Too many requests. Retry after {seconds} seconds.", {"Retry-After": str(seconds)}
        )

    def _reported_method(self, route_name: str) -> bool:
        """Whether a per-user authentication methods call shares the reports budget (the "reports" profile)."""
        return self.methods_are_reports and "/authentication/" in route_name

    async def handle(self, req: GraphRequest) -> Reply:
        """The answer to one request; errors become Graph's error body."""
        try:
            return await self._handle(req)
        except GraphError as error:
            return error_reply(error, req.client_request_id, req.request_id)

    async def _handle(self, req: GraphRequest) -> Reply:
        try:
            route, args = self.routes.match(req.method, req.path)
        except GraphError:
            self.stats.by_route["unmatched"] += 1
            raise
        self.stats.by_route[route.name] += 1
        query = parse_query(req.pairs, route.spec, req.eventual)
        if (stormed := self.storm_refusal()) is not None:
            raise stormed
        cost = request_cost(route.base_ru, query.select is not None, query.expand is not None)
        admission = self.throttler.admit(
            cost, report=route.report or self._reported_method(route.name), mailbox=args[0] if route.mailbox else None
        )
        if admission.retry_after is not None:
            raise self.too_many(admission.retry_after)
        abort = await self.inject(f"{req.method} {req.path}?{encode_query(sorted(req.pairs))}", req.inner)
        reply = route.handler(req, query, args)
        if not abort and not req.inner and self.malformed.take(req.path, reply.page):
            self.stats.malformed += 1
            reply.body = reply.body[: len(reply.body) // 2]
        reply.headers["x-ms-resource-unit"] = str(admission.resource_units)
        if admission.limit_percentage is not None:
            reply.headers["x-ms-throttle-limit-percentage"] = admission.limit_percentage
        reply.abort = abort
        return reply
