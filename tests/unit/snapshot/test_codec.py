"""Snapshot files: round trip, gzip, the JSON Schema, and clear errors for bad files."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import typing
from pathlib import Path

import jsonschema
import pytest

from sspr_audit import snapshot
from sspr_audit.errors import SnapshotError
from sspr_audit.snapshot import models
from tests.builders import snapshots as b

SCHEMA = json.loads((Path(snapshot.__file__).parent / "snapshot.schema.json").read_text())


def sample() -> models.Snapshot:
    return b.snapshot(
        b.user(
            "alex",
            methods=(b.app(), b.phone("+1 4255550123")),
            mobile_phone="+1 4255550123",
            business_phones=("+1 4255550100",),
            other_mails=("alex@example.org",),
            registered=("microsoftAuthenticatorPush", "mobilePhone"),
            roles=(b.role(),),
            groups=(b.PILOT.id,),
        ),
        b.failed(b.user("sam", registered=("email",))),
        b.user("guest", methods=None, user_type="Guest", display_name=None),
    )


@pytest.mark.parametrize("name", ["snap.json", "snap.json.gz"])
def test_round_trip_is_exact_and_owner_only(tmp_path, name):
    snap = sample()
    path = snapshot.write(snap, tmp_path / name)
    assert snapshot.read(path) == snap
    assert os.stat(path).st_mode & 0o777 == 0o600
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_read_holds_values_users_share_once_and_writes_the_same_bytes(tmp_path):
    """A million-user snapshot fits in memory only if what users hold alike is one object, not one per user."""
    alex = b.user("alex", methods=(b.email("alex@contoso.com"), b.phone("+1 4255550123")), registered=("email",))
    alex = dataclasses.replace(alex, mail=alex.user_principal_name, mobile_phone="+1 4255550123")
    sam = b.user("sam", methods=(b.phone("+1 4255550199"),), registered=("email",), display_name="Alex")
    path = snapshot.write(b.snapshot(alex, sam), tmp_path / "s.json")
    one, two = snapshot.read(path).users
    assert one.methods[0] is two.methods[0]  # the password method
    assert one.methods[2].id is two.methods[1].id  # Graph's fixed id of the mobile phone method
    assert one.mail is one.user_principal_name is one.methods[1].email_address
    assert one.mobile_phone is one.methods[2].phone_number
    assert one.display_name is two.display_name
    assert one.registration.methods_registered is two.registration.methods_registered
    assert snapshot.write(snapshot.read(path), tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_written_snapshot_validates_against_the_schema(tmp_path):
    path = snapshot.write(sample(), tmp_path / "s.json")
    jsonschema.validate(json.loads(path.read_text()), SCHEMA)


def test_schema_documents_every_model_field():
    """The schema and the dataclasses must not drift apart."""
    defs = SCHEMA["$defs"]
    pairs = {
        models.Snapshot: SCHEMA,
        models.Tenant: defs["tenant"],
        models.User: defs["user"],
        models.AuthMethod: defs["authMethod"],
        models.RegistrationDetails: defs["registration"],
        models.RoleAssignment: defs["role"],
        models.SourceStatus: defs["sourceStatus"],
        models.TenantSettings: defs["tenantSettings"],
        models.MethodConfiguration: defs["methodConfiguration"],
        models.Group: defs["group"],
        models.MethodTarget: defs["methodTarget"],
        models.Licence: defs["licence"],
        models.CollectionStatus: defs["collection"],
    }
    for cls, schema in pairs.items():
        assert {f.name for f in dataclasses.fields(cls)} == set(schema["properties"]), cls.__name__
        required = {
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        assert required <= set(schema.get("required", ())) | {"schema_version"}, cls.__name__
    assert set(SCHEMA["$defs"]["sourceStatus"]["properties"]["source"]["enum"]) == {s.value for s in models.Source}
    assert typing.get_type_hints(models.Snapshot)


def write_json(tmp_path, data, name="bad.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def valid_dict() -> dict:
    return snapshot.to_dict(sample())


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(schema_version=99), "schema_version 99 is newer than this sspr-audit understands (3)"),
        (lambda d: d.pop("schema_version"), "schema_version is missing"),
        (lambda d: d["users"][1].update(user_principal_name=None), "users[1].user_principal_name: must not be null"),
        (
            lambda d: d["users"][0]["methods"][1].update(phone_number=5),
            "users[0].methods[1].phone_number: expected a str",
        ),
        (
            lambda d: d["users"][0]["roles"][0].pop("role_name"),
            "users[0].roles[0].role_name: required field is missing",
        ),
        (lambda d: d["users"][0].update(colour="red"), "users[0].colour: unknown field"),
        (lambda d: d["users"][0]["collection"].update(state="meh"), "'meh' is not one of: ok, partial, failed"),
        (lambda d: d.update(users={}), "users: expected a list, got an object"),
    ],
)
def test_malformed_snapshot_names_file_place_and_problem(tmp_path, mutate, expected):
    data = valid_dict()
    mutate(data)
    path = write_json(tmp_path, data)
    with pytest.raises(SnapshotError) as err:
        snapshot.read(path)
    message = str(err.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_truncated_and_non_json_files(tmp_path):
    text = json.dumps(valid_dict())
    with pytest.raises(SnapshotError, match=r"not valid JSON at line 1.*truncated"):
        snapshot.read(write_json(tmp_path, text[: len(text) // 2]))
    gz = tmp_path / "broken.json.gz"
    gz.write_bytes(gzip.compress(text.encode())[:40])
    with pytest.raises(SnapshotError, match="cannot read the file"):
        snapshot.read(gz)
    with pytest.raises(SnapshotError, match="no such snapshot file"):
        snapshot.read(tmp_path / "missing.json")
    with pytest.raises(SnapshotError, match="expected a JSON object"):
        snapshot.read(write_json(tmp_path, [1, 2]))
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\x80garbage")
    with pytest.raises(SnapshotError, match="not UTF-8 JSON"):
        snapshot.read(binary)


def test_failed_write_leaves_previous_snapshot(tmp_path, monkeypatch):
    path = snapshot.write(sample(), tmp_path / "s.json")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    from sspr_audit.errors import OutputError

    with pytest.raises(OutputError, match=r"the disk is full\); the previous file is unchanged"):
        snapshot.write(b.snapshot(b.user("new")), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


@pytest.mark.parametrize(
    ("name", "domains", "label"),
    [
        ("Contoso", ("contoso.com",), "Contoso"),
        ("", ("contoso.com", "contoso.onmicrosoft.com"), "contoso.com"),
        ("", (), "11111111-2222-3333-4444-555555555555"),
    ],
)
def test_a_tenant_is_known_by_its_name_else_its_first_domain_else_its_id(name, domains, label):
    assert b.tenant(display_name=name, verified_domains=domains).label == label


def test_a_version_2_snapshot_loads_with_the_newer_user_fields_not_read(tmp_path):
    data = valid_dict()
    data["schema_version"] = 2
    for user in data["users"]:
        for name in ("assigned_licenses", "created_at", "last_sign_in", "mailbox_purpose"):
            user.pop(name)
    loaded = snapshot.read(write_json(tmp_path, data, "v2.json"))
    assert loaded.schema_version == models.SCHEMA_VERSION == 3
    user = loaded.users[0]
    assert (user.assigned_licenses, user.created_at, user.last_sign_in, user.mailbox_purpose) == (None,) * 4
    assert loaded.tenant.source(models.Source.SIGN_IN_ACTIVITY.value) is None


def test_scope_fields_round_trip(tmp_path):
    u = dataclasses.replace(
        b.user("sales"), assigned_licenses=(), created_at="2024-01-02T03:04:05Z", mailbox_purpose="shared"
    )
    path = snapshot.write(b.snapshot(u), tmp_path / "s.json")
    assert snapshot.read(path).users[0] == u
