"""Scope hygiene through the emulator: licences, sign-ins and mailbox purposes, each readable and not."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sspr_audit.audit import engine
from sspr_audit.collect.collector import collect
from sspr_audit.collect.options import CollectOptions
from sspr_audit.demo import demo_policy_path
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import Snapshot, Source, SourceState

NOW = "2026-11-20T09:00:00Z"
TOKEN = EmulatorConfig().token
SET_ASIDE = {"shared_mailbox", "room_mailbox", "equipment_mailbox", "unlicensed_member", "stale_account"}


def truth() -> Snapshot:
    return generate_tenant(70, 3, collected_at=NOW)


def run(config: EmulatorConfig) -> tuple[Snapshot, Any]:
    with emulator_in_thread(truth(), config) as emulator:
        groups = tuple(g.display_name for g in truth().tenant.groups)
        options = CollectOptions(
            access_token=TOKEN, graph_url=emulator.url, backoff_base=0.01, concurrency=4, scope_groups=groups
        )
        snapshot, _ = asyncio.run(collect(options, now=NOW))
        return snapshot, emulator.stats


def audit(snapshot: Snapshot):
    return engine.run(snapshot, engine.load_policy(demo_policy_path(), snapshot), generated_at=NOW)


def reasons(result) -> Counter:
    return Counter(u.not_used for u in result.users if u.not_used)


def test_every_source_read_sets_the_unused_accounts_aside_and_mailboxes_ride_in_batches():
    snapshot, served = run(EmulatorConfig(throttle="off"))
    expected = expected_collection(truth())
    assert [to_dict(u) for u in snapshot.users] == [to_dict(u) for u in expected.users]
    assert snapshot.tenant.source(Source.SIGN_IN_ACTIVITY.value).state == SourceState.READ
    assert snapshot.tenant.source(Source.MAILBOX_SETTINGS.value).state == SourceState.READ
    members = [u for u in snapshot.users if (u.user_type or "").lower() == "member"]
    mailbox_route = next(name for name in served.by_route if "mailboxSettings" in name)
    assert served.by_route[mailbox_route] == len(members)  # asked once per enabled member, never of guests
    assert all(u.mailbox_purpose is None for u in snapshot.users if u not in members)
    assert served.http_requests < served.graph_requests - len(members)  # the mailbox reads went inside $batch
    result = audit(snapshot)
    assert reasons(result) == {
        "shared_mailbox": 1,
        "resource_mailbox": 2,
        "no_licence": 1,
        "no_sign_in": 2,
    }
    assert next(p.value for p in result.policy if p.name == "Not counted (no one resets there)") == (
        "[[exclude]] patterns: 2; shared mailboxes: 1; room and equipment mailboxes: 2; accounts with no licence: 1;"
        " accounts with no recent sign-in: 2"
    )


def test_a_tenant_without_p1_is_listed_again_without_sign_ins_and_keeps_its_idle_users_counted():
    snapshot, _ = run(EmulatorConfig(throttle="off", unlicensed=True))
    expected = expected_collection(truth(), registration_permitted=False)
    assert [to_dict(u) for u in snapshot.users] == [to_dict(u) for u in expected.users]
    sign_ins = snapshot.tenant.source(Source.SIGN_IN_ACTIVITY.value)
    assert (sign_ins.state, sign_ins.http_status, sign_ins.error_code) == (
        SourceState.NOT_PERMITTED,
        403,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
    )
    assert sign_ins.permission == "AuditLog.Read.All (and an Entra ID P1 or P2 licence)"
    assert all(u.last_sign_in is None for u in snapshot.users)
    result = audit(snapshot)
    assert "no_sign_in" not in reasons(result) and reasons(result)["shared_mailbox"] == 1
    assert any(a.startswith("Sign-in activity was refused (HTTP 403") for a in result.assumptions)
    assert "accounts with no recent sign-in: not read, all counted" in next(
        p.value for p in result.policy if p.name == "Not counted (no one resets there)"
    )


def test_mailbox_settings_refused_keeps_mailboxes_counted_and_says_so():
    snapshot, _ = run(EmulatorConfig(throttle="off", mailboxes_denied=True))
    mailboxes = snapshot.tenant.source(Source.MAILBOX_SETTINGS.value)
    assert (mailboxes.state, mailboxes.http_status, mailboxes.error_code, mailboxes.permission) == (
        SourceState.NOT_PERMITTED,
        403,
        "ErrorAccessDenied",
        "MailboxSettings.Read",
    )
    assert all(u.mailbox_purpose is None for u in snapshot.users)
    result = audit(snapshot)
    assert not {"shared_mailbox", "resource_mailbox"} & set(reasons(result))
    assert reasons(result)["no_licence"] == 4  # the mailboxes have no licence: set aside for that instead
    assert any(a.startswith("Mailbox purposes were refused (HTTP 403 ErrorAccessDenied)") for a in result.assumptions)
