"""Graph items kept on disk while a collection goes on, read back when the snapshot is written.

A million listed users are over a gigabyte as parsed JSON, and their methods
another; only their ids are needed before the end. Each page (or each user's
methods) is written as it arrives, compressed, to a file nobody else can open:
an unnamed temporary file, in the snapshot's folder when there is one, which
disappears with the process, even one killed. Reading back gives equal values
(JSON in, JSON out).
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

_LEVEL = 1  # a page of alike users shrinks fourfold even at the fastest level
_LENGTH_BITS = 32  # a place in the file, held as one number: offset << 32 | length


class _File:
    """An unnamed temporary file that is only appended to, and read back by place."""

    def __init__(self, folder: Path | None) -> None:
        # Mode 0600, and no name that stays; closed by close(), as the file outlives any one block.
        self._file = tempfile.TemporaryFile(buffering=0, dir=folder)  # noqa: SIM115
        self._size = 0

    def append(self, value: Any) -> int:
        """Write ``value`` as compressed JSON; its place in the file."""
        data = zlib.compress(json.dumps(value, separators=(",", ":")).encode("ascii"), _LEVEL)
        if os.pwrite(self._file.fileno(), data, self._size) != len(data):
            raise OSError(f"short write to the temporary file in {self._file.name}")
        place = self._size << _LENGTH_BITS | len(data)
        self._size += len(data)
        return place

    def read(self, place: int) -> Any:
        """The value written at ``place``."""
        offset, length = place >> _LENGTH_BITS, place & ((1 << _LENGTH_BITS) - 1)
        return json.loads(zlib.decompress(os.pread(self._file.fileno(), length, offset)))

    def close(self) -> None:
        """Give the disk space back."""
        self._file.close()


class Spool:
    """Items written a page at a time; iterating reads them all back in order, as often as wanted."""

    def __init__(self, folder: Path | None = None) -> None:
        self._file = _File(folder)
        self._pages: list[int] = []
        self._count = 0

    def add(self, items: Iterable[Any]) -> None:
        """Keep one page of items."""
        items = list(items)
        if items:
            self._pages.append(self._file.append(items))
            self._count += len(items)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        for place in self._pages:
            yield from self._file.read(place)

    def close(self) -> None:
        self._file.close()


class Shelf(Mapping[str, Any]):
    """One value per key, written once and read back by key: memory holds only where each one is."""

    def __init__(self, folder: Path | None = None) -> None:
        self._file = _File(folder)
        self._places: dict[str, int] = {}

    def put(self, key: str, value: Any) -> None:
        self._places[key] = self._file.append(value)

    def __contains__(self, key: object) -> bool:
        return key in self._places

    def __getitem__(self, key: str) -> Any:
        return self._file.read(self._places[key])

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def close(self) -> None:
        self._file.close()
