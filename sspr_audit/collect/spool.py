"""Graph items kept on disk while a collection goes on, read back in order when the snapshot is written.

A million listed users are over a gigabyte as parsed JSON, and only their ids
are needed before the end. Each page is written as it arrives, compressed, to
a file nobody else can open: an unnamed temporary file where the system offers
one (it disappears with the process, even one killed), else one removed at
once. Reading it back gives equal values in the same order (JSON in, JSON out).
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

_LEVEL = 1  # a page of alike users shrinks fourfold even at the fastest level


class Spool:
    """Items written a page at a time; iterating reads them all back, as often as wanted."""

    def __init__(self, folder: Path | None = None) -> None:
        # Mode 0600, and no name that stays; closed by close(), as the spool outlives any one block.
        self._file = tempfile.TemporaryFile(buffering=0, dir=folder)  # noqa: SIM115
        self._pages: list[tuple[int, int]] = []  # offset and length of each compressed page
        self._size = 0
        self._count = 0

    def add(self, items: Iterable[Any]) -> None:
        """Keep one page of items."""
        items = list(items)
        if not items:
            return
        data = zlib.compress(json.dumps(items, separators=(",", ":")).encode("ascii"), _LEVEL)
        os.pwrite(self._file.fileno(), data, self._size)
        self._pages.append((self._size, len(data)))
        self._size += len(data)
        self._count += len(items)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        for offset, length in self._pages:
            yield from json.loads(zlib.decompress(os.pread(self._file.fileno(), length, offset)))

    def close(self) -> None:
        """Give the disk space back."""
        self._file.close()
