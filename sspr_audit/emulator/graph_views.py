"""Snapshot objects as Microsoft Graph v1.0 JSON (names from Graph's CSDL metadata).

Pure functions: one per Graph type the emulator serves. Values Graph always
has but a snapshot does not record (creation dates, device tags) are derived
from ids, so the same snapshot always gives the same JSON.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.emulator.odata import properties
from sspr_audit.snapshot.models import (
    EVERYONE,
    AuthMethod,
    Licence,
    MethodConfiguration,
    MethodTarget,
    RegistrationDetails,
    Tenant,
    TenantSettings,
    User,
)

CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#"
GRAPH = "#microsoft.graph."
USER_TYPE = GRAPH + "user"
GROUP_TYPE = GRAPH + "group"
SERVICE_PRINCIPAL_TYPE = GRAPH + "servicePrincipal"

# Every structural property of microsoft.graph.user in Graph v1.0 (with entity's id and directoryObject's
# deletedDateTime), in the metadata's order: all of them can be $selected.
USER_SCHEMA = (
    "id",
    "deletedDateTime",
    "aboutMe",
    "accountEnabled",
    "ageGroup",
    "assignedLicenses",
    "assignedPlans",
    "authorizationInfo",
    "birthday",
    "businessPhones",
    "city",
    "companyName",
    "consentProvidedForMinor",
    "country",
    "createdDateTime",
    "creationType",
    "customSecurityAttributes",
    "department",
    "deviceEnrollmentLimit",
    "displayName",
    "employeeHireDate",
    "employeeId",
    "employeeLeaveDateTime",
    "employeeOrgData",
    "employeeType",
    "externalUserState",
    "externalUserStateChangeDateTime",
    "faxNumber",
    "givenName",
    "hireDate",
    "identities",
    "identityParentId",
    "imAddresses",
    "interests",
    "isManagementRestricted",
    "isResourceAccount",
    "jobTitle",
    "lastPasswordChangeDateTime",
    "legalAgeGroupClassification",
    "licenseAssignmentStates",
    "mail",
    "mailboxSettings",
    "mailNickname",
    "mobilePhone",
    "mySite",
    "officeLocation",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesExtensionAttributes",
    "onPremisesImmutableId",
    "onPremisesLastSyncDateTime",
    "onPremisesProvisioningErrors",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesSyncEnabled",
    "onPremisesUserPrincipalName",
    "otherMails",
    "passwordPolicies",
    "passwordProfile",
    "pastProjects",
    "postalCode",
    "preferredDataLocation",
    "preferredLanguage",
    "preferredName",
    "print",
    "provisionedPlans",
    "proxyAddresses",
    "responsibilities",
    "schools",
    "securityIdentifier",
    "serviceProvisioningErrors",
    "showInAddressList",
    "signInActivity",
    "signInSessionsValidFromDateTime",
    "skills",
    "state",
    "streetAddress",
    "surname",
    "usageLocation",
    "userPrincipalName",
    "userType",
)
# Its collection-valued ones: Graph answers [] where a user has none.
_USER_COLLECTION_NAMES = (
    "assignedLicenses",
    "assignedPlans",
    "businessPhones",
    "identities",
    "imAddresses",
    "interests",
    "licenseAssignmentStates",
    "onPremisesProvisioningErrors",
    "otherMails",
    "pastProjects",
    "provisionedPlans",
    "proxyAddresses",
    "responsibilities",
    "schools",
    "serviceProvisioningErrors",
    "skills",
)
USER_PROPERTIES = properties(*USER_SCHEMA)
USER_COLLECTIONS = frozenset(_USER_COLLECTION_NAMES)
# What GET /users returns without $select (Graph reference, "List users": default properties).
USER_DEFAULT = (
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
)
REGISTRATION_PROPERTIES = properties(
    "id",
    "userPrincipalName",
    "userDisplayName",
    "userType",
    "isAdmin",
    "isSsprRegistered",
    "isSsprEnabled",
    "isSsprCapable",
    "isMfaRegistered",
    "isMfaCapable",
    "isPasswordlessCapable",
    "methodsRegistered",
    "lastUpdatedDateTime",
    "userPreferredMethodForSecondaryAuthentication",
    "isSystemPreferredAuthenticationMethodEnabled",
    "systemPreferredAuthenticationMethods",
)
ORGANIZATION_PROPERTIES = properties(
    "id",
    "displayName",
    "verifiedDomains",
    "onPremisesSyncEnabled",
    "tenantType",
    "createdDateTime",
    "businessPhones",
    "technicalNotificationMails",
    "onPremisesLastSyncDateTime",
)

_EPOCH = datetime(2022, 1, 1, tzinfo=UTC)
_SPAN_S = 3 * 365 * 86_400
_PASSWORDLESS = frozenset(
    {
        "fido2",
        "windowsHelloForBusiness",
        "microsoftAuthenticatorPasswordless",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "passKeyDeviceBoundWindowsHello",
    }
)
_PREFERRED = (
    ("microsoftAuthenticatorPush", "push"),
    ("softwareOneTimePasscode", "oath"),
    ("hardwareOneTimePasscode", "oath"),
    ("mobilePhone", "sms"),
    ("alternateMobilePhone", "voiceAlternateMobile"),
    ("officePhone", "voiceOffice"),
)


def stamp(*parts: str) -> str:
    """A fixed ISO 8601 UTC time in 2022-2024 derived from ``parts``."""
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    moment = _EPOCH + timedelta(seconds=int.from_bytes(digest) % _SPAN_S)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def pick(entity: dict[str, Any], names: tuple[str, ...] | None, default: tuple[str, ...] | None = None) -> dict:
    """``entity`` cut to ``names`` (or ``default``) plus ``id`` and any ``@odata`` annotation."""
    chosen = names if names is not None else default
    if chosen is None:
        return entity
    keep = {k: v for k, v in entity.items() if k.startswith("@odata.")}
    keep["id"] = entity["id"]
    keep.update((name, entity.get(name)) for name in chosen)
    return keep


def pick_user(entity: dict[str, Any], names: tuple[str, ...] | None) -> dict:
    """A user cut to ``names`` (or Graph's defaults); a property the demo has no value for is null, or []."""
    body = pick(entity, names, USER_DEFAULT)
    for name in names or ():
        if name not in entity:
            body[name] = [] if name in USER_COLLECTIONS else None
    return body


def user_json(user: User) -> dict[str, Any]:
    """Every user property the emulator serves."""
    return {
        "id": user.id,
        "userPrincipalName": user.user_principal_name,
        "displayName": user.display_name,
        "userType": user.user_type,
        "accountEnabled": user.account_enabled,
        "mobilePhone": user.mobile_phone,
        "businessPhones": list(user.business_phones),
        "otherMails": list(user.other_mails),
        "mail": user.mail,
        "onPremisesSyncEnabled": user.on_premises_sync_enabled,
        "department": user.department,
        "jobTitle": user.job_title,
        "usageLocation": user.usage_location,
        "country": user.country,
        "givenName": None,
        "surname": None,
        "officeLocation": None,
        "preferredLanguage": None,
    }


def typed_user(user: User) -> dict[str, Any]:
    """A user where Graph returns a directoryObject (manager, principal, group member)."""
    return {"@odata.type": USER_TYPE, **user_json(user)}


def method_json(user_id: str, method: AuthMethod) -> dict[str, Any]:
    """One registered method as its Graph type; a type this emulator does not model keeps id and name."""
    odata_type = method.odata_type or f"{GRAPH}{method.type}AuthenticationMethod"
    created = stamp(user_id, method.id)
    body: dict[str, Any] = {"@odata.type": odata_type, "id": method.id}
    kind = odata_type.removeprefix(GRAPH)
    if kind == "phoneAuthenticationMethod":
        body["id"] = PHONE_METHOD_IDS.get(method.phone_type or "", method.id)
        body.update(
            phoneNumber=method.phone_number,
            phoneType=method.phone_type,
            smsSignInState="notAllowedByPolicy" if method.phone_type == "mobile" else "notSupported",
        )
    elif kind == "emailAuthenticationMethod":
        body["emailAddress"] = method.email_address
    elif kind == "microsoftAuthenticatorAuthenticationMethod":
        body.update(
            displayName=method.display_name,
            deviceTag="SoftwareTokenActivated",
            phoneAppVersion="6.2401.0119",
            createdDateTime=created,
        )
    elif kind == "fido2AuthenticationMethod":
        body.update(displayName=method.display_name, model=method.display_name, createdDateTime=created)
    elif kind == "windowsHelloForBusinessAuthenticationMethod":
        body.update(displayName=method.display_name, keyStrength="normal", createdDateTime=created)
    elif kind == "softwareOathAuthenticationMethod":
        body["secretKey"] = None
    elif kind == "passwordAuthenticationMethod":
        body.update(password=None, createdDateTime=created)
    elif kind == "temporaryAccessPassAuthenticationMethod":
        body.update(
            createdDateTime=created,
            startDateTime=created,
            lifetimeInMinutes=60,
            isUsableOnce=False,
            isUsable=False,
            methodUsabilityReason="Expired",
            temporaryAccessPass=None,
        )
    elif method.display_name is not None:
        body["displayName"] = method.display_name
    return body


def registration_json(user: User, row: RegistrationDetails) -> dict[str, Any]:
    """The user's userRegistrationDetails row (userType in lower case, as the report spells it)."""
    registered = list(row.methods_registered)
    preferred = next((value for method, value in _PREFERRED if method in registered), "none")
    return {
        "id": user.id,
        "userPrincipalName": user.user_principal_name,
        "userDisplayName": user.display_name or "",
        "userType": (user.user_type or "member").lower(),
        "isAdmin": row.is_admin,
        "isSsprRegistered": bool(row.is_sspr_registered),
        "isSsprEnabled": bool(row.is_sspr_enabled),
        "isSsprCapable": bool(row.is_sspr_capable),
        "isMfaRegistered": bool(row.is_mfa_registered),
        "isMfaCapable": bool(row.is_mfa_registered),
        "isPasswordlessCapable": bool(_PASSWORDLESS.intersection(registered)),
        "methodsRegistered": registered,
        "lastUpdatedDateTime": row.last_updated or stamp(user.id, "registration"),
        "userPreferredMethodForSecondaryAuthentication": preferred,
        "isSystemPreferredAuthenticationMethodEnabled": False,
        "systemPreferredAuthenticationMethods": [],
    }


def organization_json(tenant: Tenant) -> dict[str, Any]:
    """The tenant's organization object."""
    initial = next(
        (
            d
            for d in tenant.verified_domains
            if d.endswith(".onmicrosoft.com") and not d.endswith(".mail.onmicrosoft.com")
        ),
        None,
    )
    domains = [
        {
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": index == 0,
            "isInitial": name == initial,
            "name": name,
            "type": "Managed",
        }
        for index, name in enumerate(tenant.verified_domains)
    ]
    return {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "verifiedDomains": domains,
        "onPremisesSyncEnabled": tenant.on_premises_sync_enabled,
        "onPremisesLastSyncDateTime": stamp(tenant.id, "sync") if tenant.on_premises_sync_enabled else None,
        "tenantType": "AAD",
        "createdDateTime": stamp(tenant.id, "created"),
        "businessPhones": [],
        "technicalNotificationMails": [],
    }


DOMAIN_PROPERTIES = properties(
    "id",
    "authenticationType",
    "availabilityStatus",
    "isAdminManaged",
    "isDefault",
    "isInitial",
    "isRoot",
    "isVerified",
    "manufacturer",
    "model",
    "passwordNotificationWindowInDays",
    "passwordValidityPeriodInDays",
    "state",
    "supportedServices",
)
NEVER_EXPIRES_DAYS = 2147483647  # passwordValidityPeriodInDays of a domain whose passwords never expire


def domains_json(tenant: Tenant) -> list[dict[str, Any]]:
    """``GET /domains``: the tenant's verified domains, as the organization object lists them."""
    names = [d.lower() for d in tenant.verified_domains]
    value = []
    for entry in organization_json(tenant)["verifiedDomains"]:
        name = entry["name"]
        parent = any(name.lower().endswith("." + other) for other in names if other != name.lower())
        value.append(
            {
                "authenticationType": entry["type"],
                "availabilityStatus": None,
                "id": name,
                "isAdminManaged": True,
                "isDefault": entry["isDefault"],
                "isInitial": entry["isInitial"],
                "isRoot": not parent,
                "isVerified": True,
                "manufacturer": None,
                "model": None,
                "passwordNotificationWindowInDays": 14,
                "passwordValidityPeriodInDays": NEVER_EXPIRES_DAYS,
                "state": None,
                "supportedServices": entry["capabilities"].split(", "),
            }
        )
    return value


def authorization_policy_json(settings: TenantSettings) -> dict[str, Any]:
    """``policies/authorizationPolicy``; allowedToUseSSPR defaults to true, as in a new tenant."""
    allowed = True if settings.admins_allowed_sspr is None else settings.admins_allowed_sspr
    return {
        "@odata.context": CONTEXT + "policies/authorizationPolicy/$entity",
        "id": "authorizationPolicy",
        "displayName": "Authorization Policy",
        "description": "Used to manage authorization related settings across the company.",
        "allowInvitesFrom": "everyone",
        "allowedToSignUpEmailBasedSubscriptions": True,
        "allowedToUseSSPR": allowed,
        "allowEmailVerifiedUsersToJoinOrganization": False,
        "blockMsolPowerShell": False,
        "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
        "defaultUserRolePermissions": {
            "allowedToCreateApps": True,
            "allowedToCreateSecurityGroups": True,
            "allowedToCreateTenants": True,
            "allowedToReadBitlockerKeysForOwnedDevice": True,
            "allowedToReadOtherUsers": True,
            "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"],
        },
    }


