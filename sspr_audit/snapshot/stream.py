"""Read a snapshot file a piece at a time: a million-user snapshot never exists as one string or JSON tree.

The file is inflated (when gzipped) and decoded in chunks; the top-level
object is parsed key by key with :meth:`json.JSONDecoder.raw_decode`, and
the ``users`` array one element at a time, each element handed on as soon
as it is parsed so it can become a :class:`~sspr_audit.snapshot.models.User`
(and be judged) before the next is read. Syntax errors carry the line and column in the
whole file, as :func:`json.loads` would give them.
"""

from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sspr_audit.errors import SnapshotError
from sspr_audit.text import clean_json_text

CHUNK = 1 << 20
# A gzip bomb inflates a thousandfold; a snapshot's JSON, some tens of times. Anything past this is refused.
INFLATION_RATIO = 100
MIN_INFLATED_BYTES = 64 * 1024 * 1024
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()


class NotAnObject(Exception):
    """The file's JSON does not start with ``{``: not a snapshot, so it is read whole for the usual message."""


def text_chunks(path: Path, handle: IO[bytes]) -> Iterator[str]:
    """The file's text, inflated when gzipped (refused once past the inflation limit), in chunks."""
    first = handle.read(CHUNK)
    pieces = _rest(first, handle)
    if path.name.endswith(".gz") or first[:2] == b"\x1f\x8b":
        size = path.stat().st_size
        pieces = _inflate(pieces, max(MIN_INFLATED_BYTES, INFLATION_RATIO * size), path)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    for piece in pieces:
        if text := decoder.decode(piece):
            yield text
    if text := decoder.decode(b"", final=True):
        yield text


def _rest(first: bytes, handle: IO[bytes]) -> Iterator[bytes]:
    yield first
    yield from iter(lambda: handle.read(CHUNK), b"")


def _inflate(pieces: Iterator[bytes], limit: int, path: Path) -> Iterator[bytes]:
    """One or more gzip members inflated, a chunk at a time; EOFError when the last one is cut short."""
    inflater, fed, total = zlib.decompressobj(16 + zlib.MAX_WBITS), False, 0
    for data in pieces:
        while data:
            fed = True
            out = inflater.decompress(data, CHUNK)
            while out:
                total += len(out)
                if total > limit:
                    raise SnapshotError(
                        f"{path}: inflates past {limit:,} bytes, far more than a snapshot of its size;"
                        " is this a snapshot file?"
                    )
                yield out
                full = len(out) == CHUNK and not inflater.eof and not inflater.unconsumed_tail
                out = inflater.decompress(b"", CHUNK) if full else b""  # output may wait without more input
            if inflater.eof:
                data, inflater, fed = inflater.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS), False
            else:
                data = inflater.unconsumed_tail
    if fed and not inflater.eof:
        raise EOFError("compressed file ended before the end-of-stream marker was reached")


class Scanner:
    """The top-level JSON object of a chunked text, its ``users`` array element by element."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._lines = 0  # line breaks in the text dropped from the buffer
        self._column = 0  # characters after the last of them

    def members(self) -> Iterator[tuple[str, Any]]:
        """The top-level object's members in order; the ``users`` array comes as an iterator of its elements.

        That iterator is to be read through before the next member is asked for; whatever of it is left
        unread is then parsed and dropped.
        """
        self._skip()
        if self._peek() != "{":
            raise NotAnObject
        self._pos += 1
        self._skip()
        if self._peek() == "}":
            self._pos += 1
            return self._end()
        while True:
            self._skip()
            if self._peek() != '"':
                raise self._error("Expecting property name enclosed in double quotes")
            key = self._value()
            self._skip()
            self._expect(":", "Expecting ':' delimiter")
            self._skip()
            if key == "users" and self._peek() == "[":
                elements = self._elements()
                yield key, elements
                for _ in elements:
                    pass
            else:
                yield key, self._value()
            self._skip()
            if self._next("Expecting ',' delimiter") == "}":
                return self._end()

    def _elements(self) -> Iterator[Any]:
        self._pos += 1
        self._skip()
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            self._skip()
            yield self._value()
            self._skip()
            if self._next("Expecting ',' delimiter", close="]") == "]":
                return

    def _end(self) -> None:
        self._skip()
        if self._peek():
            raise self._error("Extra data")

    def _value(self) -> Any:
        """The JSON value at the position; a value that ends where the buffer ends waits for more text."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._more(len(self._buf) - self._pos):  # doubling what is held: a huge value is not rescanned
                    continue
                raise self._error(exc.msg, exc.pos) from None
            if end == len(self._buf) and self._more():
                continue  # a number may go on in the next chunk
            start, self._pos = self._pos, end
            return clean_json_text(self._buf, start, end, value)

    def _next(self, message: str, close: str = "}") -> str:
        char = self._peek()
        if char not in (",", close):
            raise self._error(message)
        self._pos += 1
        return char

    def _expect(self, char: str, message: str) -> None:
        if self._peek() != char:
            raise self._error(message)
        self._pos += 1

    def _skip(self) -> None:
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buf) or not self._more():
                return

    def _peek(self) -> str:
        if self._pos >= len(self._buf):
            self._more()
        return self._buf[self._pos : self._pos + 1]

    def _more(self, want: int = 1) -> bool:
        """Append at least ``want`` more characters, dropping what was parsed; False at the end of the text."""
        if self._eof:
            return False
        added: list[str] = []
        while sum(map(len, added)) < want:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._eof = True
                break
            added.append(chunk)
        if not added:
            return False
        done = self._buf[: self._pos]
        breaks = done.count("\n")
        self._lines += breaks
        self._column = len(done) - done.rfind("\n") - 1 if breaks else self._column + len(done)
        self._buf, self._pos = self._buf[self._pos :] + "".join(added), 0
        return True

    def _error(self, message: str, pos: int | None = None) -> json.JSONDecodeError:
        """A syntax error at ``pos`` of the buffer, with its line and column in the whole text."""
        pos = self._pos if pos is None else pos
        breaks = self._buf.count("\n", 0, pos)
        error = json.JSONDecodeError(message, self._buf, pos)
        error.lineno = self._lines + breaks + 1
        error.colno = pos - self._buf.rfind("\n", 0, pos) if breaks else self._column + pos + 1
        return error
