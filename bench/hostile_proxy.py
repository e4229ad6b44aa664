"""A loopback proxy in front of the Graph emulator that answers hostile, once per mode.

Used by ``bench/chaos.py --hostile``. Each mode hits the first request it
matches and then lets the emulator answer:

* ``retry-after``: the first ``$batch`` gets 429 with ``Retry-After: 1e9``;
* ``trickle``: the first ``/organization`` answer trickles in, one byte every 0.5 s;
* ``gzip-bomb``: the first ``/policies/authorizationPolicy`` answer is 100 MB of gzip'd zeros (100 KB sent);
* ``foreign-link``: the first ``/users`` page links its next page to another port;
* ``endless-pages``: ``roleEligibilitySchedules`` links to one more empty page, forever.
"""

from __future__ import annotations

import asyncio
import collections
import json
import zlib
from typing import Any

from aiohttp import ClientError, ClientSession, web

MODES = ("retry-after", "trickle", "gzip-bomb", "foreign-link", "endless-pages")


def _bomb(megabytes: int = 100) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1 << 20)
    return b"".join(squeeze.compress(chunk) for _ in range(megabytes)) + squeeze.flush()


class HostileProxy:
    """Forwards to ``upstream``; ``fired`` counts the hostile answers given per mode."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.fired: collections.Counter[str] = collections.Counter()
        self.url = ""
        self._bomb = _bomb()
        self._client: ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/v1.0")
        if path == "/$batch" and self._once("retry-after"):
            await request.read()
            return web.json_response({"error": {"code": "TooManyRequests"}}, status=429, headers={"Retry-After": "1e9"})
        if path == "/organization" and self._once("trickle"):
            return await self._trickle(request)
        if path == "/policies/authorizationPolicy" and self._once("gzip-bomb"):
            return web.Response(
                body=self._bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
            )
        if path == "/roleManagement/directory/roleEligibilitySchedules":
            self.fired["endless-pages"] += 1
            page = int(request.query.get("page", "0"))
            return web.json_response({"value": [], "@odata.nextLink": f"{self.url}/v1.0{path}?page={page + 1}"})
        try:
            status, headers, body = await self._forward(request)
        except (TimeoutError, ClientError):  # the emulator reset the connection: pass that on as a 502
            return web.Response(status=502)
        if path == "/users" and "$skiptoken" not in request.query_string and self._once("foreign-link"):
            data = json.loads(body)
            data["@odata.nextLink"] = "http://127.0.0.1:9/v1.0/users?$skiptoken=planted"
            return web.json_response(data, status=status)
        return web.Response(status=status, body=body, headers=headers)

    def _once(self, mode: str) -> bool:
        """True for the first request a mode matches (counted in ``fired``), False after."""
        if self.fired[mode]:
            return False
        self.fired[mode] += 1
        return True

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        try:
            for byte in b'{"value": [' + b" " * 100:
                await response.write(bytes([byte]))
                await asyncio.sleep(0.5)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def _forward(self, request: web.Request) -> tuple[int, dict[str, Any], bytes]:
        assert self._client is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "accept-encoding")}
        async with self._client.request(
            request.method, self.upstream + request.path_qs, headers=headers, data=await request.read()
        ) as answer:
            body = (await answer.read()).replace(self.upstream.encode(), self.url.encode())  # links lead here
            kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "retry-after")}
            return answer.status, kept, body

    async def start(self) -> web.AppRunner:
        self._client = ClientSession(auto_decompress=True)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return runner

    async def close(self, runner: web.AppRunner) -> None:
        await runner.cleanup()
        if self._client is not None:
            await self._client.close()
