"""Graph items kept on disk while a collection goes on, read back when the snapshot is written.

A million listed users are over a gigabyte as parsed JSON, and their methods
another; only their ids are needed before the end. Each page (or each user's
methods) is written as it arrives, compressed, to a file nobody else can open:
an unnamed temporary file, in the snapshot's folder when there is one, which
disappears with the process, even one killed. Reading back gives equal values
(JSON in, JSON out).
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sspr_audit.errors import OutputError

_LEVEL = 1  # a page of alike users shrinks fourfold even at the fastest level
_LENGTH_BITS = 32  # a place in the file, held as one number: offset << 32 | length


class _File:
    """An unnamed temporary file that is only appended to, and read back by place."""

    def __init__(self, folder: Path | None) -> None:
        self._folder = folder or Path(tempfile.gettempdir())
        try:
            # Mode 0600, and no name that stays; closed by close(), as the file outlives any one block.
            self._file = tempfile.TemporaryFile(buffering=0, dir=self._folder)  # noqa: SIM115
        except OSError as exc:
            raise self._error(exc) from None
        self._size = 0

    def append(self, value: Any) -> int:
        """Write ``value`` as compressed JSON; its place in the file."""
        data = zlib.compress(json.dumps(value, separators=(",", ":")).encode("ascii"), _LEVEL)
        try:
            if os.pwrite(self._file.fileno(), data, self._size) != len(data):
                raise OSError(errno.ENOSPC, "short write")
        except OSError as exc:
            raise self._error(exc) from None
        place = self._size << _LENGTH_BITS | len(data)
        self._size += len(data)
        return place

    def _error(self, exc: OSError) -> OutputError:
        return OutputError(
            f"{self._folder}: cannot keep what was read in a temporary file there ({exc.strerror});"
            " free some space and run again (with --resume)"
        )

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
