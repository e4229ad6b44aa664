"""The loopback Microsoft Graph emulator: an aiohttp server over one Snapshot.

It speaks Graph v1.0 at ``<url>/v1.0`` (see ``notes/wire.md`` for the calls)
with Microsoft's throttling, seeded faults and latency, so the collector can
be tested and demonstrated without a tenant. Three ways to run it: awaited
(:func:`start_emulator`), in a background thread (:func:`emulator_in_thread`)
or in the foreground until Ctrl-C (:func:`serve_forever`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from aiohttp import web

from sspr_audit.emulator.batch import run_batch
from sspr_audit.emulator.config import DEFAULT_CONFIG, EmulatorConfig, EmulatorConfigError, EmulatorStats
from sspr_audit.emulator.faults import Jitter
from sspr_audit.emulator.replies import (
    JSON_CONTENT_TYPE,
    GraphError,
    Reply,
    error_reply,
    method_not_allowed,
    new_request_id,
)
from sspr_audit.emulator.routes import GraphRequest, is_eventual
from sspr_audit.emulator.service import GraphService
from sspr_audit.snapshot.models import Snapshot

__all__ = [
    "EmulatorConfig",
    "EmulatorStats",
    "RunningEmulator",
    "emulator_in_thread",
    "serve_forever",
    "start_emulator",
]

MAX_BODY_BYTES = 4 * 1024 * 1024
STOP_TIMEOUT_S = 10.0


class _Frontend:
    """HTTP in and out: the bearer token, the ``/v1.0`` prefix, batches, latency, resets and the 429 storm."""

    def __init__(self, snapshot: Snapshot, config: EmulatorConfig) -> None:
        self.config = config
        self.stats = EmulatorStats()
        self.service = GraphService(snapshot, config, self.stats)
        self.jitter = Jitter(config.seed, config.latency_ms)

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        self.stats.http_requests += 1
        self.stats.graph_requests += 1
        self.service.storm.arrived()
        client_request_id = request.headers.get("client-request-id")
        request_id = new_request_id()  # one id: the request-id header and any error body's innerError
        try:
            reply = await self._answer(request, client_request_id, request_id)
        except GraphError as error:
            reply = error_reply(error, client_request_id, request_id)
        delay = self.jitter.next_delay()
        if delay:
            await asyncio.sleep(delay)
        return await self._send(request, reply, client_request_id, request_id)

    def _check_token(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        if not header.strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.config.token:
            raise GraphError(401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")

    async def _answer(self, request: web.Request, client_request_id: str | None, request_id: str) -> Reply:
        self._check_token(request)
        path = request.path
        if path != "/v1.0" and not path.startswith("/v1.0/"):
            self.stats.by_route["unmatched"] += 1
            raise GraphError(404, "Request_ResourceNotFound", f"Resource not found for the segment '{path}'.")
        relative = path[len("/v1.0") :] or "/"
        base_url = f"{request.scheme}://{request.host}"
        if relative.rstrip("/").lower() == "/$batch":
            return await self._batch(request, base_url, client_request_id, request_id)
        pairs = list(request.query.items())
        body = await request.read() if request.method not in ("GET", "HEAD") else None
        return await self.service.handle(
            GraphRequest(
                request.method,
                relative,
                pairs,
                base_url,
                client_request_id=client_request_id,
                eventual=is_eventual(request.headers.get("ConsistencyLevel")),
                request_id=request_id,
                body=body,
            )
        )

    async def _batch(
        self, request: web.Request, base_url: str, client_request_id: str | None, request_id: str
    ) -> Reply:
        self.stats.by_route["POST /$batch"] += 1
        if request.method != "POST":
            raise method_not_allowed()
        payload = await request.read()
        if self.service.storm.refuse_whole_batch(self.config.seed) and (stormed := self.service.storm_refusal()):
            raise stormed
        abort = await self.service.inject("POST /$batch " + hashlib.sha256(payload).hexdigest(), inner=False)
        reply = await run_batch(self.service, payload, base_url, client_request_id, request_id)
        reply.abort = abort
        return reply

    async def _send(
        self, request: web.Request, reply: Reply, client_request_id: str | None, request_id: str
    ) -> web.StreamResponse:
        headers = {
            "Content-Type": JSON_CONTENT_TYPE,
            "request-id": request_id,
            "client-request-id": client_request_id or request_id,
            **reply.headers,
        }
        if reply.status == 204:
            del headers["Content-Type"]
        if not reply.abort:
            return web.Response(status=reply.status, body=reply.body, headers=headers)
        # A connection reset: announce the whole body, send half of it, then abort the transport.
        response = web.StreamResponse(status=reply.status, headers=headers)
        response.content_length = len(reply.body)
        await response.prepare(request)
        await response.write(reply.body[: len(reply.body) // 2])
        if request.transport is not None:
            request.transport.abort()
        return response


@dataclass
class RunningEmulator:
    """A started emulator; ``url`` is the service root without ``/v1.0``."""

    url: str
    stats: EmulatorStats
    config: EmulatorConfig
    _runner: web.AppRunner

    async def close(self) -> None:
        await self._runner.cleanup()


async def start_emulator(
    snapshot: Snapshot, config: EmulatorConfig = DEFAULT_CONFIG, host: str = "127.0.0.1", port: int = 0
) -> RunningEmulator:
    """Serve ``snapshot`` on ``host:port`` (0: a free port) in the running event loop."""
    frontend = _Frontend(snapshot, config)
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_route("*", "/{tail:.*}", frontend.dispatch)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise EmulatorConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return RunningEmulator(f"http://{shown}:{bound_port}", frontend.stats, config, runner)


@contextlib.contextmanager
def emulator_in_thread(
    snapshot: Snapshot, config: EmulatorConfig = DEFAULT_CONFIG, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningEmulator]:
    """Run the emulator on its own event loop in a daemon thread for the duration of the block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="graph-emulator", daemon=True)
    thread.start()
    try:
        running = asyncio.run_coroutine_threadsafe(start_emulator(snapshot, config, host, port), loop).result()
        try:
            yield running
        finally:
            asyncio.run_coroutine_threadsafe(running.close(), loop).result(STOP_TIMEOUT_S)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STOP_TIMEOUT_S)
        loop.close()


def serve_forever(
    snapshot: Snapshot, config: EmulatorConfig, host: str, port: int, on_ready: Callable[[str], None]
) -> None:
    """Serve in the foreground; ``on_ready(url)`` once listening; Ctrl-C stops cleanly."""

    async def main() -> None:
        running = await start_emulator(snapshot, config, host, port)
        try:
            on_ready(running.url)
            await asyncio.Event().wait()
        finally:
            await running.close()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
