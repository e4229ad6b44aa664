"""Hand-built snapshots and audit results for tests.

Every builder takes keyword overrides so a test states only what it is about.
``sample_result()`` is a small tenant covering every readiness status, an
active and a PIM-eligible admin, a collection failure, sources not read and
hostile directory text; ``bulk_result(n)`` is a large, plain tenant.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sspr_audit.audit.results import (
    AuditResult,
    Finding,
    MethodSource,
    Person,
    PolicySetting,
    Readiness,
    RuleInfo,
    Severity,
    TimelinePoint,
    UncountedMethod,
    UsableMethod,
    UserResult,
)
from sspr_audit.snapshot.models import (
    CollectionState,
    CollectionStatus,
    RoleAssignment,
    Source,
    SourceState,
    SourceStatus,
    Tenant,
    User,
)
from tests.builders import GLOBAL_ADMIN, XSS_IMG, XSS_SCRIPT

GENERATED_AT = "2025-03-04T05:06:07Z"
COLLECTED_AT = "2025-03-04T04:00:00Z"
FORMULAS = ('=HYPERLINK("http://x","y")', "=1+1", "@SUM(A1)", "+SUM(1)", "-1+2")


def user_id(upn: str) -> str:
    """A stable object id derived from the UPN."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, upn))


def tenant(**overrides: Any) -> Tenant:
    """A tenant whose every data source was read, unless ``sources`` says otherwise."""
    values: dict[str, Any] = {
        "id": "11111111-2222-3333-4444-555555555555",
        "display_name": "Contoso Ltd",
        "verified_domains": ("contoso.example",),
        "on_premises_sync_enabled": True,
        "collected_at": COLLECTED_AT,
        "graph_endpoint": "https://graph.microsoft.com",
        "sources": tuple(SourceStatus(s.value, SourceState.READ) for s in Source),
    }
    values.update(overrides)
    return Tenant(**values)


def user(upn: str, **overrides: Any) -> User:
    """An enabled member user; the id is derived from the UPN."""
    values: dict[str, Any] = {
        "id": user_id(upn),
        "user_principal_name": upn,
        "display_name": upn.split("@")[0].replace(".", " ").title(),
        "user_type": "Member",
        "account_enabled": True,
    }
    values.update(overrides)
    return User(**values)


def method(
    name: str = "mobile_app",
    source: MethodSource = MethodSource.REGISTERED,
    field: str = "authenticator",
    value: str | None = None,
    defective: bool = False,
) -> UsableMethod:
    """One usable SSPR method."""
    return UsableMethod(name, source, field, value, defective)


def user_result(
    u: User,
    status: Readiness = Readiness.READY,
    reason: str | None = None,
    usable: tuple[UsableMethod, ...] | None = None,
    is_admin: bool = False,
    admin_eligible_only: bool = False,
    required: int | None = None,
) -> UserResult:
    """A user's readiness; by default ready with one registered app method."""
    return UserResult(
        user=Person.of(u),
        status=status,
        reason=reason or f"Status {status.value} for {u.user_principal_name}.",
        is_admin=is_admin,
        admin_eligible_only=admin_eligible_only,
        required=required if required is not None else (2 if is_admin else 1),
        usable=(method(),) if usable is None else usable,
    )


def finding(
    rule: str, severity: Severity, ur: UserResult | None = None, message: str | None = None, **fields: Any
) -> Finding:
    """A finding about ``ur`` (or the tenant when None)."""
    who = {}
    if ur is not None:
        who = {"user_id": ur.user.id, "upn": ur.user.user_principal_name, "display_name": ur.user.display_name}
    return Finding(rule=rule, severity=severity, message=message or f"{rule} fired.", **who, **fields)


def rule(rule_id: str, title: str, severity: Severity, **overrides: Any) -> RuleInfo:
    """A catalog entry with a doc link."""
    values: dict[str, Any] = {
        "id": rule_id,
        "title": title,
        "severity": severity,
        "default_severity": severity,
        "why": f"Why {rule_id} matters.",
        "fix": f"How to fix {rule_id}.",
        "doc_url": f"https://docs.example.org/rules/{rule_id}",
    }
    values.update(overrides)
    return RuleInfo(**values)


