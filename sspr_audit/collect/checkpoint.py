"""Resume an interrupted collection without asking Graph twice.

The checkpoint is an append-only JSON-lines file (mode 0600): a header that
says which collection it belongs to, one line per data source read, and one
line per finished ``$batch`` with the methods of the users it returned.
The file is created only once a user has been read: a run that fails
before (a wrong token, no credentials, Graph unreachable) leaves nothing
to resume, and a checkpoint holding no user is replaced without asking.
Every line is fsynced before the collection moves on, so a crash, a
Ctrl-C or a SIGKILL loses at most the batch in flight; a line torn by the
kill is dropped when the file is opened again.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sspr_audit.collect.batch import Outcome
from sspr_audit.collect.errors import CheckpointError
from sspr_audit.collect.spool import Spool
from sspr_audit.errors import OutputError
from sspr_audit.files import FILE_MODE, ensure_private_dir
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import SourceState, SourceStatus
from sspr_audit.text import clean_json, encode

FORMAT = "sspr-audit-checkpoint/1"


class Checkpoint:
    """What a collection has read so far, on disk."""

    def __init__(self, path: Path, fd: int, header: dict[str, Any]) -> None:
        self.path = path
        self._fd = fd
        self.header = header
        self.sources: dict[str, tuple[SourceStatus, Any]] = {}
        self.methods: dict[str, list[Any]] = {}  # read before a resume (those read since are only written)
        self._pending: list[dict[str, Any]] = []  # records kept until the first user is read

    @classmethod
    def open(cls, path: Path, identity: dict[str, Any], resume: bool) -> Checkpoint:
        """Start a checkpoint at ``path``, or continue the one there when ``resume``."""
        path = Path(path)
        header = {"kind": "header", "format": FORMAT, **identity}
        if path.exists():
            records, good_length, length = _read(path)
            if _holds_users(records):
                if not resume:
                    raise CheckpointError(
                        f"{path} holds an unfinished collection: add --resume to continue it,"
                        " or delete the file to start over"
                    )
                return cls._reopen(path, header, records, good_length if good_length < length else None)
            _discard(path)  # nothing read worth keeping: start over
        return cls(path, -1, header)

    def _create(self) -> None:
        """Write the file, its header and what was kept in memory until a user was read."""
        ensure_private_dir(self.path.parent)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, FILE_MODE)
            os.fchmod(self._fd, FILE_MODE)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot create the checkpoint ({exc.strerror})") from None
        pending, self._pending = self._pending, []
        for record in (self.header, *pending):
            self._write(record)
        _sync_dir(self.path.parent)

    @classmethod
    def _reopen(
        cls, path: Path, header: dict[str, Any], records: list[dict[str, Any]], torn_at: int | None
    ) -> Checkpoint:
        stored = records[0]
        if stored != header:
            differences = sorted(k for k in set(stored) | set(header) if stored.get(k) != header.get(k))
            raise CheckpointError(
                f"{path} belongs to another collection (different {', '.join(differences)}): resume with the"
                " same tenant and options, or delete the checkpoint to start over"
            )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            os.fchmod(fd, FILE_MODE)
            if torn_at is not None:
                os.truncate(path, torn_at)  # drop a line torn by a kill
        except OSError as exc:
            raise CheckpointError(f"{path}: cannot reopen the checkpoint ({exc.strerror})") from None
        checkpoint = cls(path, fd, header)
        for line, record in enumerate(records[1:], 2):
            try:
                checkpoint._load(record)
            except (KeyError, TypeError, ValueError):
                checkpoint.close()
                raise CheckpointError(
                    f"{path}: line {line} is not what sspr-audit writes (crafted or from another tool);"
                    " delete the checkpoint and collect again"
                ) from None
        return checkpoint

    def _load(self, record: dict[str, Any]) -> None:
        """Take one record back; a value of a shape sspr-audit never writes raises ValueError or TypeError."""
        if record.get("kind") == "source":
            status, data = record["status"], record.get("data")
            loaded = SourceStatus(**{**status, "state": SourceState(status["state"])})
            if loaded.source != record["name"] or not _source_shape(loaded.source, data):
                raise ValueError
            self.sources[record["name"]] = (loaded, data)
        elif record.get("kind") == "methods":
            users = record["users"]
            if not isinstance(users, dict) or not all(
                isinstance(v, list) and all(isinstance(m, dict) for m in v) for v in users.values()
            ):
                raise ValueError
            self.methods.update(users)

    def reusable(self, name: str) -> tuple[SourceStatus, Any] | None:
        """A source read (or refused) before, worth reusing; failed reads are tried again."""
        found = self.sources.get(name)
        if found and found[0].state in (SourceState.READ, SourceState.NOT_PERMITTED):
            return found
        return None

    def record_source(self, status: SourceStatus, data: Any) -> None:
        """Keep one source's status and raw Graph data."""
        self.sources[status.source] = (status, data)
        self._append({"kind": "source", "name": status.source, "status": to_dict(status), "data": data})

    def record_methods(self, outcomes: Iterable[Outcome]) -> None:
        """Keep the methods of the users one batch returned (failures are retried on resume)."""
        users = {o.key: o.body.get("value") or [] for o in outcomes if o.ok and isinstance(o.body, dict)}
        if users:
            self._append({"kind": "methods", "users": users})

    def _append(self, record: dict[str, Any]) -> None:
        if self._fd < 0:
            if not _carries_users(record):
                self._pending.append(record)
                return
            self._create()
        self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        try:
            for piece in _line(record):
                os.write(self._fd, encode(piece))
            os.fsync(self._fd)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write the checkpoint ({exc.strerror})") from None

    def close(self) -> None:
        """Close the file, keeping it for a later resume."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def remove(self) -> None:
        """The collection finished: the checkpoint has served."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


