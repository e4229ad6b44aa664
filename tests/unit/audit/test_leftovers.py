"""What an audit leaves behind: its result, not the working records it judged each user with."""

from __future__ import annotations

import gc
from dataclasses import replace

from sspr_audit.audit import engine, policy
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.readiness import Assessment, PhoneCheck
from sspr_audit.snapshot.models import User
from tests.builders import snapshots as b


def _alive(*kinds: type) -> int:
    return sum(isinstance(o, kinds) for o in gc.get_objects())


def test_no_working_record_outlives_the_audit_when_phonenumbers_rejects_a_number():
    users = [b.user(f"u{i}", methods=(b.app(),), mobile_phone="+999 1234567") for i in range(3)]
    snap = b.snapshot(*users)
    was_enabled = gc.isenabled()
    gc.disable()  # no collection may free a leftover before it is counted
    try:
        result = engine.run(snap, policy.resolve({}, snap.tenant), generated_at="2026-11-23T00:00:00Z")
        gc.unfreeze()  # the audit freezes what is alive at its end: a leftover would be frozen with it
        leftovers = _alive(Assessment, Judged, PhoneCheck)
    finally:
        if was_enabled:
            gc.enable()
    assert any(f.rule == "PHN003" for f in result.findings)  # the unknown country code was read and reported
    assert leftovers == 0


def test_users_handed_over_are_judged_alike_and_let_go_once_judged():
    users = [b.user(f"handed{i}", methods=(b.app(),), mobile_phone="+44 20 7946 0000") for i in range(3)]  # shared
    snap = b.snapshot(*users, b.user("handed-solo", methods=(b.app(),), mobile_phone="+44 7700 900123"))
    rules = policy.resolve({}, snap.tenant)
    kept = engine.run(snap, rules, generated_at="2026-11-23T00:00:00Z")
    handed, bare = list(snap.users), replace(snap, users=())
    del users, snap
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = engine.run(bare, rules, generated_at="2026-11-23T00:00:00Z", users=handed)
        gc.unfreeze()
        users_alive = sum(isinstance(o, User) and o.user_principal_name.startswith("handed") for o in gc.get_objects())
    finally:
        if was_enabled:
            gc.enable()
    assert result == kept
    assert sum(f.rule == "PHN005" for f in result.findings) == 3  # the shared number found without the users
    assert handed == []
    assert users_alive == 0  # the results hold each user's Person, not the snapshot's User