RULES = (
    rule("SSPR001", "No SSPR method", Severity.CRITICAL),
    rule("SSPR002", "Admin has fewer than two methods", Severity.HIGH),
    rule("PHN001", "Phone number not in SSPR format", Severity.MEDIUM),
    rule("EML001", "Alternate email only prepopulated", Severity.LOW),
    rule("TEN001", "Password writeback unknown", Severity.INFO),
)

POLICY = (
    PolicySetting("methods_required", "1", "policy file"),
    PolicySetting("enabled_methods", "mobile_app, mobile_phone, email", "tenant"),
    PolicySetting("reconfirm_days", "180", "default"),
)


def audit_result(
    users: tuple[UserResult, ...] = (), findings: tuple[Finding, ...] = (), **overrides: Any
) -> AuditResult:
    """An audit result with the standard rule catalog and policy."""
    values: dict[str, Any] = {
        "tenant": tenant(),
        "users": users,
        "findings": findings,
        "rules": RULES,
        "policy": POLICY,
        "policy_source": "/etc/sspr-audit/policy.toml",
        "generated_at": GENERATED_AT,
        "as_of": GENERATED_AT[:10],
        "as_of_origin": "the snapshot's collection date",
    }
    values.update(overrides)
    return AuditResult(**values)


def sample_users() -> tuple[UserResult, ...]:
    """Ten users: every status, two admins, a failure, hostile names and phone-like values."""
    phone = method("mobile_phone", MethodSource.PREPOPULATED, "mobilePhone", "+1 4251234567")
    return (
        user_result(
            user(
                "adele.vance@contoso.example",
                department="Sales",
                manager_name="Megan Bowen",
                mobile_phone="+1 4251234567",
            ),
            usable=(phone,),
        ),
        user_result(
            user("alex.wilber@contoso.example", department="Sales", manager_name="Megan Bowen"),
            Readiness.READY_UNVERIFIED,
            usable=(phone,),
        ),
        user_result(
            user("diego.siciliani@contoso.example", department="IT"),
            Readiness.AT_RISK,
            usable=(method("mobile_phone", field="authentication phone (mobile)", value="4251234567", defective=True),),
        ),
        user_result(
            user("grady.archie@contoso.example", department="IT", display_name=XSS_IMG),
            Readiness.NOT_READY,
            usable=(),
            reason="No SSPR method registered or prepopulated.",
        ),
        user_result(user("isaiah.langer@contoso.example", display_name=XSS_SCRIPT), Readiness.NOT_READY, usable=()),
        user_result(
            user(
                "johanna.lorenz@contoso.example",
                department="Legal",
                display_name=FORMULAS[0],
                collection=CollectionStatus(CollectionState.FAILED, "HTTP 503 after 3 retries"),
            ),
            Readiness.UNKNOWN,
            usable=(),
        ),
        user_result(user("lee.gu@contoso.example", department="=1+1", display_name=FORMULAS[2]), Readiness.EXCLUDED),
        user_result(
            user("lidia.holloway@contoso.example", display_name=FORMULAS[3]), Readiness.OUT_OF_SCOPE, usable=()
        ),
        user_result(
            user(
                "megan.bowen@contoso.example",
                department="IT",
                roles=(RoleAssignment(*GLOBAL_ADMIN, "active"),),
            ),
            Readiness.NOT_READY,
            is_admin=True,
            reason="Administrators need two methods; one is usable.",
        ),
        user_result(
            user(
                "nestor.wilke@contoso.example",
                department="IT",
                display_name=FORMULAS[4],
                roles=(
                    RoleAssignment(
                        "Helpdesk Administrator",
                        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
                        "eligible",
                        via_group="Helpdesk admins",
                    ),
                ),
            ),
            Readiness.READY,
            is_admin=True,
            admin_eligible_only=True,
            usable=(method(), method("email", field="authentication email", value="nestor@example.org")),
        ),
    )