# Microsoft's defaults for a tenant whose methods policy the snapshot did not record.
DEFAULT_METHOD_CONFIGURATIONS = (
    MethodConfiguration("Fido2", "disabled"),
    MethodConfiguration("MicrosoftAuthenticator", "enabled", software_oath_enabled=False),
    MethodConfiguration("Sms", "disabled"),
    MethodConfiguration("TemporaryAccessPass", "disabled"),
    MethodConfiguration("SoftwareOath", "disabled"),
    MethodConfiguration("Voice", "disabled", office_phone_allowed=False),
    MethodConfiguration("Email", "enabled"),
    MethodConfiguration("X509Certificate", "disabled"),
)
_CONFIG_TYPES = {
    "sms": "sms",
    "voice": "voice",
    "email": "email",
    "microsoftauthenticator": "microsoftAuthenticator",
    "softwareoath": "softwareOath",
    "hardwareoath": "hardwareOath",
    "fido2": "fido2",
    "temporaryaccesspass": "temporaryAccessPass",
    "x509certificate": "x509Certificate",
    "qrcodepin": "qrCodePin",
}
DEFAULT_AUTHENTICATION_MODE = "any"  # what the admin center sets when Microsoft Authenticator is enabled


def include_target_json(config_key: str, target: MethodTarget) -> dict[str, Any]:
    """One ``includeTargets`` entry, typed as Graph types it for the configuration."""
    body: dict[str, Any] = {"targetType": target.target_type, "id": target.id, "isRegistrationRequired": False}
    if config_key == "sms":
        body["isUsableForSignIn"] = False
    if config_key == "microsoftauthenticator":
        body["authenticationMode"] = target.authentication_mode or DEFAULT_AUTHENTICATION_MODE
    return body


