"""The snapshot: what one collection read from a tenant.

These frozen dataclasses are the contract between the collector (or the demo
generator) and the rule engine. Nothing from the Graph SDK appears here; the
collector maps Graph objects into these types at its edge. The JSON form is
written and read by :mod:`sspr_audit.snapshot` and described by
``sspr_audit/snapshot/snapshot.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SCHEMA_VERSION = 3  # 2: method targets, group read states, licences; 3: SSPR audit events, scope hygiene


class SourceState(StrEnum):
    """How reading one Graph data source went."""

    READ = "read"
    NOT_PERMITTED = "not_permitted"  # 403: permission or licence missing
    FAILED = "failed"  # errors that retries did not cure
    NOT_ATTEMPTED = "not_attempted"  # not needed, or not possible with this auth


class CollectionState(StrEnum):
    """How reading one user went."""

    OK = "ok"
    PARTIAL = "partial"  # some per-user data could not be read
    FAILED = "failed"  # the user's methods are unknown


class Source(StrEnum):
    """The Graph data sources a collection reads (keys of ``Tenant.sources``)."""

    USERS = "users"
    AUTHENTICATION_METHODS = "authentication_methods"
    REGISTRATION_DETAILS = "registration_details"
    ROLE_ASSIGNMENTS = "role_assignments"
    ROLE_ELIGIBILITY = "role_eligibility"
    AUTHORIZATION_POLICY = "authorization_policy"
    AUTHENTICATION_METHODS_POLICY = "authentication_methods_policy"
    ORGANIZATION = "organization"
    ON_PREMISES_SYNC = "on_premises_sync"
    GROUPS = "groups"
    MANAGERS = "managers"
    METHOD_TARGET_GROUPS = "method_target_groups"  # members of the groups the methods policy names
    SUBSCRIBED_SKUS = "subscribed_skus"
    SUBSCRIPTIONS = "subscriptions"  # /directory/subscriptions: which subscriptions are trials
    SSPR_EVENTS = "sspr_events"  # auditLogs/directoryAudits logged by Self-service Password Management
    SIGN_IN_ACTIVITY = "sign_in_activity"  # user.signInActivity: needs AuditLog.Read.All and Entra ID P1
    MAILBOX_SETTINGS = "mailbox_settings"  # /users/{id}/mailboxSettings (userPurpose): MailboxSettings.Read


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """Whether one data source was read, and if not, why."""

    source: str
    state: SourceState
    http_status: int | None = None
    error_code: str | None = None  # Graph's ``error.code``
    message: str | None = None
    permission: str | None = None  # the permission or licence that reads it


ALL_USERS = "all_users"  # the target id Graph uses for every user


@dataclass(frozen=True, slots=True)
class MethodTarget:
    """One entry of a method configuration's ``includeTargets`` or ``excludeTargets``."""

    id: str  # a group id (or a user id, for a target Graph kept from before group-only targeting), or "all_users"
    target_type: str = "group"  # targetType: "group" or "user"
    authentication_mode: str | None = None  # MicrosoftAuthenticator include targets: any, push, deviceBasedPush


EVERYONE = (MethodTarget(ALL_USERS),)


@dataclass(frozen=True, slots=True)
class MethodConfiguration:
    """One entry of the authentication methods policy (``Sms``, ``Email``, ...).

    ``include_targets`` and ``exclude_targets`` are ``None`` when the snapshot
    did not read them (a version-1 snapshot): per-user targeting is then unknown.
    """

    id: str  # Graph's configuration id, e.g. "Sms", "MicrosoftAuthenticator"
    state: str  # "enabled" / "disabled"
    include_targets: tuple[MethodTarget, ...] | None = EVERYONE
    exclude_targets: tuple[MethodTarget, ...] | None = ()
    office_phone_allowed: bool | None = None  # Voice only: isOfficePhoneAllowed
    software_oath_enabled: bool | None = None  # MicrosoftAuthenticator only: isSoftwareOathEnabled

    @property
    def group_ids(self) -> tuple[str, ...]:
        """Ids of the groups its targets name, include targets first, each once."""
        targets = (*(self.include_targets or ()), *(self.exclude_targets or ()))
        return tuple(dict.fromkeys(t.id for t in targets if t.target_type == "group" and t.id != ALL_USERS))


@dataclass(frozen=True, slots=True)
class Licence:
    """One subscription of the tenant: a ``subscribedSku``, with ``companySubscription.isTrial``."""

    sku_id: str
    sku_part_number: str  # e.g. "AAD_PREMIUM", "SPE_E3", "O365_BUSINESS_PREMIUM"
    status: str  # capabilityStatus: Enabled, Warning, Suspended, Deleted, LockedOut
    service_plans: tuple[str, ...] = ()  # servicePlanName of each plan, e.g. "AAD_PREMIUM_P2"
    is_trial: bool | None = None  # every subscription of this SKU is a trial; None when not read


@dataclass(frozen=True, slots=True)
class TenantSettings:
    """Tenant settings Graph exposes; ``None`` wherever the value was not read."""

    method_configurations: tuple[MethodConfiguration, ...] | None = None
    policy_migration_state: str | None = None
    admins_allowed_sspr: bool | None = None  # authorizationPolicy.allowedToUseSSPR
    password_writeback_enabled: bool | None = None  # delegated permission only
    licences: tuple[Licence, ...] | None = None  # the tenant's subscriptions; None when not read