def sample_result(**overrides: Any) -> AuditResult:
    """The ten sample users, one finding or more for most, and two sources not read."""
    users = sample_users()
    by_upn = {u.user.user_principal_name.split("@")[0]: u for u in users}
    findings = (
        finding("SSPR001", Severity.CRITICAL, by_upn["grady.archie"], suggestion="=cmd|' /C calc'!A0"),
        finding("SSPR001", Severity.CRITICAL, by_upn["isaiah.langer"], message=XSS_SCRIPT),
        finding("SSPR002", Severity.HIGH, by_upn["megan.bowen"], field="methods", value="1"),
        finding(
            "PHN001",
            Severity.MEDIUM,
            by_upn["diego.siciliani"],
            field="authentication phone (mobile)",
            value="4251234567",
            suggestion="+1 4251234567",
            message="Number lacks +country code.\nLine two.",
        ),
        finding(
            "PHN001", Severity.MEDIUM, by_upn["adele.vance"], field="mobilePhone", value="\t+1 425", suggestion="\r-1"
        ),
        finding("EML001", Severity.LOW, by_upn["alex.wilber"], field="otherMails", value="@evil", suggestion="-2+3"),
        finding("TEN001", Severity.INFO, None, message="Password writeback state is unknown."),
    )
    unread = (Source.REGISTRATION_DETAILS, Source.ON_PREMISES_SYNC, Source.GROUPS)
    sources = (
        *(SourceStatus(s.value, SourceState.READ) for s in Source if s not in unread),
        SourceStatus(
            Source.REGISTRATION_DETAILS.value,
            SourceState.NOT_PERMITTED,
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Tenant lacks Entra ID P1",
            "AuditLog.Read.All and Entra ID P1",
        ),
        SourceStatus(
            Source.ON_PREMISES_SYNC.value,
            SourceState.NOT_PERMITTED,
            403,
            "Authorization_RequestDenied",
            permission="OnPremDirectorySynchronization.Read.All (delegated)",
        ),
        SourceStatus(Source.GROUPS.value, SourceState.NOT_ATTEMPTED, message="no scope group was asked for"),
    )
    values: dict[str, Any] = {
        "tenant": tenant(sources=sources),
        "timeline": SAMPLE_TIMELINE,
        "assumptions": ("No telephony provider is declared: SMS and voice are assumed gone from 1 February 2027.",),
    }
    values.update(overrides)
    return audit_result(_with_dated_losses(users), findings, **values)


SAMPLE_TIMELINE = (
    TimelinePoint(
        "2027-02-01",
        "1 February 2027",
        "SMS and voice end",
        "SMS and voice end",
        "https://learn.microsoft.com/x",
        8,
        3,
        1,
    ),
    TimelinePoint(
        "2027-03-01",
        "March 2027",
        "questions retire",
        "Security questions retire",
        "https://learn.microsoft.com/y",
        8,
        3,
        0,
    ),
)


def _with_dated_losses(users: tuple[UserResult, ...]) -> tuple[UserResult, ...]:
    """The first user loses SSPR on 1 February 2027; the fourth has things that do not count, one hostile."""
    first = replace(
        users[0],
        loses_sspr_on="2027-02-01",
        loses_sspr_because="SMS and voice end. No longer counting: mobilePhone +1 4251234567.",
    )
    uncounted = (
        UncountedMethod("FIDO2 security key or passkey (YubiKey 5)", "not an SSPR method"),
        UncountedMethod(f"otherMails[0] {XSS_SCRIPT}", "not a valid email address", None, "otherMails[0]", XSS_SCRIPT),
    )
    fourth = replace(users[3], uncounted=uncounted)
    return (first, *users[1:3], fourth, *users[4:])


def bulk_result(n: int) -> AuditResult:
    """``n`` plain users, every tenth not ready with a finding."""
    users = []
    findings = []
    for i in range(n):
        status = Readiness.NOT_READY if i % 10 == 0 else Readiness.READY
        ur = user_result(
            user(f"user{i:06d}@contoso.example", department=f"Dept {i % 7}"),
            status,
            usable=() if status == Readiness.NOT_READY else None,
        )
        users.append(ur)
        if status == Readiness.NOT_READY:
            findings.append(finding("SSPR001", Severity.CRITICAL, ur))
    return audit_result(tuple(users), tuple(findings))