_ITEMS_PER_PIECE = 1000


def _line(record: dict[str, Any]) -> Iterator[str]:
    """The record as one JSON line, in pieces: a million listed users never become one string.

    The long list is the record's data (the users), or the last value in it (the events of the window);
    it is written a thousand items at a time, taken from the spool when it is one.
    """
    found = _long_list(record)
    if found is None:
        yield _dumps(record) + "\n"
        return
    head, items, tail = found
    yield head
    pieces, first = iter(items), True
    while piece := [_dumps(item) for item in itertools.islice(pieces, _ITEMS_PER_PIECE)]:
        yield ("" if first else ",") + ",".join(piece)
        first = False
    yield tail


def _long_list(record: dict[str, Any]) -> tuple[str, Iterable[Any], str] | None:
    """The text before the record's long list, the list, and the text after it; None when it has none."""
    if not record or next(reversed(record)) != "data":
        return None
    data = record["data"]
    if _long(data):
        return _opening(record, "data") + "[", data, "]}\n"
    if isinstance(data, dict) and data and _long(last := data[key := next(reversed(data))]):
        return _opening(record, "data") + _opening(data, key) + "[", last, "]}}\n"
    return None


def _long(value: Any) -> bool:
    return isinstance(value, Spool) or (isinstance(value, list) and len(value) > _ITEMS_PER_PIECE)


def _opening(obj: dict[str, Any], last: str) -> str:
    """The JSON of ``obj`` up to the value of its last key, ``last``."""
    before = _dumps({k: v for k, v in obj.items() if k != last})[:-1]
    return before + ("," if len(obj) > 1 else "") + _dumps(last) + ":"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _read(path: Path) -> tuple[list[dict[str, Any]], int, int]:
    """The records of the checkpoint at ``path``, the bytes they take and the file's size."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read the checkpoint ({exc.strerror})") from None
    records, good_length = _parse(path, raw)
    if not records or records[0].get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an sspr-audit checkpoint; delete it or choose another path")
    return records, good_length, len(raw)


def _carries_users(record: dict[str, Any]) -> bool:
    """Whether a record holds what a user read costs: the users list, or some user's methods."""
    if record.get("kind") == "methods":
        return bool(record.get("users"))
    return record.get("kind") == "source" and record.get("name") == "users" and bool(record.get("data"))


def _holds_users(records: list[dict[str, Any]]) -> bool:
    return any(_carries_users(record) for record in records[1:])


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot replace the empty checkpoint ({exc.strerror})") from None


def _parse(path: Path, raw: bytes) -> tuple[list[dict[str, Any]], int]:
    """The complete records, and the byte length they take; only the last line may be torn."""
    records: list[dict[str, Any]] = []
    offset = 0
    lines = raw.split(b"\n")
    for index, line in enumerate(lines):
        is_last = index == len(lines) - 1
        if is_last and not line:
            break
        try:
            record = clean_json(line, json.loads(line))
            if not isinstance(record, dict) or is_last:  # an unterminated last line is torn even if it parses
                raise ValueError
        except ValueError:
            if is_last:
                break
            raise CheckpointError(
                f"{path}: line {index + 1} is damaged; delete the checkpoint and collect again"
            ) from None
        records.append(record)
        offset += len(line) + 1
    return records, offset


# Sources whose data is a list of objects with ids, or of objects; the others' data is one object.
_LISTS = frozenset({"users", "registration_details", "groups", "method_target_groups"})
_PLAIN_LISTS = frozenset({"subscribed_skus", "subscriptions"})


def _source_shape(name: str, data: Any) -> bool:
    """Whether ``data`` has the shape a read of source ``name`` gives: a list of objects (with ids), or an object."""
    if data is None:
        return True
    if name in _PLAIN_LISTS:
        return isinstance(data, list) and all(isinstance(i, dict) for i in data)
    if name not in _LISTS:
        return isinstance(data, dict)
    return isinstance(data, list) and all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in data)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