def method_configuration_json(config: MethodConfiguration) -> dict[str, Any]:
    """One ``authenticationMethodConfiguration`` with its include and exclude targets.

    Targets a snapshot did not record (``None``, a version-1 snapshot) are served as all users, none excluded.
    """
    key = config.id.lower()
    short = _CONFIG_TYPES.get(key, config.id[:1].lower() + config.id[1:])
    includes = EVERYONE if config.include_targets is None else config.include_targets
    body: dict[str, Any] = {
        "@odata.type": f"{GRAPH}{short}AuthenticationMethodConfiguration",
        "id": config.id,
        "state": config.state,
        "excludeTargets": [{"targetType": t.target_type, "id": t.id} for t in config.exclude_targets or ()],
    }
    if key == "voice":
        body["isOfficePhoneAllowed"] = config.office_phone_allowed
    if key == "email":
        body["allowExternalIdToUseEmailOtp"] = "default"
    if key == "microsoftauthenticator":
        body["isSoftwareOathEnabled"] = config.software_oath_enabled
        body["featureSettings"] = {
            "displayAppInformationRequiredState": {"state": "default"},
            "displayLocationInformationRequiredState": {"state": "default"},
        }
    body["includeTargets"] = [include_target_json(key, t) for t in includes]
    return body


def authentication_methods_policy_json(settings: TenantSettings) -> dict[str, Any]:
    """``policies/authenticationMethodsPolicy`` with every method configuration."""
    configs = settings.method_configurations
    return {
        "@odata.context": CONTEXT + "policies/authenticationMethodsPolicy/$entity",
        "id": "authenticationMethodsPolicy",
        "displayName": "Authentication Methods Policy",
        "description": "The tenant-wide policy that controls which authentication methods are allowed in the tenant,"
        " authentication method registration requirements, and self-service password reset settings",
        "lastModifiedDateTime": "2024-03-04T10:20:30Z",
        "policyVersion": "1.5",
        "reconfirmationInDays": 180,
        "policyMigrationState": settings.policy_migration_state or "migrationComplete",
        "registrationEnforcement": {
            "authenticationMethodsRegistrationCampaign": {
                "snoozeDurationInDays": 1,
                "state": "default",
                "excludeTargets": [],
                "includeTargets": [
                    {"id": "all_users", "targetType": "group", "targetedAuthenticationMethod": "microsoftAuthenticator"}
                ],
            }
        },
        "authenticationMethodConfigurations": [
            method_configuration_json(c) for c in (DEFAULT_METHOD_CONFIGURATIONS if configs is None else configs)
        ],
    }


