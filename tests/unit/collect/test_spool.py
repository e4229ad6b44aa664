"""The users a collection keeps on disk: given back equal and in order, private, and gone once closed."""

from __future__ import annotations

import os

from sspr_audit.collect.checkpoint import Checkpoint
from sspr_audit.collect.spool import Shelf, Spool
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