@dataclass(frozen=True, slots=True)
class Group:
    """A group whose transitive user members were collected: an SSPR scope group or a method target.

    When its members could not be read, ``members_state`` says how it failed and
    no user lists the group: that means "unknown", never "no members".
    """

    id: str
    display_name: str
    members_state: SourceState = SourceState.READ
    http_status: int | None = None  # when not read
    error_code: str | None = None  # Graph's error.code, when not read
    permission: str | None = None  # the permission that reads the members, when refused

    @property
    def members_read(self) -> bool:
        return self.members_state == SourceState.READ


@dataclass(frozen=True, slots=True)
class EventsRead:
    """Which SSPR audit events were read: the window asked for, and how many came back."""

    since: str  # ISO 8601 UTC: activityDateTime ge this
    window_days: int  # the licence's retention (7 free, 30 P1/P2) or --events-days
    count: int  # events read


@dataclass(frozen=True, slots=True)
class Tenant:
    """The organisation and how the collection went."""

    id: str
    display_name: str
    verified_domains: tuple[str, ...]
    # organization.onPremisesSyncEnabled as Graph gave it: None is "never synced" when the organization source
    # was read, "unknown" when it was not.
    on_premises_sync_enabled: bool | None
    collected_at: str  # ISO 8601 UTC
    graph_endpoint: str  # service root, e.g. https://graph.microsoft.com
    sources: tuple[SourceStatus, ...] = ()
    settings: TenantSettings = field(default_factory=TenantSettings)
    groups: tuple[Group, ...] = ()
    events: EventsRead | None = None  # None: the SSPR audit events were not read (see sources)

    def source(self, name: str) -> SourceStatus | None:
        """The status of one data source, or None when it was not recorded."""
        return next((s for s in self.sources if s.source == name), None)

    @property
    def label(self) -> str:
        """The name people know the tenant by: its display name, else its first verified domain, else its id."""
        return self.display_name or next(iter(self.verified_domains), "") or self.id


@dataclass(frozen=True, slots=True)
class AuthMethod:
    """One registered authentication method, with the detail the rules need.

    ``type`` is the Graph type without its namespace and suffix
    (``#microsoft.graph.phoneAuthenticationMethod`` -> ``phone``);
    a type this version does not know keeps its ``odata_type`` and gets
    ``type="unrecognised"`` so it is reported, not dropped.
    """

    id: str
    type: str
    odata_type: str
    phone_number: str | None = None
    phone_type: str | None = None  # mobile / alternateMobile / office
    email_address: str | None = None
    display_name: str | None = None  # device or app name


@dataclass(frozen=True, slots=True)
class RegistrationDetails:
    """The user's row of the registration report (userRegistrationDetails)."""

    methods_registered: tuple[str, ...]
    is_admin: bool | None = None
    is_sspr_registered: bool | None = None
    is_sspr_enabled: bool | None = None
    is_sspr_capable: bool | None = None
    is_mfa_registered: bool | None = None
    last_updated: str | None = None


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """An administrator role the user holds or may activate."""

    role_name: str
    role_template_id: str
    assignment: str  # "active" or "eligible" (PIM)
    via_group: str | None = None  # display name of the role-assignable group, if any


@dataclass(frozen=True, slots=True)
class ResetAttempt:
    """One self-service reset (or unlock) flow, as the audit log tells it."""

    at: str  # ISO 8601 UTC of the flow's last event
    outcome: str  # reset, unlocked, blocked, abandoned, failed
    method: str | None = None  # the SSPR method the events name (sspr_methods names), when they name one
    step: str | None = None  # the step or reason the events give for a failure or block


@dataclass(frozen=True, slots=True)
class SsprActivity:
    """What the user did with SSPR within the events window."""

    last_reset: ResetAttempt | None = None
    last_registration: str | None = None  # ISO 8601 UTC of "User registered for self-service password reset"
    attempts: int = 0  # reset and unlock flows
    successes: int = 0  # flows that ended in a reset or an unlock


@dataclass(frozen=True, slots=True)
class CollectionStatus:
    """How reading this user went; ``reason`` says what failed."""

    state: CollectionState = CollectionState.OK
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """One user and everything the rules look at.

    ``methods is None`` means the per-user methods call was not made (the
    registration report answered) or failed (then ``collection`` says so);
    an empty tuple means the call succeeded and the user has none.
    """

    id: str
    user_principal_name: str
    display_name: str | None
    user_type: str | None  # "Member" / "Guest"
    account_enabled: bool
    on_premises_sync_enabled: bool | None = None
    department: str | None = None
    job_title: str | None = None
    manager_id: str | None = None
    manager_name: str | None = None
    usage_location: str | None = None
    country: str | None = None
    mail: str | None = None
    mobile_phone: str | None = None
    business_phones: tuple[str, ...] = ()
    other_mails: tuple[str, ...] = ()
    methods: tuple[AuthMethod, ...] | None = None
    registration: RegistrationDetails | None = None
    roles: tuple[RoleAssignment, ...] = ()
    groups: tuple[str, ...] = ()  # ids of collected groups the user is a member of
    collection: CollectionStatus = field(default_factory=CollectionStatus)
    activity: SsprActivity | None = None  # None: no SSPR event in the window, or the events were not read
    # Scope hygiene. None is "not read" (see the tenant's sources); for last_sign_in, with the sign-in source
    # read, None is "never signed in". mailbox_purpose is mailboxSettings.userPurpose, or "none" (no mailbox).
    assigned_licenses: tuple[str, ...] | None = None  # skuId of each assignedLicenses entry
    created_at: str | None = None  # createdDateTime
    last_sign_in: str | None = None  # the later of signInActivity's interactive and non-interactive sign-ins
    mailbox_purpose: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One collection of one tenant."""

    tenant: Tenant
    users: tuple[User, ...]
    schema_version: int = SCHEMA_VERSION
    generator: str = "sspr-audit"  # what wrote it: collector, demo generator
