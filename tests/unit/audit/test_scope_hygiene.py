"""Scope hygiene: accounts nobody resets a password with are set aside, each with its own reason and count.

"A license is required for any user that you intend to benefit from the service" (concept-sspr-licensing);
"administrator accounts are enabled for self-service password reset" by default (concept-sspr-policy,
"Administrator reset policy differences"), so an unlicensed administrator stays counted.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sspr_audit.audit import engine, policy
from sspr_audit.audit.results import Readiness
from sspr_audit.errors import PolicyError
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus
from tests.builders import snapshots as b

COLLECTED = "2026-11-20T09:00:00Z"
READ_ALL = tuple(
    SourceStatus(s, SourceState.READ)
    for s in ("users", "registration_details", Source.SIGN_IN_ACTIVITY.value, Source.MAILBOX_SETTINGS.value)
)
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"


def person(name: str, **changes):
    """A licensed member who signed in last week and has a user mailbox: counted."""
    base = b.user(name, methods=(b.app(),), assigned_licenses=(E3,), last_sign_in="2026-11-13T08:00:00Z")
    defaults = {"mailbox_purpose": "user", "created_at": "2023-01-01T00:00:00Z"}
    return replace(base, **{**defaults, **changes})


def audit(*users, sources=READ_ALL, **declared):
    snap = b.snapshot(*users, sources=sources)
    resolved = policy.resolve({k.replace("__", "."): v for k, v in declared.items()}, snap.tenant)
    return engine.run(snap, resolved, generated_at="2026-11-23T00:00:00Z")


def verdicts(result):
    return {u.user.user_principal_name.split("@")[0]: (u.status, u.not_used, u.reason) for u in result.users}


def setting(result, name):
    return next(p.value for p in result.policy if p.name == name)


def test_each_unused_account_is_set_aside_with_its_own_reason_and_kept_out_of_the_share():
    result = audit(
        person("ana"),
        person("sales", mailbox_purpose="shared"),
        person("boardroom", mailbox_purpose="room"),
        person("projector", mailbox_purpose="equipment"),
        person("nolicence", assigned_licenses=()),
        person("gone", last_sign_in="2026-07-01T10:00:00Z"),
        person("never", last_sign_in=None, created_at="2025-01-05T00:00:00Z"),
        person("newbie", last_sign_in=None, created_at="2026-11-10T00:00:00Z"),
    )
    got = verdicts(result)
    assert got["sales"] == (
        Readiness.SET_ASIDE,
        "shared_mailbox",
        "Not counted: a shared mailbox (mailboxSettings userPurpose is shared).",
    )
    assert got["boardroom"][:2] == got["projector"][:2] == (Readiness.SET_ASIDE, "resource_mailbox")
    assert got["nolicence"] == (
        Readiness.SET_ASIDE,
        "no_licence",
        "Not counted: no licence is assigned (assignedLicenses is empty), and SSPR needs a licence for every"
        " user meant to use it.",
    )
    assert got["gone"] == (
        Readiness.SET_ASIDE,
        "no_sign_in",
        "Not counted: no sign-in for 90 days (last sign-in 2026-07-01).",
    )
    assert got["never"][2] == "Not counted: never signed in, created 2025-01-05 (90+ days ago)."
    assert got["ana"][0] == got["newbie"][0] == Readiness.READY  # a new account never signed in is counted
    assert not Readiness.SET_ASIDE.in_scope and Readiness.SET_ASIDE != Readiness.OUT_OF_SCOPE
    assert setting(result, "Not counted (no one resets there)") == (
        "shared mailboxes: 1; room and equipment mailboxes: 2; accounts with no licence: 1;"
        " accounts with no recent sign-in: 2"
    )
    assert result.warnings[0].startswith("WARNING: exclusions removed 6 of 8 users (shared mailboxes 1,")


def test_switches_off_count_everyone_and_are_named():
    result = audit(
        person("sales", mailbox_purpose="shared"),
        person("nolicence", assigned_licenses=()),
        person("gone", last_sign_in="2025-01-01T00:00:00Z"),
        person("ana"),
        scope__exclude_shared_mailboxes=False,
        scope__require_license=False,
        scope__stale_after_days=0,
    )
    assert {s for s, _, _ in verdicts(result).values()} == {Readiness.READY}
    assert setting(result, "Not counted (no one resets there)") == "none"
    assert setting(result, "Accounts with no recent sign-in") == "counted"


def test_stale_after_days_is_the_policy_value():
    result = audit(person("gone", last_sign_in="2026-10-01T00:00:00Z"), person("ana"), scope__stale_after_days=30)
    assert verdicts(result)["gone"][2] == "Not counted: no sign-in for 30 days (last sign-in 2026-10-01)."


def test_sources_not_read_leave_users_counted_and_say_so():
    refused = SourceStatus(
        Source.SIGN_IN_ACTIVITY.value,
        SourceState.NOT_PERMITTED,
        403,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
    )
    sources = (SourceStatus("users", SourceState.READ), refused)
    result = audit(
        person("gone", last_sign_in=None, created_at="2020-01-01T00:00:00Z", mailbox_purpose=None),
        person("ana", mailbox_purpose=None, assigned_licenses=None),
        sources=sources,
    )
    assert {s for s, _, _ in verdicts(result).values()} == {Readiness.READY}
    said = " ".join(result.assumptions)
    assert (
        "Sign-in activity was refused (HTTP 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant) (needs"
        " AuditLog.Read.All and an Entra ID P1 licence)" in said
    )
    assert "Mailbox purposes were not read" in said
    assert setting(result, "Not counted (no one resets there)") == (
        "shared mailboxes: not read, all counted; room and equipment mailboxes: not read, all counted;"
        " accounts with no licence: 0; accounts with no recent sign-in: not read, all counted"
    )


def test_an_unlicensed_administrator_stays_counted():
    admin = person("admin", assigned_licenses=(), roles=(b.role(),), methods=(b.app(), b.phone("+1 4255550100")))
    result = audit(admin, person("ana"))
    assert verdicts(result)["admin"][0] == Readiness.READY


def test_a_pattern_that_matches_everyone_is_a_critical_finding_and_a_warning():
    users = [person("ana", methods=()), person("bo", methods=()), person("admin", roles=(b.role(),), methods=())]
    clean = audit(*users)
    assert "TEN003" not in {f.rule for f in clean.findings} and clean.warnings == ()
    result = audit(*users, exclude=(policy.Exclusion("*", "everyone"),))
    [finding] = [f for f in result.findings if f.rule == "TEN003"]
    assert finding.severity.value == "critical"
    assert finding.message.startswith("Exclusions removed 3 of 3 users ([[exclude]] patterns 3)")
    assert result.warnings and result.warnings[0].startswith("WARNING: exclusions removed 3 of 3 users")


def test_removing_every_administrator_alone_warns():
    users = [person(n) for n in ("ana", "bo", "cy")]
    admin = person("breakglass", roles=(b.role(),), methods=(b.app(), b.phone("+1 4255550100")))
    result = audit(*users, admin, exclude=(policy.Exclusion("breakglass*", "by design"),))
    assert "every administrator" in result.warnings[0]
    assert "TEN003" in {f.rule for f in result.findings}


@pytest.mark.parametrize("value", [-1, "90", 1.5, True, 4000])
def test_stale_after_days_rejects_what_is_not_days(tmp_path, value):
    path = tmp_path / "policy.toml"
    shown = str(value).lower() if isinstance(value, bool) else repr(value).replace("'", '"')
    path.write_text(f"[scope]\nstale_after_days = {shown}\n")
    with pytest.raises(PolicyError, match=r"\[scope\] stale_after_days"):
        policy.load(path)


def test_policy_init_states_the_defaults():
    text = policy.DEFAULT_POLICY_TOML
    for line in ("# exclude_shared_mailboxes = true", "# require_license = true", "# stale_after_days = 90"):
        assert line in text
