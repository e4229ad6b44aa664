"""Follow ``@odata.nextLink`` until Graph says there is no more.

Page URLs are Graph's, never built here: a page may be empty and still have
a next one, and the skip token inside the link is opaque.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sspr_audit.collect.graph import GraphError, GraphSession


async def pages(
    session: GraphSession, url: str, pace: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield each page's ``value`` items, from ``url`` to the last page; ``pace`` is awaited before each request."""
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url in seen:
            raise GraphError(None, None, f"Graph returned the same page link twice ({next_url.split('?')[0]})")
        seen.add(next_url)
        body = await session.get(next_url, pace)
        if not isinstance(body, dict):
            raise GraphError(None, None, f"unexpected answer from {next_url.split('?')[0]}: not a JSON object")
        yield [item for item in body.get("value") or () if isinstance(item, dict)]
        next_url = body.get("@odata.nextLink")


async def read_all(session: GraphSession, url: str) -> list[dict[str, Any]]:
    """Every item of a paged collection, in Graph's order."""
    items: list[dict[str, Any]] = []
    async for page in pages(session, url):
        items.extend(page)
    return items
