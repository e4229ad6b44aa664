"""Properties of snapshot files: any model round-trips, any input fails only with a one-line SnapshotError.

The model strategy is derived from the dataclass fields and their type hints,
so a field added to :mod:`sspr_audit.snapshot.models` is generated without a change here.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import json
import re
import tempfile
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sspr_audit import snapshot
from sspr_audit.errors import InputError, SnapshotError
from sspr_audit.snapshot import models

# Derandomised: the same examples on every run, so CI cannot fail by chance; no example database is written.
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SOURCE = "<snapshot>"

# All of unicode (no surrogates: those get their own property below).
TEXT = st.text(st.characters(codec=None, exclude_categories=("Cs",)), max_size=12)
# Lone surrogates, as JSON's \ud800 escapes put them into a Python str; a high-low pair would read back as one
# character, so pairs are left out.
SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
TEXT_WITH_SURROGATES = st.text(st.characters(codec=None, exclude_categories=()), max_size=12).filter(
    lambda s: not SURROGATE_PAIR.search(s)
)


def strategy_for(tp: Any, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Values of one model field type: optionals, tuples, nested dataclasses, enums, bool, int, str."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [strategy_for(o, text) for o in typing.get_args(tp) if o is not type(None)]
        return st.one_of(st.none(), *options)
    if origin is tuple:
        return st.lists(strategy_for(typing.get_args(tp)[0], text), max_size=2).map(tuple)
    if dataclasses.is_dataclass(tp):
        return model(tp, text)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(list(tp))
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(min_value=-(2**63), max_value=2**63)
    if tp is str:
        return text
    raise TypeError(f"no strategy for model field type {tp!r}")


def model(cls: type, text: st.SearchStrategy[str] = TEXT) -> st.SearchStrategy[Any]:
    """``st.builds`` of a model dataclass with every field, optional ones included, generated."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: strategy_for(hints[f.name], text) for f in dataclasses.fields(cls)}
    if cls is models.Snapshot:
        fields.update(
            schema_version=st.just(models.SCHEMA_VERSION),
            users=st.lists(model(models.User, text), max_size=2).map(tuple),
        )
    return st.builds(cls, **fields)


snapshots = model(models.Snapshot)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def place_of(path: tuple[str | int, ...]) -> str:
    """A path into the JSON, written as SnapshotError messages write it: ``users[0].methods[1].type``."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every place inside a JSON value, the root excluded."""
    steps = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    out = []
    for key, child in steps:
        out.append((*prefix, key))
        out.extend(paths(child, (*prefix, key)))
    return out


