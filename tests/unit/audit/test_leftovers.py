"""What an audit leaves behind: its result, not the working records it judged each user with."""

from __future__ import annotations

import gc

from sspr_audit.audit import engine, policy
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.readiness import Assessment, PhoneCheck
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
