"""Run every rule over a snapshot: ``run(snapshot, policy) -> AuditResult``.

Pure and synchronous: no I/O, no clock unless ``generated_at`` is left out.
Every verdict is made as of one day (by default the snapshot's collection
date, so last month's snapshot gives last month's verdicts), and the timeline
judges the same users again on each of Microsoft's announced changes after it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sspr_audit import gc_pause
from sspr_audit.audit import phones
from sspr_audit.audit import policy as policy_file
from sspr_audit.audit.denominator import denominator, not_read, summary
from sspr_audit.audit.judged import Judged
from sspr_audit.audit.judged import judged as slim
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import REPORTED_ADMIN, Assessment, assess, gather
from sspr_audit.audit.reality import Comparison, compare, reality
from sspr_audit.audit.results import (
    AuditResult,
    Finding,
    Person,
    PolicySetting,
    Readiness,
    RuleInfo,
    TimelinePoint,
    UserResult,
    finding_order,
)
from sspr_audit.audit.rulebook import Rulebook, parse_day
from sspr_audit.audit.rules.registry import AuditContext, Hit, Rule, all_rules, rule_ids
from sspr_audit.audit.shared_numbers import NumberBook
from sspr_audit.audit.sspr_methods import HARDWARE_OATH, MOBILE_APP
from sspr_audit.audit.tenant_facts import TenantFacts, tenant_facts

__all__ = ["AuditContext", "as_of_day", "load_policy", "run"]
from sspr_audit.errors import InputError
from sspr_audit.snapshot.models import Snapshot, User

AS_OF_COLLECTED = "the snapshot's collection date"
AS_OF_GIVEN = "--as-of"


def load_policy(path: Path | None, snapshot: Snapshot) -> Policy:
    """Read the policy file (if any) and resolve it against the snapshot's tenant."""
    declared = policy_file.load(path, known_rules=rule_ids())
    return policy_file.resolve(declared, snapshot.tenant, source=str(path) if path else None)


def as_of_day(snapshot: Snapshot, given: str | date | None = None) -> tuple[date, str]:
    """The day to judge for, and why that day: ``given``, else the snapshot's collection date."""
    if isinstance(given, date):
        return given, AS_OF_GIVEN
    if given:
        try:
            return parse_day(given), AS_OF_GIVEN
        except ValueError:
            raise InputError(f"--as-of {given[:40]!r}: not a date; use YYYY-MM-DD, e.g. 2027-02-01") from None
    try:
        return parse_day(snapshot.tenant.collected_at), AS_OF_COLLECTED
    except ValueError:
        return datetime.now(UTC).date(), "today (the snapshot's collection time is not a date)"


def run(
    snapshot: Snapshot,
    policy: Policy,
    *,
    generated_at: str | None = None,
    as_of: str | date | None = None,
    users: Iterable[User] | None = None,
) -> AuditResult:
    """Assess every user as of ``as_of`` (default: the collection date) and run every enabled rule.

    ``users``, when given, are the snapshot's users handed over (``snapshot`` then holds none), taken one at a
    time as each is judged: from a list, each is taken out of it; from an iterator (a snapshot read as it is
    judged), each is asked for in turn. A caller that keeps no other reference frees every user's methods and
    contact values once judged, and a million users never exist beside their million results.
    """
    try:
        with gc_pause.paused():
            return _run(snapshot, policy, generated_at, as_of, _one_by_one(snapshot.users if users is None else users))
    finally:
        phones.forget()  # a million users' numbers would otherwise stay cached through the reports


def _one_by_one(users: Iterable[User]) -> Iterator[User]:
    """Each user in turn; a list is emptied as it goes, so it holds no user already judged."""
    if not isinstance(users, list):
        yield from users
        return
    users.reverse()
    while users:
        yield users.pop()


def _run(
    snapshot: Snapshot, policy: Policy, generated_at: str | None, as_of: str | date | None, users: Iterator[User]
) -> AuditResult:
    day, origin = as_of_day(snapshot, as_of)
    book = Rulebook(day)
    tenant = tenant_facts(snapshot, policy, day)
    rules = all_rules()
    active = [r for r in rules if r.id not in policy.disabled_rules]
    ctx, findings, licences_read = _judge_each(
        AuditContext(snapshot.tenant, policy), users, [r for r in active if r.scope == "user"], tenant, book
    )
    unread = not_read(snapshot.tenant, policy, licences_read)
    for r in active:
        if r.scope != "user":
            for hit in r.check(ctx):
                who = ctx.judged[hit.user_index].user if hit.user_index is not None else None
                findings.append(_finding(r, hit, who, policy))
    findings.sort(key=finding_order)
    judged = ctx.judged
    counted = denominator(policy, judged)
    return AuditResult(
        tenant=snapshot.tenant,
        users=tuple(j.result for j in judged),
        findings=tuple(findings),
        rules=tuple(_rule_info(r, policy) for r in rules),
        policy=(
            *policy.settings(),
            _licence_setting(tenant),
            PolicySetting("Not counted (no one resets there)", summary(unread, counted), "tenant"),
        ),
        policy_source=policy.source,
        generated_at=generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        fail_on=policy.fail_on,
        as_of=book.day,
        as_of_origin=origin,
        timeline=_timeline(book, judged),
        assumptions=(
            *_assumptions(snapshot, policy, judged, tenant),
            *dict.fromkeys(unread.values()),
        ),
        warnings=(counted.warning,) if counted.warning else (),
        reality=ctx.reality,
    )


