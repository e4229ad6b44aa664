"""Graph JSON -> :mod:`sspr_audit.snapshot.models`, at the edge of the collector.

Each function takes one Graph item as parsed JSON (field names exactly as in
Microsoft Graph v1.0) and returns the tool's own dataclass; absent or null
values become ``None`` or empty tuples, never guesses.
"""

from __future__ import annotations

from typing import Any

from sspr_audit.audit.sspr_methods import method_type_from_odata
from sspr_audit.snapshot.models import (
    AuthMethod,
    Licence,
    MethodConfiguration,
    MethodTarget,
    RegistrationDetails,
    TenantSettings,
    User,
)

# methodsRegistered values whose numbers or addresses only the per-user call shows.
CONTACT_METHODS = frozenset({"mobilePhone", "alternateMobilePhone", "officePhone", "email"})
AUTHENTICATOR = "microsoftauthenticator"  # configuration ids compared in lower case


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or () if v is not None)


def map_user(raw: dict[str, Any]) -> User:
    """A user from ``GET /users`` (with ``$expand=manager``); methods, roles and groups come later."""
    manager = raw.get("manager") if isinstance(raw.get("manager"), dict) else {}
    return User(
        id=raw["id"],
        user_principal_name=raw.get("userPrincipalName") or "",
        display_name=raw.get("displayName"),
        user_type=raw.get("userType"),
        account_enabled=raw.get("accountEnabled") is not False,
        on_premises_sync_enabled=raw.get("onPremisesSyncEnabled"),
        department=raw.get("department"),
        job_title=raw.get("jobTitle"),
        manager_id=manager.get("id"),
        manager_name=manager.get("displayName"),
        usage_location=raw.get("usageLocation"),
        country=raw.get("country"),
        mail=raw.get("mail"),
        mobile_phone=raw.get("mobilePhone"),
        business_phones=_tuple(raw.get("businessPhones")),
        other_mails=_tuple(raw.get("otherMails")),
    )


def map_method(raw: dict[str, Any]) -> AuthMethod:
    """One item of ``/users/{id}/authentication/methods``; unknown types are kept as ``unrecognised``."""
    odata_type = raw.get("@odata.type") or ""
    return AuthMethod(
        id=raw.get("id") or "",
        type=method_type_from_odata(odata_type),
        odata_type=odata_type,
        phone_number=raw.get("phoneNumber"),
        phone_type=raw.get("phoneType"),
        email_address=raw.get("emailAddress"),
        display_name=raw.get("displayName"),
    )


def map_methods(items: list[dict[str, Any]]) -> tuple[AuthMethod, ...]:
    """A user's methods in Graph's order."""
    return tuple(map_method(item) for item in items if isinstance(item, dict))


REGISTRATION_FIELDS = (
    "id",
    "methodsRegistered",
    "isAdmin",
    "isSsprRegistered",
    "isSsprEnabled",
    "isSsprCapable",
    "isMfaRegistered",
    "lastUpdatedDateTime",
)  # what map_registration reads


def trim_registration(row: dict[str, Any]) -> dict[str, Any]:
    """The part of a report row worth keeping: 100,000 rows take half the memory."""
    return {name: row[name] for name in REGISTRATION_FIELDS if name in row}


def map_registration(row: dict[str, Any]) -> RegistrationDetails:
    """A user's row of ``userRegistrationDetails``."""
    return RegistrationDetails(
        methods_registered=_tuple(row.get("methodsRegistered")),
        is_admin=row.get("isAdmin"),
        is_sspr_registered=row.get("isSsprRegistered"),
        is_sspr_enabled=row.get("isSsprEnabled"),
        is_sspr_capable=row.get("isSsprCapable"),
        is_mfa_registered=row.get("isMfaRegistered"),
        last_updated=row.get("lastUpdatedDateTime"),
    )


def needs_methods(registration: RegistrationDetails | None) -> bool:
    """Whether the per-user call is needed: no report row, or the row lists a phone or email."""
    return registration is None or bool(CONTACT_METHODS.intersection(registration.methods_registered))


