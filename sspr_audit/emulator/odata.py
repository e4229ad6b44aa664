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
_OPTIONS = frozenset({"$select", "$filter", "$expand", "$top", "$skiptoken"})
_EXPAND = re.compile(r"^\s*(\w+)\s*(?:\(\s*\$select=([^()]*)\))?\s*$")
_ENABLED_FILTER = re.compile(r"^\s*accountEnabled\s+eq\s+(true|false)\s*$", re.IGNORECASE)
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


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Graph-style query text: ``$select=id,displayName&$filter=accountEnabled%20eq%20true``."""
    return "&".join(f"{quote(k, safe=_SAFE)}={quote(v, safe=_SAFE)}" for k, v in pairs)


def parse_query(pairs: list[tuple[str, str]], spec: QuerySpec) -> ODataQuery:
    """Check every option against ``spec``; the first problem raises a 400 :class:`GraphError`."""
    seen: dict[str, str] = {}
    for key, value in pairs:
        if key in seen:
            raise bad_request(f"Query option '{key}' was specified more than once; it may be given once only.")
        seen[key] = value
    for key in seen:
        if key not in _OPTIONS or (key in ("$top", "$skiptoken") and not spec.paged):
            raise unsupported_query(f"The query parameter '{key}' is not supported on this request.")
    select = _select(seen["$select"], spec.select, spec.entity) if "$select" in seen else None
    if "$filter" in seen and spec.filter is None:
        raise unsupported_query(f"Filtering is not supported on {spec.entity}.")
    filter_value = spec.filter(seen["$filter"]) if spec.filter is not None and "$filter" in seen else None
    expand, expand_select = _expand(seen["$expand"], spec) if "$expand" in seen else (None, None)
    top = _top(seen["$top"]) if "$top" in seen else None
    rest = sorted((k, v) for k, v in pairs if k != "$skiptoken")
    encoded = encode_query((k, v) for k, v in pairs if k != "$skiptoken")
    return ODataQuery(
        select, filter_value, expand, expand_select, top, seen.get("$skiptoken"), encode_query(rest), encoded
    )


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


def enabled_filter(text: str) -> bool:
    """``accountEnabled eq true|false``: the one user filter the collector sends."""
    match = _ENABLED_FILTER.match(text)
    if match is None:
        raise unsupported_query(f"Unsupported or invalid query filter clause specified for resource 'User': {text}")
    return match.group(1).lower() == "true"


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
