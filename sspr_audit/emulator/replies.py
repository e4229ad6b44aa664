"""Answers of the emulator: a status, headers and JSON bytes, and Graph's error shape."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON_CONTENT_TYPE = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"


@dataclass
class Reply:
    """One Graph answer; ``abort`` asks the server to reset the connection mid-body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    abort: bool = False
    page: int | None = None  # which page (1-based) of a collection this answer is


class GraphError(Exception):
    """An error answer raised anywhere below a route; becomes Graph's error body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, as Graph sends it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_reply(value: Any, status: int = 200) -> Reply:
    return Reply(status, dumps(value))


def new_request_id() -> str:
    """The id Graph gives one request (``request-id``), as a GUID."""
    return str(uuid.uuid4())


def error_reply(error: GraphError, client_request_id: str | None = None, request_id: str | None = None) -> Reply:
    """``{"error": {"code", "message", "innerError": {date, request-id, client-request-id}}}``.

    ``request_id``: the id the response's ``request-id`` header carries (a new one when None).
    """
    request_id = request_id or new_request_id()
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id or request_id,
            },
        }
    }
    return Reply(error.status, dumps(body), dict(error.headers))


def not_found(resource: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{resource}' does not exist or one of its queried reference-property objects are not present.",
    )


def method_not_allowed() -> GraphError:
    return GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")


def no_content() -> Reply:
    """``204 No Content``: what Graph answers a successful PATCH of a user."""
    return Reply(204, b"")


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def unsupported_query(message: str) -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)
