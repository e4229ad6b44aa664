"""A scripted, possibly hostile Graph v1.0 on loopback, for the hardening tests.

A real aiohttp server in a thread of its own, so the collector can reach it
from ``asyncio.run`` or from a ``sspr-audit`` command run by click's test
runner. By default it serves a tiny tenant correctly; each test scripts the
answers it needs to be hostile: hooks per path, inner ``$batch`` answers,
user values.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

from sspr_audit.collect.options import CollectOptions
from tests.builders.graph import graph_error

TOKEN = "hostile-token-0123456789"
ORG = {
    "id": "99999999-0000-0000-0000-000000000002",
    "displayName": "Hostile",
    "onPremisesSyncEnabled": False,
    "verifiedDomains": [{"name": "hostile.example", "isDefault": True}],
}
METHOD = {
    "@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
    "id": "3179e48a-750b-4051-897c-87b9720928f7",
    "phoneNumber": "+44 7700900123",
    "phoneType": "mobile",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse | None]]


def user(n: int, **values: Any) -> dict[str, Any]:
    """One enabled user as ``GET /users`` lists it."""
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "userPrincipalName": f"u{n}@hostile.example",
        "displayName": f"User {n}",
        "userType": "Member",
        "accountEnabled": True,
        "department": "Sales",
        "businessPhones": [],
        "otherMails": [],
        **values,
    }


class HostileGraph:
    """Serves ``users`` (paged by ``page_size`` when set); ``hooks`` answer a path first when they return."""

    def __init__(self, users: int = 2) -> None:
        self.users = [user(n) for n in range(users)]
        self.page_size: int | None = None
        self.hooks: dict[str, Handler] = {}
        self.inner: Callable[[str, int], dict[str, Any] | None] = lambda user_id, attempt: None
        self.method_calls: collections.Counter[str] = collections.Counter()
        self.mailbox_calls: collections.Counter[str] = collections.Counter()
        self.requests: list[str] = []
        self.authorizations: list[str | None] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/v1.0")
        self.requests.append(request.path_qs)
        self.authorizations.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return graph_error(401, "InvalidAuthenticationToken")
        hook = self.hooks.get(path)
        if hook is not None and (answer := await hook(request)) is not None:
            return answer
        if path == "/$batch":
            return await self.batch(request)
        if path == "/organization":
            return web.json_response({"value": [ORG]})
        if path == "/users":
            return web.json_response(self.users_page(int(request.query.get("page", "0"))))
        if path.startswith("/roleManagement/"):
            return web.json_response({"value": []})
        if path == "/policies/authorizationPolicy":
            return web.json_response({"id": "authorizationPolicy", "allowedToUseSSPR": False})
        if path == "/policies/authenticationMethodsPolicy":
            return web.json_response({"authenticationMethodConfigurations": []})
        if path in ("/reports/authenticationMethods/userRegistrationDetails", "/directory/onPremisesSynchronization"):
            return graph_error(403, "Authorization_RequestDenied")
        return graph_error(404, "Request_ResourceNotFound")

    def users_page(self, page: int) -> dict[str, Any]:
        if self.page_size is None:
            return {"value": self.users}
        start = page * self.page_size
        body: dict[str, Any] = {"value": self.users[start : start + self.page_size]}
        if start + self.page_size < len(self.users):
            body["@odata.nextLink"] = f"{self.url}/v1.0/users?page={page + 1}"
        return body

    async def batch(self, request: web.Request) -> web.Response:
        body = await request.json()
        responses = []
        for inner in body["requests"]:
            user_id = inner["url"].split("/")[2]
            if "/mailboxSettings" in inner["url"]:  # every user has an ordinary mailbox
                self.mailbox_calls[user_id] += 1
                responses.append({"id": inner["id"], "status": 200, "body": {"userPurpose": "user"}})
                continue
            self.method_calls[user_id] += 1
            scripted = self.inner(user_id, self.method_calls[user_id])
            responses.append({"id": inner["id"], **(scripted or {"status": 200, "body": {"value": [METHOD]}})})
        return web.json_response({"responses": responses})


@contextlib.contextmanager
def serving(
    app_handler: Callable[[web.Request], Awaitable[web.StreamResponse]], host: str = "127.0.0.1"
) -> Iterator[str]:
    """Serve ``app_handler`` for every path on a free port of ``host``, in a thread; yields the root URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict[str, Any] = {}

    async def start() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", app_handler)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, 0)
        await site.start()
        state["runner"] = runner
        state["port"] = site._server.sockets[0].getsockname()[1]

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(state["runner"].cleanup())
        loop.close()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield f"http://{host}:{state['port']}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@contextlib.contextmanager
def hostile(graph: HostileGraph) -> Iterator[str]:
    """Serve ``graph``; yields its root URL (also set on ``graph.url``)."""
    with serving(graph.handle) as url:
        graph.url = url
        yield url


def options(url: str, **overrides: Any) -> CollectOptions:
    values: dict[str, Any] = {"access_token": TOKEN, "graph_url": url, "backoff_base": 0.01, "concurrency": 4}
    values.update(overrides)
    return CollectOptions(**values)


def collect(graph: HostileGraph, **overrides: Any):
    """Collect ``graph`` with quick retries; the snapshot and stats."""
    from sspr_audit.collect.collector import collect as run_collection

    with hostile(graph) as url:
        return asyncio.run(run_collection(options(url, **overrides), now="2026-11-26T06:00:00Z"))
