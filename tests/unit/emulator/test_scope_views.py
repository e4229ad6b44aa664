"""The emulator serves assignedLicenses, signInActivity and mailboxSettings with Graph v1.0's names and shapes."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest

from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot.models import Snapshot
from tests.builders import DATA
from tests.builders.emulator import ALICE, BOB, CAROL, small_tenant

TOKEN = EmulatorConfig().token
TYPES = json.loads((DATA / "graph_v1_properties.json").read_text())["types"]  # Graph v1.0's metadata
E3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"


def tenant() -> Snapshot:
    base = small_tenant()
    values = {
        ALICE: {
            "assigned_licenses": (E3,),
            "created_at": "2023-04-05T06:07:08Z",
            "last_sign_in": "2026-11-01T10:00:00Z",
        },
        BOB: {"assigned_licenses": (), "created_at": "2021-01-01T00:00:00Z", "mailbox_purpose": "shared"},
        CAROL: {"mailbox_purpose": "none"},
    }
    users = tuple(dataclasses.replace(u, **values.get(u.id, {})) for u in base.users)
    return dataclasses.replace(base, users=users)


def client(config: EmulatorConfig | None = None):
    return emulator_in_thread(tenant(), config or EmulatorConfig(throttle="off"))


def get(url: str, path: str) -> httpx.Response:
    with httpx.Client(base_url=url + "/v1.0", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as c:
        return c.get(path)


def test_user_properties_have_graph_names_and_shapes():
    with client() as emulator:
        alice = get(emulator.url, f"/users/{ALICE}?$select=id,assignedLicenses,createdDateTime,signInActivity").json()
        bob = get(emulator.url, f"/users/{BOB}?$select=id,assignedLicenses,signInActivity").json()
        plain = get(emulator.url, f"/users/{ALICE}").json()
    assert alice["assignedLicenses"] == [{"disabledPlans": [], "skuId": E3}]
    assert alice["createdDateTime"] == "2023-04-05T06:07:08Z"
    activity = alice["signInActivity"]
    assert activity["lastNonInteractiveSignInDateTime"] == "2026-11-01T10:00:00Z"
    assert activity["lastSignInDateTime"] < activity["lastNonInteractiveSignInDateTime"]
    assert set(activity) == set(TYPES["signInActivity"]["properties"])
    assert set(alice["assignedLicenses"][0]) == set(TYPES["assignedLicense"]["properties"])
    assert bob["assignedLicenses"] == [] and bob["signInActivity"] is None  # never signed in
    assert "signInActivity" not in plain and "assignedLicenses" not in plain  # only when $selected


def test_mailbox_settings_answer_as_graph_does():
    with client() as emulator:
        shared = get(emulator.url, f"/users/{BOB}/mailboxSettings?$select=userPurpose")
        ordinary = get(emulator.url, f"/users/{ALICE}/mailboxSettings")
        none = get(emulator.url, f"/users/{CAROL}/mailboxSettings?$select=userPurpose")
    assert shared.status_code == 200
    assert shared.json() == {
        "@odata.context": f"https://graph.microsoft.com/v1.0/$metadata#users('{BOB}')/mailboxSettings(userPurpose)",
        "userPurpose": "shared",
    }
    assert ordinary.json()["userPurpose"] == "user" and ordinary.json()["timeZone"] == "UTC"
    assert set(ordinary.json()) - {"@odata.context"} == set(TYPES["mailboxSettings"]["properties"])
    assert none.status_code == 404 and none.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"


@pytest.mark.parametrize(
    ("config", "path", "code"),
    [
        (
            EmulatorConfig(throttle="off", unlicensed=True),
            "/users?$select=id,signInActivity",
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        ),
        (EmulatorConfig(throttle="off", mailboxes_denied=True), f"/users/{ALICE}/mailboxSettings", "ErrorAccessDenied"),
    ],
)
def test_variants_refuse_as_graph_does(config, path, code):
    with client(config) as emulator:
        refused = get(emulator.url, path)
        without = get(emulator.url, "/users?$select=id,assignedLicenses")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == code
    assert without.status_code == 200  # the list without signInActivity is still served
