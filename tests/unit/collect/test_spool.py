"""The users a collection keeps on disk: given back equal and in order, private, and gone once closed."""

from __future__ import annotations

import errno
import json
import os

import pytest

from sspr_audit.collect.checkpoint import Checkpoint
from sspr_audit.collect.spool import Shelf, Spool
from sspr_audit.errors import OutputError
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus

NASTY = {"id": "u\u00e9\U0001f600", "n": [1, 2.5, -0.0, None, True, 10**30], "m": {"": "\u2028"}}


def users(count: int) -> list[dict]:
    return [
        {"id": f"user-{i}", "displayName": f"User {i}", "businessPhones": [], "manager": None} for i in range(count)
    ]


def test_items_come_back_equal_in_order_as_often_as_asked(tmp_path):
    spool = Spool(tmp_path)
    pages = [users(3), [], [NASTY], users(1000)]
    for page in pages:
        spool.add(page)
    expected = [item for page in pages for item in page]
    assert len(spool) == len(expected)
    assert list(spool) == expected and list(spool) == expected
    first, second = iter(spool), iter(spool)  # two readers at once: each keeps its own place
    assert [next(first), next(first), next(second)] == [expected[0], expected[1], expected[0]]
    assert os.listdir(tmp_path) == []  # nothing under a name another process could open
    spool.close()


def test_a_shelf_gives_back_each_value_by_key(tmp_path):
    shelf = Shelf(tmp_path)
    shelf.put("a", [{"id": "m1", "phoneNumber": "+1 555"}])
    shelf.put("b", [])
    shelf.put("c", [NASTY])
    assert ("a" in shelf, "b" in shelf, "z" in shelf) == (True, True, False)
    assert dict(shelf) == {"a": [{"id": "m1", "phoneNumber": "+1 555"}], "b": [], "c": [NASTY]}
    assert os.listdir(tmp_path) == []
    shelf.close()


def test_the_checkpoint_writes_spooled_users_as_it_writes_a_list(tmp_path):
    status = SourceStatus(Source.USERS.value, SourceState.READ)
    listed = [*users(2500), NASTY]
    for name, data in (("list", listed), ("short", listed[:10])):
        spool = Spool(tmp_path)
        spool.add(data[:7])
        spool.add(data[7:])
        written = {}
        for kind, held in (("list", data), ("spool", spool)):
            checkpoint = Checkpoint.open(tmp_path / f"{name}-{kind}.checkpoint", {"graph_endpoint": "x"}, resume=False)
            checkpoint.record_source(status, held)
            checkpoint.close()
            written[kind] = (tmp_path / f"{name}-{kind}.checkpoint").read_bytes()
        spool.close()
        assert written["spool"] == written["list"]
        resumed = Checkpoint.open(tmp_path / f"{name}-spool.checkpoint", {"graph_endpoint": "x"}, resume=True)
        assert resumed.sources["users"][1] == data
        resumed.close()


def test_the_checkpoint_writes_spooled_events_as_it_writes_a_list(tmp_path):
    status = SourceStatus(Source.SSPR_EVENTS.value, SourceState.READ)
    events = [{"id": f"e{i}", "initiatedBy": {"user": {"id": f"u{i}"}}} for i in range(2100)]
    spool = Spool(tmp_path)
    spool.add(events)
    written = []
    for held in (events, spool):
        path = tmp_path / f"{len(written)}.checkpoint"
        checkpoint = Checkpoint.open(path, {"graph_endpoint": "x"}, resume=False)
        checkpoint.record_source(SourceStatus(Source.USERS.value, SourceState.READ), [{"id": "u0"}])
        checkpoint.record_source(status, {"since": "2026-01-01T00:00:00Z", "window_days": 30, "events": held})
        checkpoint.close()
        written.append(path.read_bytes())
    spool.close()
    plain = {"since": "2026-01-01T00:00:00Z", "window_days": 30, "events": events}
    record = {"kind": "source", "name": "sspr_events", "status": to_dict(status), "data": plain}
    assert written[0].splitlines()[-1] == json.dumps(record, separators=(",", ":")).encode()  # one JSON line
    assert written[0] == written[1]
    resumed = Checkpoint.open(tmp_path / "1.checkpoint", {"graph_endpoint": "x"}, resume=True)
    assert resumed.sources["sspr_events"][1]["events"] == events
    resumed.close()


def test_a_full_disk_is_an_output_error_that_names_the_folder(tmp_path, monkeypatch):
    spool = Spool(tmp_path)

    def full(fd: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(OutputError, match=f"{tmp_path}.*No space left on device.*--resume"):
        spool.add(users(3))
    spool.close()
    with pytest.raises(OutputError, match="not-a-folder"):
        Spool(tmp_path / "not-a-folder")
