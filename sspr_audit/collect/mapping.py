"""Graph JSON -> :mod:`sspr_audit.snapshot.models`, at the edge of the collector.

Each function takes one Graph item as parsed JSON (field names exactly as in
Microsoft Graph v1.0) and returns the tool's own dataclass; absent or null
values become ``None`` or empty tuples, never guesses.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sspr_audit.audit.sspr_methods import method_type_from_odata
from sspr_audit.snapshot.models import (
    AuthMethod,
    CollectionState,
    CollectionStatus,
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


class Fields:
    """Typed reads from one Graph item: a value of the wrong type is dropped and noted, never guessed.

    Graph documents each property's type; an answer that breaks it (``businessPhones`` as a string,
    ``displayName`` as a number, ``accountEnabled: "no"``) must not be split, converted or read as
    truthy. The notes end up in the user's collection status (``partial``).
    """

    def __init__(self, raw: dict[str, Any], where: str = "", notes: list[str] | None = None) -> None:
        self.raw = raw
        self.where = where
        self.notes: list[str] = [] if notes is None else notes

    def text(self, name: str) -> str | None:
        """A string property; None when absent, null or of another type."""
        value = self.raw.get(name)
        if value is None or isinstance(value, str):
            return value
        self._drop(name, value, "text")
        return None

    def flag(self, name: str) -> bool | None:
        """A boolean property; None when absent, null or of another type."""
        value = self.raw.get(name)
        if value is None or isinstance(value, bool):
            return value
        self._drop(name, value, "true or false")
        return None

    def texts(self, name: str) -> tuple[str, ...]:
        """A collection of strings; items of another type (or a value that is no list) are dropped."""
        value = self.raw.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            self._drop(name, value, "a list of text")
            return ()
        kept = tuple(item for item in value if isinstance(item, str))
        if len(kept) != sum(item is not None for item in value):
            self.notes.append(f"{self.where}{name} (items that are not text)")
        return kept

    def _drop(self, name: str, value: Any, expected: str) -> None:
        self.notes.append(f"{self.where}{name} ({_kind(value)}, not {expected})")


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list"}.get(
        type(value), "an object"
    )


def dropped_reason(notes: list[str]) -> str:
    """The ``CollectionStatus.reason`` of a user read whole except for values of the wrong type."""
    return "values of the wrong type from Graph were dropped: " + "; ".join(notes)


def map_user(raw: dict[str, Any]) -> User:
    """A user from ``GET /users`` (with ``$expand=manager``); methods, roles and groups come later.

    A user whose values were dropped comes back ``partial``, the notes in its collection reason.
    """
    read = Fields(raw)
    manager = Fields(raw["manager"] if isinstance(raw.get("manager"), dict) else {}, "manager.", read.notes)
    enabled = read.flag("accountEnabled")  # listed with accountEnabled eq true: a dropped value keeps that
    user = User(
        id=raw["id"],
        user_principal_name=read.text("userPrincipalName") or "",
        display_name=read.text("displayName"),
        user_type=read.text("userType"),
        account_enabled=enabled is not False,
        on_premises_sync_enabled=read.flag("onPremisesSyncEnabled"),
        department=read.text("department"),
        job_title=read.text("jobTitle"),
        manager_id=manager.text("id"),
        manager_name=manager.text("displayName"),
        usage_location=read.text("usageLocation"),
        country=read.text("country"),
        mail=read.text("mail"),
        mobile_phone=read.text("mobilePhone"),
        business_phones=read.texts("businessPhones"),
        other_mails=read.texts("otherMails"),
        assigned_licenses=_licences(read),
        created_at=read.text("createdDateTime"),
        last_sign_in=_last_sign_in(Fields(_object(raw, "signInActivity"), "signInActivity.", read.notes)),
    )
    if read.notes:
        user = replace(user, collection=CollectionStatus(CollectionState.PARTIAL, dropped_reason(read.notes)))
    return user


def _object(raw: dict[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    return value if isinstance(value, dict) else {}


def _licences(read: Fields) -> tuple[str, ...] | None:
    """skuId of each assignedLicenses entry; None when the property was not returned (not read)."""
    value = read.raw.get("assignedLicenses")
    if value is None:
        return None
    if not isinstance(value, list):
        read.notes.append("assignedLicenses (not a list)")
        return None
    return tuple(item["skuId"] for item in value if isinstance(item, dict) and isinstance(item.get("skuId"), str))


def _last_sign_in(read: Fields) -> str | None:
    """The later of the last interactive and non-interactive sign-ins; None when neither (never signed in)."""
    times = [read.text("lastSignInDateTime"), read.text("lastNonInteractiveSignInDateTime")]
    return max((t for t in times if t), key=_instant, default=None)


def _instant(value: str) -> str:
    """A sortable form of an ISO 8601 UTC time (Graph writes them with or without fractions of a second)."""
    return value.rstrip("Z").ljust(26, "0")


def map_method(raw: dict[str, Any], notes: list[str] | None = None) -> AuthMethod:
    """One item of ``/users/{id}/authentication/methods``; unknown types are kept as ``unrecognised``."""
    read = Fields(raw, "method.", notes)
    odata_type = read.text("@odata.type") or ""
    return AuthMethod(
        id=read.text("id") or "",
        type=method_type_from_odata(odata_type),
        odata_type=odata_type,
        phone_number=read.text("phoneNumber"),
        phone_type=read.text("phoneType"),
        email_address=read.text("emailAddress"),
        display_name=read.text("displayName"),
    )


def map_methods(items: list[dict[str, Any]], notes: list[str] | None = None) -> tuple[AuthMethod, ...]:
    """A user's methods in Graph's order; values of the wrong type are noted in ``notes``."""
    return tuple(map_method(item, notes) for item in items if isinstance(item, dict))


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


def map_registration(row: dict[str, Any], notes: list[str] | None = None) -> RegistrationDetails:
    """A user's row of ``userRegistrationDetails``; values of the wrong type are noted in ``notes``."""
    read = Fields(row, "registration.", notes)
    return RegistrationDetails(
        methods_registered=read.texts("methodsRegistered"),
        is_admin=read.flag("isAdmin"),
        is_sspr_registered=read.flag("isSsprRegistered"),
        is_sspr_enabled=read.flag("isSsprEnabled"),
        is_sspr_capable=read.flag("isSsprCapable"),
        is_mfa_registered=read.flag("isMfaRegistered"),
        last_updated=read.text("lastUpdatedDateTime"),
    )