def at(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def assert_one_line_naming(error: SnapshotError, place: str) -> None:
    message = str(error)
    assert isinstance(error, InputError)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{SOURCE}: {place}"), (message, place)


def load_or_error(data: Any) -> models.Snapshot | SnapshotError:
    try:
        return snapshot.from_dict(data, source=SOURCE)
    except SnapshotError as exc:
        return exc


@PROPERTY
@given(value=json_values)
def test_any_json_value_loads_or_gives_a_snapshot_error(value: Any) -> None:
    for data in (
        value,
        {"schema_version": 1, "tenant": value, "users": value},
        {"schema_version": 1, "tenant": value, "users": [value]},
    ):
        result = load_or_error(data)
        if isinstance(result, SnapshotError):
            assert len(str(result).splitlines()) == 1 and str(result).startswith(f"{SOURCE}: ")
        else:
            assert isinstance(result, models.Snapshot)


@PROPERTY
@given(snap=snapshots, data=st.data())
def test_one_change_to_a_valid_snapshot_is_named_where_it_is(snap: models.Snapshot, data: st.DataObject) -> None:
    valid = snapshot.to_dict(snap)
    mutated = copy.deepcopy(valid)
    path = data.draw(st.sampled_from(paths(valid)), label="path")
    parent, last = at(mutated, path[:-1]), path[-1]
    change = data.draw(st.sampled_from(("drop", "replace", "retype", "insert")), label="change")
    if change == "insert":
        where = path if isinstance(at(valid, path), dict) else ()
        target = at(mutated, where)
        key = data.draw(TEXT.filter(lambda k: k not in target), label="unknown key")
        target[key] = data.draw(json_values, label="value")
        result = load_or_error(mutated)
        assert isinstance(result, SnapshotError), f"unknown key {key!r} at {place_of(where)!r} was accepted"
        assert_one_line_naming(result, place_of(where))
        assert "unknown field" in str(result)
        return
    if change == "drop":
        del parent[last]
        if isinstance(parent, list):
            assert load_or_error(mutated) == snapshot.from_dict(mutated)  # a shorter list is still a snapshot
            return
    elif change == "retype":
        current = type(at(valid, path))
        parent[last] = data.draw(
            st.sampled_from([v for v in (None, True, 7, 1.5, "x", [], {}) if type(v) is not current]), label="value"
        )
    else:
        parent[last] = data.draw(json_values, label="value")
    result = load_or_error(mutated)
    if isinstance(result, SnapshotError):
        assert_one_line_naming(result, place_of(path))
    else:
        assert snapshot.from_dict(snapshot.to_dict(result)) == result


@PROPERTY
@given(snap=snapshots, name=st.sampled_from(("s.json", "s.json.gz")))
def test_any_snapshot_round_trips_exactly(snap: models.Snapshot, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = snapshot.write(snap, Path(folder) / name)
        assert snapshot.read(path) == snap
        assert (path.read_bytes()[:2] == b"\x1f\x8b") is name.endswith(".gz")


@PROPERTY
@given(snap=model(models.Snapshot, TEXT_WITH_SURROGATES), name=st.sampled_from(("s.json", "s.json.gz")))
@example(
    snap=models.Snapshot(
        tenant=models.Tenant("\ud800", "a\udfffb", ("\udc00x",), None, "", ""),
        users=(models.User("\udbff", "u\ud800@x", "\\ud800", None, True),),
    ),
    name="s.json",
)
def test_text_with_lone_surrogates_is_written_and_read_back(snap: models.Snapshot, name: str) -> None:
    """Graph's JSON can carry a lone surrogate (an escaped \\ud800); a snapshot holding one must still be saved,
    each lone surrogate visibly replaced by U+FFFD (UTF-8 cannot hold it)."""
    with tempfile.TemporaryDirectory() as folder:
        path = snapshot.write(snap, Path(folder) / name)
        expected = json.loads(re.sub("[\ud800-\udfff]", "\ufffd", snapshot.dumps(snap)))
        assert snapshot.to_dict(snapshot.read(path)) == expected


def read_bytes_as(raw: bytes, name: str) -> models.Snapshot | SnapshotError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(raw)
        try:
            return snapshot.read(path)
        except SnapshotError as exc:
            assert len(str(exc).splitlines()) == 1, str(exc)
            assert str(exc).startswith(str(path))
            return exc


json_bytes = json_values.map(lambda v: json.dumps(v).encode())
file_bytes = st.one_of(
    st.binary(max_size=300),
    json_bytes,
    json_bytes.map(lambda b: gzip.compress(b, mtime=0)),
    st.builds(lambda b, n: b[:n], json_bytes.map(gzip.compress), st.integers(0, 60)),
)


@PROPERTY
@given(raw=file_bytes, name=st.sampled_from(("s.json", "s.json.gz", "snapshot")))
@example(raw=b"[" * 100_000, name="s.json")
@example(raw=b'{"schema_version": 1, "tenant": ' + b"[" * 100_000, name="s.json")
@example(raw=b"1" * 5_000, name="s.json")
@example(raw=b'{"schema_version": ' + b"9" * 5_000 + b"}", name="s.json")
@example(raw=gzip.compress(b"[" * 100_000), name="s.json.gz")
@example(raw=b"\xef\xbb\xbf{}", name="s.json")
@example(raw='{"x": 1}'.encode("utf-16"), name="s.json")
@example(raw=b'{"schema_version": 1, "tenant": "\\ud800", "users": []}', name="s.json")
@example(raw=b"", name="s.json.gz")
def test_any_bytes_read_as_a_snapshot_or_give_a_snapshot_error(raw: bytes, name: str) -> None:
    result = read_bytes_as(raw, name)
    assert isinstance(result, models.Snapshot | SnapshotError)


@PROPERTY
@given(snap=snapshots, data=st.data())
def test_a_cut_or_corrupted_snapshot_file_gives_a_snapshot_error(snap: models.Snapshot, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        good = snapshot.write(snap, Path(folder) / data.draw(st.sampled_from(("s.json", "s.json.gz"))))
        raw = good.read_bytes()
    cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
    flip = data.draw(st.integers(0, len(raw) - 1), label="flip")
    for broken in (raw[:cut], raw[:flip] + bytes([raw[flip] ^ 0xFF]) + raw[flip + 1 :]):
        assert isinstance(read_bytes_as(broken, good.name), models.Snapshot | SnapshotError)
    assert isinstance(read_bytes_as(raw[:cut], good.name), SnapshotError)
