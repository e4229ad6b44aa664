"""A scripted Graph: a loopback aiohttp server whose every answer a test decides, and the collector run against it."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sspr_audit.collect.collector import collect
from sspr_audit.collect.options import CollectOptions

TOKEN = "scripted-token-0123456789"
ORG = {
    "id": "99999999-0000-0000-0000-000000000001",
    "displayName": "Scripted",
    "onPremisesSyncEnabled": False,
    "verifiedDomains": [{"name": "scripted.example", "isDefault": True}],
}
METHOD = {
    "@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
    "id": "3179e48a-750b-4051-897c-87b9720928f7",
    "phoneNumber": "+1 4255550100",
    "phoneType": "mobile",
    "smsSignInState": "notSupported",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse | None]]


def graph_error(status: int, code: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": f"{code} message"}}, status=status, headers=headers)


class FakeGraph:
    """A scripted Graph v1.0: ``users`` enabled users, report 403 unless told, hooks per path."""

    def __init__(self, users: int = 3) -> None:
        self.users = [
            {
                "id": f"00000000-0000-0000-0000-{n:012d}",
                "userPrincipalName": f"u{n}@scripted.example",
                "displayName": f"User {n}",
                "userType": "Member",
                "accountEnabled": True,
                "businessPhones": [],
                "otherMails": [],
            }
            for n in range(users)
        ]
        self.hooks: dict[str, Handler] = {}
        self.inner: Callable[[str, int], dict[str, Any] | None] = lambda user_id, attempt: None
        self.batch_sizes: list[int] = []
        self.method_calls: collections.Counter[str] = collections.Counter()
        self.mailbox_calls: collections.Counter[str] = collections.Counter()
        self.method_times: dict[str, list[float]] = collections.defaultdict(list)
        self.requests: list[str] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/v1.0")
        self.requests.append(path)
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
            return web.json_response({"value": self.users})
        if path == "/reports/authenticationMethods/userRegistrationDetails":
            return graph_error(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant")
        if path.startswith("/roleManagement/"):
            return web.json_response({"value": []})
        if path == "/policies/authorizationPolicy":
            return web.json_response({"id": "authorizationPolicy", "allowedToUseSSPR": False})
        if path == "/policies/authenticationMethodsPolicy":
            voice = {
                "id": "Voice",
                "state": "enabled",
                "isOfficePhoneAllowed": True,
                "includeTargets": [{"targetType": "group", "id": "all_users"}],
            }
            return web.json_response(
                {"policyMigrationState": "migrationComplete", "authenticationMethodConfigurations": [voice]}
            )
        if path == "/directory/onPremisesSynchronization":
            return graph_error(403, "Authorization_RequestDenied")
        return graph_error(404, "Request_ResourceNotFound")

    async def batch(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.batch_sizes.append(len(body["requests"]))
        if len(body["requests"]) > 20:
            return graph_error(400, "BadRequest")
        responses = []
        for inner in reversed(body["requests"]):  # any order, as Graph may answer
            user_id = inner["url"].split("/")[2]
            if "/mailboxSettings" in inner["url"]:  # every user has an ordinary mailbox
                self.mailbox_calls[user_id] += 1
                responses.append({"id": inner["id"], "status": 200, "headers": {}, "body": {"userPurpose": "user"}})
                continue
            self.method_calls[user_id] += 1
            self.method_times[user_id].append(time.monotonic())
            scripted = self.inner(user_id, self.method_calls[user_id])
            responses.append(
                {"id": inner["id"], **(scripted or {"status": 200, "headers": {}, "body": {"value": [METHOD]}})}
            )
        return web.json_response({"responses": responses})


async def serve(graph: FakeGraph, work: Callable[[str], Awaitable[Any]]) -> Any:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", graph.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        return await work(f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()


def options(url: str, **overrides: Any) -> CollectOptions:
    values: dict[str, Any] = {"access_token": TOKEN, "graph_url": url, "backoff_base": 0.01, "concurrency": 4}
    values.update(overrides)
    return CollectOptions(**values)


def run(graph: FakeGraph, **overrides: Any):
    return asyncio.run(serve(graph, lambda url: collect(options(url, **overrides), now="2025-01-01T00:00:00Z")))
