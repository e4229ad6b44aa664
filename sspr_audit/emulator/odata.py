"""The OData query options the emulator understands, and opaque page tokens.

Each route declares what it accepts (:class:`QuerySpec`); anything else is a
400 with Graph's error shape, so a client that sends a query Graph would
reject finds out here rather than in production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sspr_audit.emulator.replies import GraphError, bad_request, unsupported_query

MAX_TOP = 999
_SAFE = "$,()='@:"
_OPTIONS = frozenset({"$select", "$filter", "$expand", "$top", "$skiptoken", "$count", "$orderby"})
ADVANCED_QUERIES = "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
_EXPAND = re.compile(r"^\s*(\w+)\s*(?:\(\s*\$select=([^()]*)\))?\s*$")
_CLAUSE = re.compile(
    r"\s*(?:(accountEnabled)\s+eq\s+(true|false)|startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\))\s*", re.IGNORECASE
)
_AND = re.compile(r"and\b", re.IGNORECASE)
_ORDERBY = re.compile(r"^\s*(\w+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_NAME_FILTER = re.compile(r"^\s*displayName\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def properties(*names: str) -> dict[str, str]:
    """Selectable names of one type: lower case -> Graph's spelling (Graph matches case-insensitively)."""
    return {name.lower(): name for name in names}


@dataclass(frozen=True)
class QuerySpec:
    """The options one route accepts."""

    entity: str  # Graph type named in error messages, e.g. "microsoft.graph.user"
    select: Mapping[str, str] | None = None  # None: $select not accepted
    filter: Callable[[str], Any] | None = None  # parses $filter into the value the route filters on
    expand: Mapping[str, Mapping[str, str]] | None = None  # navigation -> names selectable inside it
    paged: bool = False  # accepts $top and $skiptoken
    orderby: Mapping[str, str] | None = None  # names $orderby accepts (None: $orderby not accepted)
    countable: bool = False  # accepts $count=true (with ConsistencyLevel: eventual)
    raw_count: bool = False  # the route is a /$count segment (needs ConsistencyLevel: eventual)