def map_target(raw: Any, with_mode: bool = False) -> MethodTarget | None:
    """One ``includeTargets``/``excludeTargets`` entry; ``authenticationMode`` only where Graph defines it."""
    if not isinstance(raw, dict) or not raw.get("id"):
        return None
    mode = raw.get("authenticationMode") if with_mode else None
    return MethodTarget(str(raw["id"]), raw.get("targetType") or "group", mode)


def _targets(raw: Any, with_mode: bool = False) -> tuple[MethodTarget, ...]:
    mapped = (map_target(item, with_mode) for item in raw or ())
    return tuple(t for t in mapped if t is not None)


def map_method_configurations(policy: dict[str, Any]) -> tuple[MethodConfiguration, ...]:
    """``authenticationMethodConfigurations`` of the authentication methods policy, in Graph's order."""
    configs = []
    for raw in policy.get("authenticationMethodConfigurations") or ():
        if not isinstance(raw, dict) or not raw.get("id"):
            continue
        key = raw["id"].lower()
        configs.append(
            MethodConfiguration(
                id=raw["id"],
                state=raw.get("state") or "disabled",
                include_targets=_targets(raw.get("includeTargets"), with_mode=key == AUTHENTICATOR),
                exclude_targets=_targets(raw.get("excludeTargets")),
                office_phone_allowed=raw.get("isOfficePhoneAllowed") if key == "voice" else None,
                software_oath_enabled=raw.get("isSoftwareOathEnabled") if key == AUTHENTICATOR else None,
            )
        )
    return tuple(configs)


def map_licences(
    skus: list[dict[str, Any]] | None, subscriptions: list[dict[str, Any]] | None
) -> tuple[Licence, ...] | None:
    """The tenant's subscriptions: ``subscribedSkus``, each with whether all its ``companySubscription``s are trials.

    Without ``subscribedSkus`` the company subscriptions stand alone; with neither, None (not read).
    """
    if skus is None and subscriptions is None:
        return None
    trials: dict[str, list[bool | None]] = {}
    for sub in subscriptions or ():
        trials.setdefault(str(sub.get("skuId") or "").lower(), []).append(sub.get("isTrial"))

    def is_trial(sku_id: str) -> bool | None:
        flags = trials.get(sku_id.lower())
        if not flags or any(flag is None for flag in flags):
            return None
        return all(flags)

    if skus is None:
        skus = [
            {**sub, "capabilityStatus": sub.get("status"), "servicePlans": sub.get("serviceStatus")}
            for sub in subscriptions or ()
        ]
    return tuple(
        Licence(
            sku_id=str(sku.get("skuId") or ""),
            sku_part_number=sku.get("skuPartNumber") or "",
            status=sku.get("capabilityStatus") or "",
            service_plans=_tuple(
                p.get("servicePlanName") for p in sku.get("servicePlans") or () if isinstance(p, dict)
            ),
            is_trial=is_trial(str(sku.get("skuId") or "")) if subscriptions is not None else None,
        )
        for sku in skus
        if isinstance(sku, dict)
    )


def map_settings(
    authorization: dict[str, Any] | None,
    methods_policy: dict[str, Any] | None,
    sync: dict[str, Any] | None,
    licences: tuple[Licence, ...] | None = None,
) -> TenantSettings:
    """Tenant settings from the sources that were read (``None`` for each one that was not)."""
    features = (sync or {}).get("features") or {}
    return TenantSettings(
        method_configurations=map_method_configurations(methods_policy) if methods_policy is not None else None,
        policy_migration_state=(methods_policy or {}).get("policyMigrationState"),
        admins_allowed_sspr=(authorization or {}).get("allowedToUseSSPR"),
        password_writeback_enabled=features.get("passwordWritebackEnabled"),
        licences=licences,
    )


def failure_reason(detail: str) -> str:
    """The ``CollectionStatus.reason`` of a user whose methods could not be read."""
    return f"authentication methods could not be read: {detail}"


def retries_exhausted(status: int, attempts: int) -> str:
    """The detail for a request that failed with ``status`` on every attempt."""
    return f"HTTP {status} on {attempts} attempts"