def _judge_each(
    ctx: AuditContext, users: Iterator[User], user_rules: list[Rule], tenant: TenantFacts, book: Rulebook
) -> tuple[AuditContext, list[Finding], bool]:
    """Judge each user, run the per-user rules and compare with the audit events, keeping only the slim record.

    Returns the context, holding every judged user and the comparison for the rules over all users; the
    findings so far; and whether any user's licences were read (or there was no user).
    """
    policy = ctx.policy
    events_read = ctx.tenant.events is not None
    findings: list[Finding] = []
    judged: list[Judged] = []
    comparisons: list[Comparison] = []
    shared: dict[Any, Any] = {}
    numbers = NumberBook(policy)
    licences_read = False
    for i, user in enumerate(users):
        licences_read = licences_read or user.assigned_licenses is not None
        a = assess(gather(i, user, policy, tenant), policy, book)
        if a.in_scope:
            numbers.add(i, a.phones)
        for r in user_rules:
            findings.extend(_finding(r, hit, user, policy) for hit in r.check(a, ctx))
        if events_read and (comparison := compare(a, policy)) is not None:
            comparisons.append(comparison)
        judged.append(slim(a, _user_result(a), shared))
    everyone = tuple(judged)
    return (
        replace(
            ctx,
            judged=everyone,
            reality=reality(ctx.tenant, tuple(comparisons)),
            shared_numbers=numbers.holders(everyone),
        ),
        findings,
        licences_read or not everyone,
    )


def _finding(rule: Rule, hit: Hit, user: User | Person | None, policy: Policy) -> Finding:
    return Finding(
        rule=rule.id,
        severity=policy.severity_overrides.get(rule.id) or hit.severity or rule.severity,
        message=hit.message,
        user_id=user.id if user else None,
        upn=user.user_principal_name if user else None,
        display_name=user.display_name if user else None,
        field=hit.field,
        value=hit.value,
        suggestion=hit.suggestion,
        advice=sys.intern(hit.advice or rule.advice),  # the same few sentences on thousands of findings
        location=hit.location,
    )


def _timeline(book: Rulebook, judged: tuple[Judged, ...]) -> tuple[TimelinePoint, ...]:
    """Readiness on each announced change after the audit's day."""
    in_scope = [a for a in judged if a.in_scope]
    points = []
    before = sum(a.status.can_reset for a in in_scope)
    for i, change in enumerate(book.upcoming()):
        ready = sum(a.timeline[i] for a in in_scope)
        points.append(
            TimelinePoint(
                change.day, change.when, change.title, change.what, change.source, len(in_scope), ready, before - ready
            )
        )
        before = ready
    return tuple(points)


def _assumptions(
    snapshot: Snapshot, policy: Policy, judged: tuple[Judged, ...], tenant: TenantFacts
) -> tuple[str, ...]:
    """Every setting Graph cannot read that a verdict here rests on, said in words."""
    said = [*_tenant_assumptions(policy, judged, tenant)]
    if tenant.targeting is None and not policy.methods_declared:
        said.append(
            "Per-user targeting of the authentication methods policy was not read (a snapshot from an older version,"
            " or the policy could not be read): a method enabled for any group counts for everyone."
        )
    if tenant.legacy_applies and policy.legacy_methods is None and not policy.methods_declared:
        touched = sum(1 for a in judged if any("legacy_methods" in u.why for u in a.uncounted))
        state = snapshot.tenant.settings.policy_migration_state
        said.append(
            f"The tenant's migration to the authentication methods policy is {state}, so the legacy SSPR policy still"
            " enables methods, and Graph cannot read it. Not declared ([sspr] legacy_methods): a method off in the"
            f" authentication methods policy is assumed off in the legacy policy too ({touched:,} user(s) touched)."
        )
    phones_users = sum(
        1 for a in judged if a.in_scope and not a.candidate_methods.isdisjoint(("mobile_phone", "office_phone"))
    )
    if policy.telephony_provider is None and phones_users:
        said.append(
            f"No telephony provider is declared ([sspr] telephony_provider): from 1 February 2027 (1 July 2027 for"
            f" Global Administrators and external users) Microsoft-provided SMS and voice are assumed gone for"
            f" SSPR. {phones_users:,} user(s) in scope have a phone method."
        )
    questions = sum(1 for a in judged if a.in_scope and a.security_questions_registered and not a.is_admin)
    if policy.security_questions is None and questions:
        said.append(
            f"Security questions are not declared ([sspr] security_questions): Graph cannot read the legacy SSPR"
            f" policy that turns them on, so they are not counted for the {questions:,} user(s) in scope who"
            " registered them."
        )
    return tuple(said)


