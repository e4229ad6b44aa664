"""Run every rule over a snapshot: ``run(snapshot, policy) -> AuditResult``.

Pure and synchronous: no I/O, no clock unless ``generated_at`` is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sspr_audit.audit import admin_roles
from sspr_audit.audit import policy as policy_file
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import Assessment, assess
from sspr_audit.audit.results import AuditResult, Finding, RuleInfo, UserResult
from sspr_audit.audit.rules.registry import Hit, Rule, all_rules, rule_ids
from sspr_audit.snapshot.models import Snapshot


@dataclass(frozen=True)
class AuditContext:
    """What population and tenant rules see: the snapshot, the policy and every user's assessment."""

    snapshot: Snapshot
    policy: Policy
    assessments: tuple[Assessment, ...]


def load_policy(path: Path | None, snapshot: Snapshot) -> Policy:
    """Read the policy file (if any) and resolve it against the snapshot's tenant."""
    declared = policy_file.load(path, known_rules=rule_ids())
    return policy_file.resolve(declared, snapshot.tenant, source=str(path) if path else None)


def run(snapshot: Snapshot, policy: Policy, *, generated_at: str | None = None) -> AuditResult:
    """Assess every user and run every enabled rule."""
    is_two_gate = admin_roles.matcher(policy.admin_roles_added, policy.admin_roles_removed)
    assessments = tuple(assess(i, user, policy, is_two_gate) for i, user in enumerate(snapshot.users))
    ctx = AuditContext(snapshot, policy, assessments)
    rules = all_rules()
    active = [r for r in rules if r.id not in policy.disabled_rules]
    findings: list[Finding] = []
    user_rules = [r for r in active if r.scope == "user"]
    for a in assessments:
        for r in user_rules:
            findings.extend(_finding(r, hit, a, policy) for hit in r.check(a, ctx))
    for r in active:
        if r.scope != "user":
            findings.extend(
                _finding(r, hit, assessments[hit.user_index] if hit.user_index is not None else None, policy)
                for hit in r.check(ctx)
            )
    order = {r.id: i for i, r in enumerate(rules)}
    findings.sort(key=lambda f: (-f.severity.rank, order[f.rule], (f.upn or "").casefold(), f.field or ""))
    return AuditResult(
        tenant=snapshot.tenant,
        users=tuple(_user_result(a) for a in assessments),
        findings=tuple(findings),
        rules=tuple(_rule_info(r, policy) for r in rules),
        policy=policy.settings(),
        policy_source=policy.source,
        generated_at=generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        fail_on=policy.fail_on,
    )


def _finding(rule: Rule, hit: Hit, a: Assessment | None, policy: Policy) -> Finding:
    user = a.user if a else None
    return Finding(
        rule=rule.id,
        severity=policy.severity_overrides.get(rule.id, rule.severity),
        message=hit.message,
        user_id=user.id if user else None,
        upn=user.user_principal_name if user else None,
        display_name=user.display_name if user else None,
        field=hit.field,
        value=hit.value,
        suggestion=hit.suggestion,
    )


def _user_result(a: Assessment) -> UserResult:
    return UserResult(a.user, a.status, a.reason, a.is_admin, a.admin_eligible_only, a.required, a.usable)


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