def needs_methods(registration: RegistrationDetails | None) -> bool:
    """Whether the per-user call is needed: no report row, or the row lists a phone or email."""
    return registration is None or bool(CONTACT_METHODS.intersection(registration.methods_registered))


def verdict_needs_methods(registration: RegistrationDetails | None) -> bool:
    """Whether a verdict turns on the per-user call: :func:`needs_methods`, or an administrator (two-gate)."""
    return needs_methods(registration) or bool(registration and registration.is_admin)


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
            sku_part_number=_text(sku.get("skuPartNumber")),
            status=_text(sku.get("capabilityStatus")),
            service_plans=_plan_names(sku.get("servicePlans")),
            is_trial=is_trial(str(sku.get("skuId") or "")) if subscriptions is not None else None,
        )
        for sku in skus
        if isinstance(sku, dict)
    )


def _plan_names(plans: Any) -> tuple[str, ...]:
    """``servicePlanName`` of each service plan Graph listed; anything else is passed over."""
    if not isinstance(plans, list):
        return ()
    return tuple(
        p["servicePlanName"] for p in plans if isinstance(p, dict) and isinstance(p.get("servicePlanName"), str)
    )


def _text(value: Any) -> str:
    """A string from Graph, or empty when Graph sent something else."""
    return value if isinstance(value, str) else ""


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