def subscription_id(tenant: Tenant, licence: Licence) -> str:
    """The id of the one subscription the emulator serves per SKU (``subscribedSku.subscriptionIds``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"subscription/{tenant.id}/{licence.sku_id}"))


def _plans(licence: Licence) -> list[dict[str, Any]]:
    return [
        {
            "servicePlanId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"servicePlan/{name}")),
            "servicePlanName": name,
            "provisioningStatus": "Success",
            "appliesTo": "User",
        }
        for name in licence.service_plans
    ]


def subscribed_sku_json(tenant: Tenant, licence: Licence) -> dict[str, Any]:
    """One ``subscribedSku`` of ``GET /subscribedSkus``."""
    return {
        "id": f"{tenant.id}_{licence.sku_id}",
        "accountId": tenant.id,
        "accountName": tenant.display_name,
        "appliesTo": "User",
        "capabilityStatus": licence.status,
        "consumedUnits": 0,
        "prepaidUnits": {"enabled": 25, "lockedOut": 0, "suspended": 0, "warning": 0},
        "servicePlans": _plans(licence),
        "skuId": licence.sku_id,
        "skuPartNumber": licence.sku_part_number,
        "subscriptionIds": [subscription_id(tenant, licence)],
    }


def company_subscription_json(tenant: Tenant, licence: Licence) -> dict[str, Any]:
    """The ``companySubscription`` of ``GET /directory/subscriptions`` behind one SKU; ``isTrial`` as recorded."""
    created = stamp(tenant.id, licence.sku_id, "subscription")
    return {
        "id": subscription_id(tenant, licence),
        "commerceSubscriptionId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"commerce/{tenant.id}/{licence.sku_id}")),
        "createdDateTime": created,
        "isTrial": licence.is_trial,
        "nextLifecycleDateTime": None,
        "ownerId": tenant.id,
        "ownerTenantId": tenant.id,
        "ownerType": "Company",
        "serviceStatus": _plans(licence),
        "skuId": licence.sku_id,
        "skuPartNumber": licence.sku_part_number,
        "status": licence.status,
        "totalLicenses": 25,
    }
