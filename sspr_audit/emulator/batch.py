"""``POST /v1.0/$batch``: up to 20 requests (GET, or the PATCHes the emulator takes), answered in a shuffled order.

The whole payload is checked first (a bad payload is one 400 for the batch);
then each step runs through :class:`GraphService` on its own, concurrently,
and the answers are spliced into one body without decoding them again.
"""

from __future__ import annotations

import asyncio
import json
import random
from urllib.parse import parse_qsl, urlsplit

from sspr_audit.emulator.replies import JSON_CONTENT_TYPE, GraphError, Reply, bad_request, dumps, error_reply
from sspr_audit.emulator.routes import GraphRequest, is_eventual
from sspr_audit.emulator.service import GraphService

MAX_BATCH_REQUESTS = 20


def _steps(payload: bytes) -> list[dict]:
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise bad_request("Invalid batch payload format: the body is not JSON.") from None
    steps = document.get("requests") if isinstance(document, dict) else None
    if not isinstance(steps, list) or not steps:
        raise bad_request("Invalid batch payload format: 'requests' must be a non-empty array.")
    if len(steps) > MAX_BATCH_REQUESTS:
        raise bad_request(f"Number of batch request steps exceeds the maximum of {MAX_BATCH_REQUESTS}.")
    ids: set[str] = set()
    for step in steps:
        fields = ("id", "method", "url")
        if not isinstance(step, dict) or not all(isinstance(step.get(k), str) and step[k] for k in fields):
            raise bad_request("Invalid batch payload format: every request needs string 'id', 'method' and 'url'.")
        if step["id"] in ids:
            raise bad_request(f"Invalid batch payload format: the request id '{step['id']}' is used twice.")
        ids.add(step["id"])
    return steps


async def _answer_step(service: GraphService, step: dict, base_url: str) -> Reply:
    parts = urlsplit(step["url"])
    if parts.scheme or parts.netloc:
        return error_reply(bad_request("Batch request URLs must be relative to the version, e.g. '/users'."))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    headers = step.get("headers")
    if not isinstance(headers, dict):
        headers = {}
    lowered = {str(k).lower(): v for k, v in headers.items()}
    request = GraphRequest(
        step["method"].upper(),
        "/" + parts.path.lstrip("/"),
        pairs,
        base_url,
        inner=True,
        client_request_id=lowered.get("client-request-id"),
        eventual=is_eventual(lowered.get("consistencylevel")),
        body=dumps(step["body"]) if "body" in step else None,
    )
    return await service.handle(request)


async def run_batch(
    service: GraphService,
    payload: bytes,
    base_url: str,
    client_request_id: str | None = None,
    request_id: str | None = None,
) -> Reply:
    """The batch answer: one 200 with every step's status, headers and body (a bad payload: one 400).

    ``client_request_id``/``request_id``: the batch request's own, which a 400 for the payload names.
    """
    try:
        steps = _steps(payload)
    except GraphError as error:
        return error_reply(error, client_request_id, request_id)
    stats = service.stats
    stats.batches += 1
    stats.max_batch_size = max(stats.max_batch_size, len(steps))
    stats.graph_requests += len(steps)
    replies = await asyncio.gather(*(_answer_step(service, step, base_url) for step in steps))
    answered = list(zip((step["id"] for step in steps), replies, strict=True))
    random.Random(f"{service.config.seed}:" + ",".join(i for i, _ in answered)).shuffle(answered)
    pieces = []
    for step_id, reply in answered:
        if not reply.body:  # 204: no body, no Content-Type
            pieces.append(b'{"id":%s,"status":%d,"headers":%s}' % (dumps(step_id), reply.status, dumps(reply.headers)))
            continue
        headers = {"Content-Type": JSON_CONTENT_TYPE, **reply.headers}
        pieces.append(
            b'{"id":%s,"status":%d,"headers":%s,"body":%s}' % (dumps(step_id), reply.status, dumps(headers), reply.body)
        )
    return Reply(200, b'{"responses":[' + b",".join(pieces) + b"]}")
