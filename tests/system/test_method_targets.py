"""Method targets, target groups, licences and the never-synced tenant, collected through the Graph emulator.

A crafted tenant covers every case: a pilot group, a group nested in it, an
excluded group, a group whose members Graph refuses (403) and a group the
policy names that no longer exists. Its collection must equal the expected
snapshot, and the per-user answer on the collected snapshot must be the one
Microsoft's rule gives (concept-authentication-methods-manage).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
from typing import Any

import pytest

from sspr_audit import snapshot as snapshots
from sspr_audit.audit.method_policy import method_availability
from sspr_audit.collect.assemble import Collected, build_snapshot
from sspr_audit.collect.collector import collect, collect_into
from sspr_audit.collect.errors import CheckpointError
from sspr_audit.collect.mapping import map_licences
from sspr_audit.collect.options import CollectOptions
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.emulator.variants import never_synced
from sspr_audit.errors import OutputError
from sspr_audit.snapshot.models import (
    ALL_USERS,
    Group,
    Licence,
    MethodConfiguration,
    MethodTarget,
    Snapshot,
    Source,
    SourceState,
    SourceStatus,
    TenantSettings,
)
from tests.builders.emulator import small_tenant

NOW = "2026-11-26T10:00:00Z"
TOKEN = EmulatorConfig().token
PILOT = Group("0000dddd-0000-4000-8000-000000000001", "SSPR-Pilot-SMS")
FIELD = Group("0000dddd-0000-4000-8000-000000000002", "SSPR-Pilot-SMS-Field")  # nested in PILOT
NO_EMAIL = Group("0000dddd-0000-4000-8000-000000000003", "No-Email-OTP")
HIDDEN = Group("0000dddd-0000-4000-8000-000000000004", "Hidden-Membership")  # members answer 403
GONE = "0000dddd-0000-4000-8000-0000000000ff"  # named by the policy, deleted from the directory
P2 = Licence("84a661c4-e949-4bd2-a560-ed7766fcaf2b", "AAD_PREMIUM_P2", "Enabled", ("AAD_PREMIUM_P2",), True)


def crafted() -> Snapshot:
    """Five users whose answers differ by group: pia (pilot), nico (nested), olga (none), eve (no email), hana."""
    base = small_tenant()
    alice, bob, _, _, _, frank, grace = base.users
    users = (
        dataclasses.replace(alice, groups=(PILOT.id,)),  # pia
        dataclasses.replace(bob, groups=(FIELD.id, PILOT.id)),  # nico: only through the nested group
        dataclasses.replace(grace, groups=()),  # olga
        dataclasses.replace(frank, groups=(NO_EMAIL.id,)),  # eve
    )
    hana = dataclasses.replace(
        grace, id="a0000000-0000-4000-8000-0000000000aa", user_principal_name="hana@contoso.example"
    )
    configs = (
        MethodConfiguration("Sms", "enabled", (MethodTarget(PILOT.id),)),
        MethodConfiguration("Email", "enabled", (MethodTarget(ALL_USERS),), (MethodTarget(NO_EMAIL.id),)),
        MethodConfiguration("Voice", "enabled", (MethodTarget(HIDDEN.id),), office_phone_allowed=True),
        MethodConfiguration("SoftwareOath", "enabled", (MethodTarget(ALL_USERS),), (MethodTarget(HIDDEN.id),)),
        MethodConfiguration(
            "MicrosoftAuthenticator",
            "enabled",
            (MethodTarget(ALL_USERS, authentication_mode="push"), MethodTarget(PILOT.id, authentication_mode="any")),
            software_oath_enabled=False,
        ),
        MethodConfiguration("Fido2", "enabled", (MethodTarget(GONE),)),
        MethodConfiguration("HardwareOath", "disabled", (MethodTarget(FIELD.id),)),
    )
    settings = TenantSettings(
        method_configurations=configs,
        policy_migration_state="migrationInProgress",
        admins_allowed_sspr=False,
        licences=(P2,),
    )
    tenant = dataclasses.replace(base.tenant, settings=settings, groups=(PILOT, FIELD, NO_EMAIL, HIDDEN))
    return Snapshot(tenant=tenant, users=(*users, dataclasses.replace(hana, groups=(HIDDEN.id,))), generator="tests")


def collect_from(url: str, **kwargs: Any) -> Snapshot:
    opts = CollectOptions(access_token=TOKEN, graph_url=url, backoff_base=0.01, concurrency=4)
    snapshot, _ = asyncio.run(collect(opts, now=NOW, **kwargs))
    return snapshot


def test_targets_groups_and_licences_collected_through_the_emulator():
    truth = crafted()
    with emulator_in_thread(truth, EmulatorConfig(throttle="off", unreadable_groups=(HIDDEN.display_name,))) as emu:
        got = collect_from(emu.url)
        casts = emu.stats.by_route["GET /groups/{id}/transitiveMembers/microsoft.graph.user"]
    want = expected_collection(truth, scope_groups=(), unreadable_groups=(HIDDEN.display_name,))
    assert snapshots.to_dict(got.tenant.settings) == snapshots.to_dict(want.tenant.settings)
    assert got.tenant.groups == want.tenant.groups and got.users == want.users
    groups = {g.display_name or g.id: g for g in got.tenant.groups}
    assert [g.display_name for g in got.tenant.groups] == ["SSPR-Pilot-SMS", "No-Email-OTP", "Hidden-Membership", ""]
    assert (groups["Hidden-Membership"].members_state, groups["Hidden-Membership"].http_status) == (
        SourceState.NOT_PERMITTED,
        403,
    )
    assert groups["Hidden-Membership"].permission == "GroupMember.Read.All"
    assert (groups[GONE].members_state, groups[GONE].http_status) == (SourceState.FAILED, 404)
    assert "SSPR-Pilot-SMS-Field" not in groups  # only the disabled HardwareOath names it: not read
    hana = got.users[-1]
    assert hana.groups == ()  # unknown membership, not recorded as none of the hidden group's
    assert got.users[1].groups == (PILOT.id,)  # nested member, reached through transitiveMembers
    target = got.tenant.source(Source.METHOD_TARGET_GROUPS.value)
    assert (target.state, target.http_status, target.permission) == (
        SourceState.NOT_PERMITTED,
        403,
        "GroupMember.Read.All",
    )
    authenticator = next(c for c in got.tenant.settings.method_configurations if c.id == "MicrosoftAuthenticator")
    assert [t.authentication_mode for t in authenticator.include_targets] == ["push", "any"]
    assert authenticator.software_oath_enabled is False
    assert got.tenant.settings.licences == (P2,) and got.tenant.settings.policy_migration_state == "migrationInProgress"
    assert casts == 4  # three target groups (one refused) and a role group; the deleted group 404s on its name


def test_each_user_gets_the_answer_microsofts_rule_gives_on_the_collected_snapshot():
    """concept-authentication-methods-manage: enabled, in an included group (or all users), in no excluded group;
    a group that could not be read and matters makes the answer unknown."""
    truth = crafted()
    with emulator_in_thread(truth, EmulatorConfig(throttle="off", unreadable_groups=(HIDDEN.id,))) as emu:
        got = collect_from(emu.url)
    table = {}
    for user, name in zip(got.users, ("pia", "nico", "olga", "eve", "hana"), strict=True):
        answers = method_availability(got.tenant, user)
        table[name] = {m.method: m.availability.value for m in answers.methods}
    available, no, unknown = "available", "not_available", "unknown"
    assert table == {
        "pia": _row(available, available, unknown, unknown, available, unknown, no),
        "nico": _row(available, available, unknown, unknown, available, unknown, no),
        "olga": _row(no, available, unknown, unknown, available, unknown, no),
        "eve": _row(no, no, unknown, unknown, available, unknown, no),
        "hana": _row(no, available, unknown, unknown, available, unknown, no),
    }
    olga, eve = (method_availability(got.tenant, u) for u in (got.users[2], got.users[3]))
    assert olga.get("Sms").reason == "Sms is enabled only for the group SSPR-Pilot-SMS; this user is not in it"
    assert (
        eve.get("Email").reason == "Email is enabled for all users but this user is in the excluded group No-Email-OTP"
    )
    assert olga.get("Voice").reason.endswith(
        "the members of the group Hidden-Membership could not be read (403: GroupMember.Read.All)"
    )
    assert olga.get("Fido2").reason.endswith(
        f"the members of the group {GONE} could not be read (404 Request_ResourceNotFound)"
    )
    pia = method_availability(got.tenant, got.users[0]).get("MicrosoftAuthenticator")
    assert (pia.authentication_mode, olga.get("MicrosoftAuthenticator").authentication_mode) == ("any", "push")


def _row(*states: str) -> dict[str, str]:
    names = ("Sms", "Email", "Voice", "SoftwareOath", "MicrosoftAuthenticator", "Fido2", "HardwareOath")
    return dict(zip(names, states, strict=True))


def test_a_version_1_snapshot_loads_with_targeting_not_read(tmp_path):
    """Version 1 kept only an all-users flag: the targets load as null and no per-user answer is given."""
    current = snapshots.to_dict(crafted())
    old = json.loads(json.dumps(current))
    old["schema_version"] = 1
    for config in old["tenant"]["settings"]["method_configurations"]:
        config["include_all_users"] = any(t["id"] == ALL_USERS for t in config.pop("include_targets"))
        for key in ("exclude_targets", "software_oath_enabled"):
            config.pop(key)
    old["tenant"]["settings"].pop("licences")
    old["tenant"]["groups"] = [{"id": g["id"], "display_name": g["display_name"]} for g in old["tenant"]["groups"]]
    path = tmp_path / "v1.json.gz"
    path.write_bytes(gzip.compress(json.dumps(old).encode()))
    loaded = snapshots.read(path)
    assert loaded.schema_version == 3 and loaded.tenant.settings.licences is None
    assert all(
        c.include_targets is None and c.exclude_targets is None for c in loaded.tenant.settings.method_configurations
    )
    assert [c.id for c in loaded.tenant.settings.method_configurations][:2] == ["Sms", "Email"]
    assert all(g.members_read for g in loaded.tenant.groups)
    assert method_availability(loaded.tenant, loaded.users[0]) is None
    again = snapshots.read(snapshots.write(loaded, tmp_path / "v2.json"))
    assert again == loaded


def test_never_synced_tenant_reads_as_null_with_the_organization_read():
    """concept-sspr-policy: one gate applies without a custom domain and without synchronisation; Graph says
    onPremisesSyncEnabled null for a tenant that never synced, which the snapshot keeps apart from "not read"."""
    truth = small_tenant()
    with emulator_in_thread(truth, EmulatorConfig(throttle="off", never_synced=True)) as emu:
        got = collect_from(emu.url)
    variant = never_synced(truth)
    assert got.tenant.on_premises_sync_enabled is None and got.tenant.verified_domains == (
        "contosodemo.onmicrosoft.com",
    )
    assert got.tenant.source("organization").state == SourceState.READ
    assert all(
        u.on_premises_sync_enabled is None and u.user_principal_name.endswith("@contosodemo.onmicrosoft.com")
        for u in got.users
    )
    assert got.users == expected_collection(variant, scope_groups=()).users
    refused = Collected("https://graph.microsoft.com", NOW)
    refused.sources[Source.USERS.value] = (SourceStatus("users", SourceState.READ), [])
    refused.sources[Source.ORGANIZATION.value] = (
        SourceStatus("organization", SourceState.NOT_PERMITTED, 403, "Authorization_RequestDenied"),
        None,
    )
    unread = build_snapshot(refused).tenant
    assert unread.on_premises_sync_enabled is None and unread.source("organization").state == SourceState.NOT_PERMITTED


def test_licences_tell_trial_and_paid_apart_and_stay_unknown_when_not_read():
    """concept-sspr-licensing: the SKU and whether its subscriptions are trials decide the licence level."""
    sku = {
        "skuId": P2.sku_id,
        "skuPartNumber": "AAD_PREMIUM_P2",
        "capabilityStatus": "Enabled",
        "servicePlans": [{"servicePlanName": "AAD_PREMIUM_P2"}],
    }
    trial, paid = {"skuId": P2.sku_id.upper(), "isTrial": True}, {"skuId": P2.sku_id, "isTrial": False}
    assert map_licences([sku], [trial]) == (P2,)
    assert map_licences([sku], [trial, paid])[0].is_trial is False  # a paid subscription of the SKU exists
    assert map_licences([sku], None)[0].is_trial is None
    assert map_licences(None, None) is None and map_licences([], []) == ()
    alone = {
        **paid,
        "skuPartNumber": "AAD_PREMIUM_P2",
        "status": "Warning",
        "serviceStatus": [{"servicePlanName": "AAD_PREMIUM_P2"}],
    }
    assert map_licences(None, [alone]) == (dataclasses.replace(P2, status="Warning", is_trial=False),)


def test_target_groups_and_licences_are_kept_in_the_checkpoint_for_resume(tmp_path):
    """A resumed collection takes the groups and subscriptions it read before from the checkpoint."""
    truth = crafted()
    configs = tuple(c for c in truth.tenant.settings.method_configurations if c.id != "Fido2")  # every group exists
    settings = dataclasses.replace(truth.tenant.settings, method_configurations=configs)
    truth = dataclasses.replace(truth, tenant=dataclasses.replace(truth.tenant, settings=settings))
    checkpoint = tmp_path / "run" / "collect.checkpoint"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with emulator_in_thread(truth, EmulatorConfig(throttle="off")) as emu:
        with pytest.raises(OutputError):  # the snapshot cannot be written: the checkpoint stays
            opts = CollectOptions(access_token=TOKEN, graph_url=emu.url, backoff_base=0.01, concurrency=4)
            asyncio.run(collect_into(blocker / "snap.json", opts, now=NOW, checkpoint=checkpoint))
        first = emu.url
    records = [json.loads(line) for line in checkpoint.read_text().splitlines()]
    kept = {r["name"] for r in records if r.get("kind") == "source"}
    assert {"method_target_groups", "subscribed_skus", "subscriptions", "authentication_methods_policy"} <= kept
    refusing = EmulatorConfig(throttle="off", unreadable_groups=tuple(g.id for g in truth.tenant.groups))
    with emulator_in_thread(
        dataclasses.replace(truth, tenant=dataclasses.replace(truth.tenant, settings=TenantSettings())), refusing
    ) as emu:
        checkpoint.write_text(checkpoint.read_text().replace(first, emu.url))
        with pytest.raises(CheckpointError, match="--resume"):
            collect_from(emu.url, checkpoint=checkpoint)
        resumed = collect_from(emu.url, checkpoint=checkpoint, resume=True)
        routes = dict(emu.stats.by_route)
    assert resumed.tenant.settings.licences == (P2,)  # from the checkpoint: this emulator has none
    assert [g.display_name for g in resumed.tenant.groups if g.members_read] == [
        "SSPR-Pilot-SMS",
        "No-Email-OTP",
        "Hidden-Membership",
    ]
    assert not any("transitiveMembers" in str(route) or "ubscri" in str(route) for route in routes)


def test_the_demo_tenant_shows_a_pilot_a_nested_group_and_excluded_groups():
    """how-to-authentication-methods-manage: SMS limited to a pilot group, voice and email with excluded groups;
    each case changes the answer for the handful of demo users placed in it."""
    from sspr_audit.demo.groups import NO_EMAIL, NO_VOICE, SMS_FIELD, SMS_PILOT
    from sspr_audit.demo.tenant import generate_tenant

    demo = generate_tenant(250, 7)
    names = {g.id: g.display_name for g in demo.tenant.groups}
    seen: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for user in demo.users:
        joined = tuple(sorted(names[g] for g in user.groups if names[g] in (SMS_PILOT, SMS_FIELD, NO_VOICE, NO_EMAIL)))
        if joined:
            answers = method_availability(demo.tenant, user)
            seen.setdefault(joined, []).append(
                {m: answers.get(m).availability.value for m in ("Sms", "Voice", "Email")}
            )
    no, yes = "not_available", "available"
    assert seen == {
        (NO_EMAIL,): [{"Sms": no, "Voice": yes, "Email": no}] * 2,
        (NO_VOICE,): [{"Sms": no, "Voice": no, "Email": yes}] * 2,
        (NO_VOICE, SMS_PILOT): [{"Sms": yes, "Voice": no, "Email": yes}] * 2,
        (NO_VOICE, SMS_PILOT, SMS_FIELD): [{"Sms": yes, "Voice": no, "Email": yes}],
        (SMS_PILOT,): [{"Sms": yes, "Voice": yes, "Email": yes}] * 3,
        (SMS_PILOT, SMS_FIELD): [{"Sms": yes, "Voice": yes, "Email": yes}] * 2,
    }
