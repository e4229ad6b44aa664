"""Read each Graph answer's body with a bound on its size, compressed or not.

httpx inflates a gzip answer whole before anyone can look at it: 1 MB of
gzip from a hostile proxy or server inflates to gigabytes. This middleware,
the last before the network, reads the raw body itself, inflates it in
steps and gives up past a cap, so an answer is either a reasonable size or a
transport error that the collector retries and, in the end, reports.
"""

from __future__ import annotations

import zlib

import httpx
from kiota_http.middleware import BaseMiddleware

_ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS, "identity": None, "": None}


class BodyTooLarge(httpx.RemoteProtocolError):
    """An answer whose body, inflated, is larger than the cap."""


class BoundedBodyHandler(BaseMiddleware):
    """Reads answers whole, inflating gzip or deflate, never past ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__()
        self.max_bytes = max_bytes

    async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
        request.headers["Accept-Encoding"] = "gzip, deflate"  # only what this handler can bound
        response = await super().send(request, transport)
        try:
            content = await self._read(response)
        finally:
            await response.aclose()
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _INFLATED_AWAY]
        return httpx.Response(
            response.status_code, headers=headers, content=content, request=request, extensions=response.extensions
        )

    async def _read(self, response: httpx.Response) -> bytes:
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in _ENCODINGS:
            raise httpx.RemoteProtocolError(f"an answer in the unrequested encoding {encoding[:20]!r}")
        wbits = _ENCODINGS[encoding]
        inflater = zlib.decompressobj(wbits) if wbits is not None else None
        body = bytearray()
        async for chunk in response.aiter_raw():
            try:
                body += inflater.decompress(chunk, self.max_bytes + 1 - len(body)) if inflater else chunk
            except zlib.error as exc:
                raise httpx.RemoteProtocolError(f"a garbled {encoding} answer ({exc})") from None
            if len(body) > self.max_bytes:
                raise BodyTooLarge(f"an answer larger than {self.max_bytes:,} bytes (inflated) was refused")
        return bytes(body)


_INFLATED_AWAY = frozenset({"content-encoding", "content-length", "transfer-encoding"})
