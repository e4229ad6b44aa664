"""Graph's user JSON -> licences, creation time, last sign-in: absent is "not read", wrong types are noted."""

from __future__ import annotations

from sspr_audit.collect.mapping import map_user
from sspr_audit.snapshot.models import CollectionState

BASE = {"id": "u1", "userPrincipalName": "u1@contoso.com", "userType": "Member", "accountEnabled": True}


def test_the_later_sign_in_is_kept_and_licences_are_their_sku_ids():
    user = map_user(
        {
            **BASE,
            "assignedLicenses": [{"disabledPlans": [], "skuId": "sku-e3"}, {"disabledPlans": ["p"], "skuId": "sku-p2"}],
            "createdDateTime": "2023-01-02T03:04:05Z",
            "signInActivity": {
                "lastSignInDateTime": "2026-10-01T08:00:00Z",
                "lastNonInteractiveSignInDateTime": "2026-11-02T09:30:00.123Z",
            },
        }
    )
    assert user.assigned_licenses == ("sku-e3", "sku-p2") and user.created_at == "2023-01-02T03:04:05Z"
    assert user.last_sign_in == "2026-11-02T09:30:00.123Z"
    assert user.collection.state == CollectionState.OK


def test_absent_is_not_read_and_null_activity_is_never_signed_in():
    absent = map_user(BASE)
    assert (absent.assigned_licenses, absent.created_at, absent.last_sign_in) == (None, None, None)
    never = map_user({**BASE, "assignedLicenses": [], "signInActivity": None})
    assert never.assigned_licenses == () and never.last_sign_in is None


def test_values_of_the_wrong_type_are_dropped_and_noted():
    user = map_user({**BASE, "assignedLicenses": "E3", "signInActivity": {"lastSignInDateTime": 5}})
    assert user.assigned_licenses is None and user.last_sign_in is None  # unknown, never "no licence"
    assert user.collection.state == CollectionState.PARTIAL
    assert "assignedLicenses (not a list)" in user.collection.reason
    assert "signInActivity.lastSignInDateTime (a number, not text)" in user.collection.reason