@dataclass(frozen=True)
class ODataQuery:
    """A parsed query; ``scope`` identifies it (without the page token) for page tokens."""

    select: tuple[str, ...] | None = None
    filter: Any = None
    expand: str | None = None
    expand_select: tuple[str, ...] | None = None
    top: int | None = None
    skiptoken: str | None = None
    scope: str = ""
    encoded: str = ""  # the query without $skiptoken, as it goes into @odata.nextLink
    count: bool = False  # $count=true: the answer carries @odata.count
    orderby: tuple[str, bool] | None = None  # (Graph's name, descending)


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Graph-style query text: ``$select=id,displayName&$filter=accountEnabled%20eq%20true``."""
    return "&".join(f"{quote(k, safe=_SAFE)}={quote(v, safe=_SAFE)}" for k, v in pairs)


def parse_query(pairs: list[tuple[str, str]], spec: QuerySpec, eventual: bool = False) -> ODataQuery:
    """Check every option against ``spec``; the first problem raises a 400 :class:`GraphError`.

    ``eventual``: the request carried ``ConsistencyLevel: eventual`` (Graph's advanced queries).
    """
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key in seen:
            raise bad_request(f"Query option '{key}' was specified more than once; it may be given once only.")
        seen[key] = value
    for key in seen:
        if (
            key not in _OPTIONS
            or (key in ("$top", "$skiptoken") and not spec.paged)
            or (key == "$count" and not spec.countable)
            or (key == "$orderby" and spec.orderby is None)
        ):
            raise unsupported_query(f"The query parameter '{key}' is not supported on this request.")
    if spec.raw_count and not eventual:
        raise unsupported_query(
            "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing. "
            + ADVANCED_QUERIES
        )
    select = _select(seen["$select"], spec.select, spec.entity) if "$select" in seen else None
    if "$filter" in seen and spec.filter is None:
        raise unsupported_query(f"Filtering is not supported on {spec.entity}.")
    filter_value = spec.filter(seen["$filter"]) if spec.filter is not None and "$filter" in seen else None
    expand, expand_select = _expand(seen["$expand"], spec) if "$expand" in seen else (None, None)
    top = _top(seen["$top"]) if "$top" in seen else None
    count = _count(seen["$count"], eventual) if "$count" in seen else False
    orderby = _orderby(seen["$orderby"], spec) if "$orderby" in seen else None
    if orderby is not None and "$filter" in seen and not eventual:
        raise unsupported_query("Sorting not supported for current query.")
    rest = sorted((k, v) for k, v in pairs if k != "$skiptoken")
    encoded = encode_query((k, v) for k, v in pairs if k != "$skiptoken")
    return ODataQuery(
        select,
        filter_value,
        expand,
        expand_select,
        top,
        seen.get("$skiptoken"),
        encode_query(rest),
        encoded,
        count,
        orderby,
    )


def _count(text: str, eventual: bool) -> bool:
    value = text.strip().lower()
    if value not in ("true", "false"):
        raise bad_request(f"Invalid value '{text}' for the query option '$count': it must be true or false.")
    if value == "true" and not eventual:
        raise unsupported_query(
            "$count=true is not supported because the 'ConsistencyLevel:eventual' header is missing. "
            + ADVANCED_QUERIES
        )
    return value == "true"


def _orderby(text: str, spec: QuerySpec) -> tuple[str, bool]:
    match = _ORDERBY.match(text)
    allowed = spec.orderby or {}
    if match is None or match.group(1).lower() not in allowed:
        raise unsupported_query(f"Sorting by '{text.strip()}' is not supported on {spec.entity}.")
    return allowed[match.group(1).lower()], (match.group(2) or "asc").lower() == "desc"


def _select(text: str, allowed: Mapping[str, str] | None, entity: str) -> tuple[str, ...]:
    if allowed is None:
        raise unsupported_query(f"$select is not supported on {entity}.")
    names = [name.strip() for name in text.split(",")]
    chosen: list[str] = []
    for name in names:
        canonical = allowed.get(name.lower())
        if canonical is None:
            raise bad_request(f"Could not find a property named '{name}' on type '{entity}'.")
        if canonical not in chosen:
            chosen.append(canonical)
    return tuple(chosen)


def _expand(text: str, spec: QuerySpec) -> tuple[str, tuple[str, ...] | None]:
    match = _EXPAND.match(text)
    allowed = {name.lower(): name for name in spec.expand or {}}
    if match is None or spec.expand is None or match.group(1).lower() not in allowed:
        raise bad_request(
            f"Parsing OData Select and Expand failed: Could not find a property named '{text}'"
            f" on type '{spec.entity}' that can be expanded."
        )
    canonical = allowed[match.group(1).lower()]
    nested = match.group(2)
    inner = _select(nested, spec.expand[canonical], "microsoft.graph.directoryObject") if nested is not None else None
    return canonical, inner


def _top(text: str) -> int:
    if not re.fullmatch(r"\d{1,6}", text.strip()) or not 1 <= int(text) <= MAX_TOP:
        raise unsupported_query(f"Invalid page size specified: '{text}'. Must be between 1 and {MAX_TOP} inclusive.")
    return int(text)


@dataclass(frozen=True)
class RowFilter:
    """A parsed ``$filter``: ``accountEnabled eq ...`` and ``startswith(name,'prefix')`` clauses joined by ``and``."""

    enabled: bool | None = None
    prefixes: tuple[tuple[str, str], ...] = ()  # (Graph's name, prefix)

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Does ``row`` (an entity's JSON) pass? ``startswith`` ignores case, as Graph's does."""
        if self.enabled is not None and row.get("accountEnabled") is not self.enabled:
            return False
        for name, prefix in self.prefixes:
            value = row.get(name)
            if not isinstance(value, str) or not value.casefold().startswith(prefix.casefold()):
                return False
        return True


def row_filter(resource: str, startswith: Mapping[str, str], enabled: bool) -> Callable[[str], RowFilter]:
    """A ``$filter`` parser: ``startswith`` on the names given, and ``accountEnabled eq`` when ``enabled``."""

    def parse(text: str) -> RowFilter:
        refused = unsupported_query(
            f"Unsupported or invalid query filter clause specified for resource '{resource}': {text}"
        )
        position, found_enabled, prefixes = 0, None, []
        while True:
            clause = _CLAUSE.match(text, position)
            if clause is None:
                raise refused
            if clause.group(1):
                if not enabled or found_enabled is not None:
                    raise refused
                found_enabled = clause.group(2).lower() == "true"
            else:
                name = startswith.get(clause.group(3).lower())
                if name is None:
                    raise refused
                prefixes.append((name, clause.group(4).replace("''", "'")))
            position = clause.end()
            if position == len(text):
                return RowFilter(found_enabled, tuple(prefixes))
            joined = _AND.match(text, position)
            if joined is None:
                raise refused
            position = joined.end()

    return parse


_AUDIT_CLAUSE = re.compile(
    r"\s*(?:(loggedByService|activityDisplayName)\s+eq\s+'((?:[^']|'')*)'"
    r"|activityDateTime\s+(ge|le)\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z))\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AuditFilter:
    """A parsed directoryAudits ``$filter``: ``eq`` on the service or activity, ``ge``/``le`` on the time."""

    equals: tuple[tuple[str, str], ...] = ()
    since: str | None = None
    until: str | None = None

    def matches(self, event: Mapping[str, Any]) -> bool:
        if any(event.get(name) != value for name, value in self.equals):
            return False
        at = str(event.get("activityDateTime"))
        return (self.since is None or at >= self.since) and (self.until is None or at <= self.until)


def audit_filter(text: str) -> AuditFilter:
    """``loggedByService eq '...' and activityDateTime ge 2026-10-24T00:00:00Z`` and the like, joined by ``and``."""
    refused = unsupported_query(f"Invalid filter clause: {text}")
    position, equals, bounds = 0, [], {}
    while True:
        clause = _AUDIT_CLAUSE.match(text, position)
        if clause is None:
            raise refused
        if clause.group(1):
            name = "loggedByService" if clause.group(1).lower() == "loggedbyservice" else "activityDisplayName"
            equals.append((name, clause.group(2).replace("''", "'")))
        else:
            bounds[clause.group(3).lower()] = clause.group(4)[:19] + "Z"
        position = clause.end()
        if position == len(text):
            return AuditFilter(tuple(equals), bounds.get("ge"), bounds.get("le"))
        joined = _AND.match(text, position)
        if joined is None:
            raise refused
        position = joined.end()


def display_name_filter(text: str) -> str:
    """``displayName eq 'NAME'`` on groups; returns NAME with quotes unescaped."""
    match = _NAME_FILTER.match(text)
    if match is None:
        raise unsupported_query(f"Unsupported or invalid query filter clause specified for resource 'Group': {text}")
    return match.group(1).replace("''", "'")


class PageTokens:
    """Opaque ``$skiptoken`` values: an offset bound to its query by an HMAC."""

    _MAC_BYTES = 12

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, scope: str, offset: int) -> bytes:
        message = f"{scope}\x00{offset}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()[: self._MAC_BYTES]

    def issue(self, scope: str, offset: int) -> str:
        raw = offset.to_bytes(4, "big") + self._mac(scope, offset)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def offset(self, scope: str, token: str) -> int:
        """The offset ``token`` stands for; a tampered or foreign token is a 400."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == 4 + self._MAC_BYTES:
            offset = int.from_bytes(raw[:4], "big")
            if hmac.compare_digest(raw[4:], self._mac(scope, offset)):
                return offset
        raise GraphError(400, "Request_BadRequest", "The specified page token value is invalid or has expired.")
