"""Follow ``@odata.nextLink`` until Graph says there is no more.

Page URLs are Graph's, never built here: a page may be empty and still have
a next one, and the skip token inside the link is opaque. But a link is
followed only to the Graph root the user chose (the same scheme, host and
port: another port on the same host would receive the bearer token), and
only for a bounded number of pages, so a hostile or broken answer can
neither redirect the collection nor keep it paging forever.
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
        where = next_url.split("?")[0]
        if next_url in seen:
            raise GraphError(None, None, f"Graph returned the same page link twice ({where})")
        if len(seen) >= session.limits.max_pages:
            raise GraphError(
                None,
                None,
                f"Graph kept sending further pages of {where} past {session.limits.max_pages:,};"
                " raise --max-pages if the tenant is really that large",
            )
        seen.add(next_url)
        body = await session.get(next_url, pace, lambda body: _wrong_page(session, body))
        yield [item for item in body.get("value") or () if isinstance(item, dict)]
        next_url = body.get("@odata.nextLink")


def _wrong_page(session: GraphSession, body: Any) -> str | None:
    """What makes ``body`` unusable as a page, or None."""
    if not isinstance(body, dict):
        return "Graph's answer was not a JSON object"
    if not isinstance(body.get("value", []), list):
        return "Graph's page held no list of items"
    link = body.get("@odata.nextLink")
    if link is not None and not (isinstance(link, str) and session.endpoint.same_origin(link)):
        shown = link[:80] if isinstance(link, str) else type(link).__name__
        return (
            f"Graph's @odata.nextLink leads away from {session.endpoint.root} ({shown}); refused: only links to"
            " the Graph root given are followed"
        )
    return None


async def read_all(session: GraphSession, url: str) -> list[dict[str, Any]]:
    """Every item of a paged collection, in Graph's order."""
    items: list[dict[str, Any]] = []
    async for page in pages(session, url):
        items.extend(page)
    return items