def _licence_setting(tenant: TenantFacts) -> PolicySetting:
    """The licence level the verdicts used, named in every output (free and trial tenants: no office phones)."""
    if tenant.licence_level is None:
        return PolicySetting("Licence level", "paid (assumed: the subscriptions were not read)", "default")
    return PolicySetting("Licence level", tenant.licence_level, "tenant")


def _tenant_assumptions(policy: Policy, judged: tuple[Judged, ...], tenant: TenantFacts) -> list[str]:
    said = []
    in_scope = [a for a in judged if a.in_scope]
    synced = sum(1 for a in in_scope if a.user.on_premises_sync_enabled)
    if tenant.password_writeback is None and synced:
        said.append(
            f"Password writeback is unknown (Graph shows it to a delegated sign-in only; declare [tenant]"
            f" password_writeback): the {synced:,} synced user(s) in scope are judged as if it were on."
        )
    if tenant.licence_level is None:
        said.append("The tenant's subscriptions were not read: a paid licence is assumed (office phones count).")
    said.extend(_app_assumptions(policy, in_scope, tenant))
    reported = sum(1 for a in in_scope if REPORTED_ADMIN in a.admin_roles)
    if reported:
        said.append(
            f"Administrator roles were not read: {reported:,} user(s) are judged as administrators because the"
            " registration report says isAdmin."
        )
    if not policy.scope_declared:
        has_report = any(a.user.registration is not None for a in judged)
        said.append(
            "The SSPR scope is not declared ([sspr] scope): the registration report's isSsprEnabled decides who is in"
            " scope."
            if has_report
            else "The SSPR scope is neither declared ([sspr] scope) nor read: all users are assumed in scope"
            " (Microsoft's default for a new tenant is none)."
        )
    else:
        said.extend(_scope_disagreement(policy, judged))
    return said


def _app_assumptions(policy: Policy, in_scope: list[Judged], tenant: TenantFacts) -> list[str]:
    """What the authentication methods policy Graph returned leaves open about the apps."""
    if tenant.targeting is None or policy.methods_declared:
        return []
    configs = {c.id.lower(): c for c in tenant.targeting.configurations}
    said = []
    authenticator = configs.get("microsoftauthenticator")
    users = sum(1 for a in in_scope if a.required == 1 and MOBILE_APP in a.candidate_methods)
    if authenticator is not None and authenticator.software_oath_enabled is None and users:
        said.append(
            "isSoftwareOathEnabled of Microsoft Authenticator was not read: with one method required SSPR offers"
            f" only the app's code, which is assumed allowed ({users:,} user(s) touched)."
        )
    tokens = sum(1 for a in in_scope if HARDWARE_OATH in a.candidate_methods)
    if "hardwareoath" not in configs and tokens:
        said.append(
            f"Graph v1.0 does not expose the hardware OATH token policy: the {tokens:,} user(s) with a token are"
            " assumed enabled for it."
        )
    return said


def _scope_disagreement(policy: Policy, judged: tuple[Judged, ...]) -> list[str]:
    """Users whose registration report disagrees with the declared scope, listed."""
    differ = [
        a.user.user_principal_name
        for a in judged
        if not a.is_admin
        and a.user.account_enabled
        and a.user.registration is not None
        and a.user.registration.is_sspr_enabled is not None
        and a.user.registration.is_sspr_enabled != (a.status != Readiness.OUT_OF_SCOPE)
    ]
    if not differ:
        return []
    shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5:,} more" if len(differ) > 5 else "")
    return [
        f"The declared SSPR scope ({policy.scope}) and the registration report's isSsprEnabled disagree for"
        f" {len(differ):,} user(s): {shown}. The declared scope is used."
    ]


def _user_result(a: Assessment) -> UserResult:
    return UserResult(
        Person.of(a.user),
        a.status,
        a.reason,
        a.is_admin,
        a.admin_eligible_only,
        a.required,
        a.usable,
        a.uncounted,
        a.loss.change.day if a.loss else None,
        a.loss.because if a.loss else None,
        a.facts.not_used.value if a.facts.not_used else None,
    )


def _rule_info(rule: Rule, policy: Policy) -> RuleInfo:
    return RuleInfo(
        rule.id,
        rule.title,
        policy.severity_overrides.get(rule.id, rule.severity),
        rule.severity,
        rule.why,
        rule.fix,
        rule.doc_url,
        rule.id not in policy.disabled_rules,
    )
