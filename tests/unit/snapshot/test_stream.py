"""Snapshot files larger than the pieces they are read in: same snapshot, same errors, same places."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from sspr_audit import snapshot
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.errors import SnapshotError
from sspr_audit.snapshot import models, stream
from tests.builders import snapshots as b

PIECE = 16 * 1024  # the files are read in pieces this size here, so each crosses dozens of them


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "CHUNK", PIECE)


@pytest.fixture(scope="module")
def tenant() -> models.Snapshot:
    return generate_tenant(600, seed=5)  # about 0.5 MB of JSON


@pytest.fixture(scope="module")
def data(tenant: models.Snapshot) -> dict:
    return snapshot.to_dict(tenant)


@pytest.fixture(scope="module")
def written(tenant: models.Snapshot, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tenant written plain and gzipped, once for the tests that read it back."""
    folder = tmp_path_factory.mktemp("written")
    return snapshot.write(tenant, folder / "s.json"), snapshot.write(tenant, folder / "s.json.gz")


def test_a_snapshot_of_several_pieces_reads_back_equal_plain_gzipped_and_indented(tmp_path, tenant, data, written):
    plain, gzipped = written
    assert plain.stat().st_size > 20 * PIECE
    assert snapshot.read(plain) == tenant
    assert snapshot.read(gzipped) == tenant
    indented = tmp_path / "indented.json"
    indented.write_text(json.dumps({"schema_version": 2, **data}, indent=2, ensure_ascii=False), encoding="utf-8")
    assert snapshot.read(indented) == tenant


def test_a_snapshot_gzipped_in_two_members_reads_back_equal(tmp_path, tenant):
    text = snapshot.dumps(tenant).encode()
    path = tmp_path / "two.json.gz"
    path.write_bytes(gzip.compress(text[: len(text) // 3]) + gzip.compress(text[len(text) // 3 :]))
    assert snapshot.read(path) == tenant


def test_a_bad_value_deep_in_the_file_is_named_with_its_place(tmp_path, data):
    bad = json.loads(json.dumps(data))
    user = next(i for i, u in enumerate(bad["users"]) if i > 500 and u["methods"])
    bad["users"][user]["methods"][0]["type"] = 7
    path = tmp_path / "bad.json.gz"
    path.write_bytes(gzip.compress(json.dumps(bad).encode()))
    with pytest.raises(SnapshotError) as err:
        snapshot.read(path)
    assert str(err.value) == f"{path}: users[{user}].methods[0].type: expected a string, got a number"


@pytest.mark.parametrize("cut", [0.3, 0.77])
def test_a_truncated_indented_file_names_the_line_and_column_json_would(tmp_path, data, cut):
    text = json.dumps(data, indent=1)
    text = text[: int(len(text) * cut)]
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    path = tmp_path / "cut.json"
    path.write_text(text)
    with pytest.raises(SnapshotError) as err:
        snapshot.read(path)
    where = re.search(r"line (\d+), column (\d+)", str(err.value))
    assert where is not None and "truncated" in str(err.value)
    assert (int(where[1]), int(where[2])) == (expected.value.lineno, expected.value.colno)


def test_a_newer_snapshot_says_so_though_its_users_hold_fields_this_version_does_not_know(tmp_path, data):
    newer = {**data, "users": [{**u, "sign_in_activity": None} for u in data["users"][:3]], "schema_version": 99}
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(newer))
    with pytest.raises(SnapshotError, match="schema_version 99 is newer than this sspr-audit understands"):
        snapshot.read(path)


def test_text_after_the_snapshot_is_refused(tmp_path, tenant):
    path = tmp_path / "extra.json"
    path.write_text(snapshot.dumps(tenant) + "\n{}")
    with pytest.raises(SnapshotError, match=r"not valid JSON at line 2, column 1 \(Extra data\)"):
        snapshot.read(path)


def test_a_current_snapshot_streams_its_tenant_then_each_user_as_the_whole_read_gives_them(tenant, written):
    for path in written:
        head, users = snapshot.stream_users(path)
        assert head == models.Snapshot(tenant.tenant, ())
        assert next(users) == tenant.users[0]  # the first user comes before the file is read through
        assert (tenant.users[0], *users) == tenant.users


def _unstreamed(tmp_path, data: dict | str) -> tuple[str, int]:
    """How streaming the file ends: ``("at once", 0)`` or ``("after", users taken)``."""
    path = tmp_path / "s.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    try:
        _, users = snapshot.stream_users(path)
    except snapshot.Unstreamable:
        return "at once", 0
    taken = 0
    with pytest.raises(snapshot.Unstreamable):
        for _ in users:
            taken += 1
    return "after", taken


def _small() -> dict:
    return snapshot.to_dict(b.snapshot(*(b.user(f"u{i}", methods=(b.app(),)) for i in range(4))))


@pytest.mark.parametrize(
    ("change", "ends"),
    [
        (lambda d: {"users": d["users"], "tenant": d["tenant"], "schema_version": 3}, ("at once", 0)),
        (lambda d: {**d, "schema_version": 99}, ("after", 4)),
        (lambda d: {**d, "schema_version": 1}, ("after", 4)),  # version 1's tenant is migrated by the whole read
        (lambda d: {k: v for k, v in d.items() if k != "schema_version"}, ("after", 4)),
        (lambda d: {**d, "generator": 7}, ("after", 4)),
        (lambda d: {**d, "extra": 1}, ("after", 4)),
        (lambda d: {**d, "users": [*d["users"][:2], {"id": "x"}, *d["users"][2:]]}, ("after", 2)),
        (lambda d: {**d, "tenant": {**d["tenant"], "id": 7}}, ("at once", 0)),
        (lambda d: json.dumps(d)[:-40], ("after", 4)),
        (lambda d: json.dumps(d) + "{}", ("after", 4)),
        (lambda d: json.dumps([d]), ("at once", 0)),
    ],
)
def test_anything_but_a_current_snapshot_as_written_is_refused_for_the_whole_read(tmp_path, change, ends):
    """The whole read then migrates the file or names its problem; streaming never gives a different answer."""
    assert _unstreamed(tmp_path, change(_small())) == ends


def test_a_repeated_member_after_the_users_is_refused(tmp_path):
    text = snapshot.dumps(b.snapshot(b.user("u0")))
    tenant = json.dumps(json.loads(text)["tenant"])
    assert _unstreamed(tmp_path, text[:-1] + ',"tenant":' + tenant + "}") == ("after", 1)


def test_a_missing_or_unreadable_file_is_refused_for_the_whole_read_to_name(tmp_path):
    with pytest.raises(snapshot.Unstreamable):
        snapshot.stream_users(tmp_path / "missing.json")
    gz = tmp_path / "cut.json.gz"
    gz.write_bytes(gzip.compress(snapshot.dumps(b.snapshot(b.user("u0"))).encode())[:-30])
    _, users = snapshot.stream_users(gz)
    with pytest.raises(snapshot.Unstreamable):
        list(users)


def test_a_version_2_snapshot_streams_as_the_whole_read_gives_it(tmp_path):
    """Version 2 lacks only optional fields, read as "not read" alike by both ways."""
    data = {**_small(), "schema_version": 2}
    for user in data["users"]:
        user.pop("assigned_licenses")
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(data))
    whole = snapshot.read(path)
    head, users = snapshot.stream_users(path)
    assert (head.tenant, tuple(users)) == (whole.tenant, whole.users)
    assert whole.users[0].assigned_licenses is None
