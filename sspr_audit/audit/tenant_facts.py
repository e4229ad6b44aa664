"""What the audit knows about the tenant as a whole, read once from the snapshot and the policy.

Each fact with its Microsoft page:

* the authentication methods policy per user, and whether the legacy SSPR
  policy still applies (migration not complete; concept-authentication-methods-manage);
* whether the role assignments were read, else the registration report's
  ``isAdmin`` says who is an administrator (userregistrationdetails);
* password writeback, read (delegated sign-in only) or declared; a synced user
  cannot reset without it (concept-sspr-howitworks);
* the licence level: in free and trial tenants office phones and voice calls
  to administrators are not available (concept-sspr-policy,
  concept-authentication-phone-options).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sspr_audit.audit import admin_roles
from sspr_audit.audit.hygiene import Hygiene
from sspr_audit.audit.method_policy import MethodPolicy
from sspr_audit.audit.policy import Policy
from sspr_audit.snapshot.models import Licence, Snapshot, Source, SourceState, Tenant

MIGRATION_COMPLETE = "migrationComplete"
PAID, TRIAL, FREE = "paid", "trial", "free"
# Service plans and SKUs that license cloud-only SSPR reset (concept-sspr-licensing): Entra ID P1/P2, and
# Microsoft 365 Business Standard and Premium.
_SSPR_PLANS = frozenset({"AAD_PREMIUM", "AAD_PREMIUM_P2"})
_SSPR_SKUS = frozenset({"O365_BUSINESS_PREMIUM", "SPB", "SMB_BUSINESS_PREMIUM"})

RoleMatcher = Callable[[str, str], bool]


@dataclass(frozen=True)
class TenantFacts:
    """The tenant-wide facts every user's judgement uses."""

    is_two_gate_role: RoleMatcher
    targeting: MethodPolicy | None  # None when per-user targeting was not read
    legacy_applies: bool
    roles_read: bool
    password_writeback: bool | None  # None: neither read nor declared
    writeback_origin: str  # "read from the tenant", "declared in the policy file", "unknown"
    licence_level: str | None  # PAID, TRIAL, FREE; None when the subscriptions were not read
    hygiene: Hygiene | None = None  # None: accounts without a recent sign-in are not looked for

    @property
    def free_or_trial(self) -> bool:
        return self.licence_level in (FREE, TRIAL)


def tenant_facts(snapshot: Snapshot, policy: Policy, day: date | None = None) -> TenantFacts:
    """Read the tenant-wide facts once; ``day`` is the audit's day, against which a sign-in is stale."""
    tenant = snapshot.tenant
    state = tenant.settings.policy_migration_state
    writeback, origin = _writeback(tenant, policy)
    return TenantFacts(
        is_two_gate_role=admin_roles.matcher(policy.admin_roles_added, policy.admin_roles_removed),
        targeting=MethodPolicy.of(tenant),
        legacy_applies=state is not None and state != MIGRATION_COMPLETE,
        roles_read=_read(tenant, Source.ROLE_ASSIGNMENTS),
        password_writeback=writeback,
        writeback_origin=origin,
        licence_level=licence_level(tenant.settings.licences),
        hygiene=Hygiene.of(snapshot, day) if day is not None else None,
    )


def licence_level(licences: tuple[Licence, ...] | None) -> str | None:
    """``paid`` when an active subscription licenses SSPR reset, ``trial`` when only trials do, else ``free``."""
    if licences is None:
        return None
    sspr = [
        lic
        for lic in licences
        if lic.status in ("Enabled", "Warning")
        and (lic.sku_part_number in _SSPR_SKUS or _SSPR_PLANS.intersection(lic.service_plans))
    ]
    if not sspr:
        return FREE
    return TRIAL if all(lic.is_trial for lic in sspr) else PAID


def _writeback(tenant: Tenant, policy: Policy) -> tuple[bool | None, str]:
    if policy.password_writeback is not None:
        return policy.password_writeback, "declared in the policy file"
    read = tenant.settings.password_writeback_enabled
    return (read, "read from the tenant") if read is not None else (None, "unknown")


def _read(tenant: Tenant, source: Source) -> bool:
    status = tenant.source(source.value)
    return status is not None and status.state == SourceState.READ
