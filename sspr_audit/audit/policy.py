"""The policy file: the SSPR settings Graph cannot tell us, and how to judge.

Every key is optional. A setting not in the file comes from what the snapshot
read from the tenant, and otherwise from Microsoft's defaults; the effective
policy remembers which, so reports can say what was declared and what was read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from sspr_audit.audit import sspr_methods
from sspr_audit.audit.results import PolicySetting, Severity
from sspr_audit.errors import PolicyError
from sspr_audit.snapshot.models import SourceState, Tenant
from sspr_audit.text import SHOWN_CHARS, shorten

ORIGIN_FILE = "policy file"
ORIGIN_TENANT = "tenant"
ORIGIN_DEFAULT = "default"

SCOPES = ("all", "selected", "none")
# Microsoft's inactive-account guidance and common tooling (Get-EntraUserInactiveSignIn, M365 assessments) use 90.
STALE_AFTER_DAYS = 90
SEVERITY_NAMES = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class Exclusion:
    """Users left out of the audit on purpose (break-glass accounts, ...)."""

    upn: str  # a glob pattern, matched case-insensitively
    reason: str

    def matches(self, upn: str) -> bool:
        """Whether ``upn`` matches this exclusion's pattern."""
        return fnmatchcase(upn.casefold(), self.upn.casefold())


@dataclass(frozen=True)
class Policy:
    """The effective policy for one run; ``origins`` says where each value came from."""

    scope: str = "all"
    scope_groups: tuple[str, ...] = ()  # names or ids as written
    scope_group_ids: frozenset[str] = frozenset()  # resolved against the snapshot
    methods_required: int = 1
    methods_enabled: tuple[str, ...] = sspr_methods.DEFAULT_ENABLED
    include_guests: bool = False
    telephony_provider: bool | None = None  # None: not declared (Graph cannot read it)
    security_questions: bool | None = None  # None: not declared (the legacy SSPR policy is not in Graph)
    legacy_methods: tuple[str, ...] | None = None  # enabled in the legacy SSPR policy; None: not declared
    password_writeback: bool | None = None  # [tenant] password_writeback; None: not declared
    admins_allowed_sspr: bool = True
    two_gate: bool = True  # whether the administrator two-gate policy applies in this tenant
    default_phone_region: str | None = None
    email_domains: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    exclude_shared_mailboxes: bool = True  # [scope]: shared, room and equipment mailboxes are not counted
    require_license: bool = True  # [scope]: a member with no licence assigned is not counted
    stale_after_days: int = STALE_AFTER_DAYS  # [scope]: no sign-in for this many days; 0 turns it off
    admin_roles_added: tuple[str, ...] = ()
    admin_roles_removed: tuple[str, ...] = ()
    disabled_rules: frozenset[str] = frozenset()
    severity_overrides: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity | None = None
    origins: dict[str, str] = field(default_factory=dict)
    source: str | None = None

    @property
    def scope_declared(self) -> bool:
        """The SSPR scope comes from the policy file (else the registration report's isSsprEnabled decides)."""
        return self.origins.get("SSPR scope") == ORIGIN_FILE

    @property
    def methods_declared(self) -> bool:
        """``methods_enabled`` comes from the policy file: a what-if that replaces the tenant's policy for everyone."""
        return self.origins.get("Methods enabled") == ORIGIN_FILE

    def exclusion_for(self, upn: str) -> Exclusion | None:
        """The first exclusion that matches ``upn``, if any."""
        return next((e for e in self.exclusions if e.matches(upn)), None)

    def settings(self) -> tuple[PolicySetting, ...]:
        """The settings as shown in reports, each with its origin."""
        rows = [
            ("SSPR scope", self.scope + (f" ({', '.join(self.scope_groups)})" if self.scope == "selected" else "")),
            ("Methods required", str(self.methods_required)),
            ("Methods enabled", ", ".join(self.methods_enabled) or "none"),
            ("Guests included", "yes" if self.include_guests else "no"),
            ("Telephony provider", _declared(self.telephony_provider, "none (assumed: not declared)")),
            ("Security questions", _declared(self.security_questions, "not counted (not declared)")),
            ("Password writeback", _declared(self.password_writeback, "read from the tenant, or unknown")),
            (
                "Legacy SSPR policy methods",
                "not declared" if self.legacy_methods is None else ", ".join(self.legacy_methods) or "none",
            ),
            ("Administrators may use SSPR", "yes" if self.admins_allowed_sspr else "no"),
            ("Administrator two-gate policy", "applies" if self.two_gate else "does not apply (one-gate tenant)"),
            ("Default phone region", self.default_phone_region or "none (user's usage location)"),
            ("Organisation email domains", ", ".join(self.email_domains) or "none"),
            ("Exclusions", "; ".join(f"{e.upn} ({e.reason})" for e in self.exclusions) or "none"),
            ("Shared, room and equipment mailboxes", "not counted" if self.exclude_shared_mailboxes else "counted"),
            ("Accounts with no licence", "not counted" if self.require_license else "counted"),
            (
                "Accounts with no recent sign-in",
                f"not counted after {self.stale_after_days} days" if self.stale_after_days else "counted",
            ),
            (
                "Administrator roles added/removed",
                ", ".join([f"+{r}" for r in self.admin_roles_added] + [f"-{r}" for r in self.admin_roles_removed])
                or "none",
            ),
            ("Rules disabled", ", ".join(sorted(self.disabled_rules)) or "none"),
            (
                "Severity overrides",
                ", ".join(f"{k}={v.value}" for k, v in sorted(self.severity_overrides.items())) or "none",
            ),
            ("Fail on", self.fail_on.value if self.fail_on else "never"),
        ]
        return tuple(PolicySetting(name, value, self.origins.get(name, ORIGIN_DEFAULT)) for name, value in rows)


def _declared(value: bool | None, undeclared: str) -> str:
    return undeclared if value is None else ("yes" if value else "no")


# -- the file format ---------------------------------------------------------------------------------------------


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in allowed:
            raise ValueError(f"{shorten(value)} is not allowed; use one of: {', '.join(allowed)}")
        return value

    return check


def _int_choice(*allowed: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not int or value not in allowed:  # neither true (== 1) nor 1.0
            raise ValueError(f"{shorten(value)} is not allowed; use {' or '.join(map(str, allowed))}")
        return value

    return check


def _days(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3650:
        return value
    raise ValueError(f"{shorten(value)} is not allowed; use a whole number of days from 0 (off) to 3650")


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{shorten(value)} is not allowed; use true or false")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{shorten(value)} is not allowed; use a non-empty string")
    return value.strip()


def _strings(item: Callable[[Any], Any] = _string) -> Callable[[Any], Any]:
    def check(value: Any) -> tuple:
        if not isinstance(value, list):
            raise ValueError(f'{shorten(value)} is not allowed; use a list, e.g. ["a", "b"]')
        return tuple(item(v) for v in value)

    return check


def parse_region(value: Any) -> str:
    """An ISO 3166 alpha-2 region phonenumbers knows, upper-cased; ValueError otherwise."""
    import phonenumbers

    if not isinstance(value, str) or value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f'{shorten(value)} is not allowed; use a two-letter ISO country code such as "US" or "GB"')
    return value.upper()


def _domain(value: Any) -> str:
    text = _string(value).lower()
    if "@" in text or " " in text or "." not in text:
        raise ValueError(f'{shorten(value)} is not allowed; use a domain name such as "contoso.com"')
    return text


_SCHEMA: dict[str, dict[str, Callable[[Any], Any]]] = {
    "sspr": {
        "scope": _one_of(SCOPES),
        "groups": _strings(),
        "methods_required": _int_choice(1, 2),
        "methods_enabled": _strings(_one_of(sspr_methods.SSPR_METHODS)),
        "include_guests": _boolean,
        "telephony_provider": _boolean,
        "security_questions": _boolean,
        "legacy_methods": _strings(_one_of(sspr_methods.SSPR_METHODS[:-1])),
        "admins_allowed": _boolean,
        "two_gate": _boolean,
    },
    "scope": {"exclude_shared_mailboxes": _boolean, "require_license": _boolean, "stale_after_days": _days},
    "tenant": {"password_writeback": _boolean},
    "phones": {"default_region": parse_region},
    "emails": {"organization_domains": _strings(_domain)},
    "admins": {"add_roles": _strings(), "remove_roles": _strings()},
    "rules": {"disable": _strings(), "severity": lambda v: v},  # rule ids checked in load()
    "report": {"fail_on": _one_of((*SEVERITY_NAMES, "none"))},
}
_EXCLUDE_KEYS = ("upn", "reason")


def load(path: Path | None, known_rules: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Read and check a policy file; returns the declared values by ``section.key``.

    Every problem is a :class:`PolicyError` naming the file, the key and the
    allowed values.
    """
    if path is None:
        return {}
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file; create one with 'sspr-audit policy init'") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise PolicyError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None
    except ValueError:  # Python's limit on the digits of an integer
        raise PolicyError(f"{path}: not valid TOML (a number thousands of digits long)") from None

    declared: dict[str, Any] = {}
    for section, body in data.items():
        if section == "exclude":
            declared["exclude"] = _exclusions(path, body)
            continue
        if section not in _SCHEMA:
            allowed = ", ".join(sorted([*_SCHEMA, "exclude"]))
            raise PolicyError(f"{path}: unknown section [{_shown(section)}]; allowed sections: {allowed}")
        if not isinstance(body, dict):
            raise PolicyError(f"{path}: {section} must be a [{section}] table")
        for key, value in body.items():
            checks = _SCHEMA[section]
            if key not in checks:
                raise PolicyError(f"{path}: [{section}] unknown key {shorten(key)}; allowed keys: {', '.join(checks)}")
            try:
                declared[f"{section}.{key}"] = checks[key](value)
            except ValueError as exc:
                raise PolicyError(f"{path}: [{section}] {key}: {exc}") from None
    _check_rules(path, declared, known_rules)
    return declared


def _shown(name: str) -> str:
    """A name from the file as written, quoted when empty or holding a line break or other unprintable character."""
    return name if name and name.isprintable() and len(name) <= SHOWN_CHARS else shorten(name)


def _exclusions(path: Path, body: Any) -> tuple[Exclusion, ...]:
    if not isinstance(body, list):
        raise PolicyError(f"{path}: exclude must be an array of tables: [[exclude]] with upn and reason")
    result = []
    for i, item in enumerate(body, 1):
        if not isinstance(item, dict):
            raise PolicyError(f"{path}: [[exclude]] #{i}: must be a table with upn and reason")
        unknown = set(item) - set(_EXCLUDE_KEYS)
        if unknown:
            raise PolicyError(
                f"{path}: [[exclude]] #{i}: unknown key {shorten(sorted(unknown)[0])}; allowed keys: upn, reason"
            )
        try:
            upn = _string(item.get("upn"))
            reason = _string(item.get("reason"))
        except ValueError:
            raise PolicyError(
                f"{path}: [[exclude]] #{i}: needs both upn (a pattern) and reason (shown in reports)"
            ) from None
        result.append(Exclusion(upn, reason))
    return tuple(result)


def _check_rules(path: Path, declared: dict[str, Any], known: frozenset[str]) -> None:
    """Rule ids against ``known`` (not checked when empty); severities always, so a loaded policy is usable."""
    listed = ", ".join(sorted(known))
    for rule in declared.get("rules.disable", ()):
        if known and rule not in known:
            raise PolicyError(f"{path}: [rules] disable: unknown rule id {shorten(rule)}; known ids: {listed}")
    if "rules.severity" not in declared:
        return
    overrides = declared["rules.severity"]
    if not isinstance(overrides, dict):
        raise PolicyError(f'{path}: [rules] severity must be a table, e.g. [rules.severity] with PHN004 = "medium"')
    checked = {}
    for rule, severity in overrides.items():
        if known and rule not in known:
            raise PolicyError(f"{path}: [rules.severity] unknown rule id {shorten(rule)}; known ids: {listed}")
        if severity not in SEVERITY_NAMES:
            raise PolicyError(
                f"{path}: [rules.severity] {_shown(rule)}: {shorten(severity)} is not allowed;"
                f" use one of: {', '.join(SEVERITY_NAMES)}"
            )
        checked[rule] = Severity(severity)
    declared["rules.severity"] = checked


# -- resolution against a tenant --------------------------------------------------------------------------------


def resolve(declared: dict[str, Any], tenant: Tenant, source: str | None = None) -> Policy:
    """Combine the declared values, the tenant's settings and Microsoft's defaults."""
    origins: dict[str, str] = {}

    def pick(name: str, key: str, tenant_value: Any, default: Any) -> Any:
        if key in declared:
            origins[name] = ORIGIN_FILE
            return declared[key]
        if tenant_value is not None:
            origins[name] = ORIGIN_TENANT
            return tenant_value
        origins[name] = ORIGIN_DEFAULT
        return default

    settings = tenant.settings
    tenant_methods = None
    if settings.method_configurations is not None:
        tenant_methods = sspr_methods.enabled_from_method_configurations(settings.method_configurations)
    scope = pick("SSPR scope", "sspr.scope", None, "all")
    groups = declared.get("sspr.groups", ())
    group_ids = _resolve_groups(groups, tenant, source) if scope == "selected" else frozenset()
    if scope == "selected" and not groups:
        raise PolicyError(f'{source or "policy"}: [sspr] scope = "selected" needs groups = ["group name or id"]')
    two_gate_tenant = _two_gate(tenant)
    fail_on = pick("Fail on", "report.fail_on", None, "none")
    questions = _security_questions(declared, source)
    if questions is not None:
        origins["Security questions"] = ORIGIN_FILE
    if "sspr.telephony_provider" in declared:
        origins["Telephony provider"] = ORIGIN_FILE
    if "tenant.password_writeback" in declared:
        origins["Password writeback"] = ORIGIN_FILE
    if "sspr.legacy_methods" in declared:
        origins["Legacy SSPR policy methods"] = ORIGIN_FILE
    if "admins.add_roles" in declared or "admins.remove_roles" in declared:
        origins["Administrator roles added/removed"] = ORIGIN_FILE
    return Policy(
        scope=scope,
        scope_groups=groups,
        scope_group_ids=group_ids,
        methods_required=pick("Methods required", "sspr.methods_required", None, 1),
        methods_enabled=pick("Methods enabled", "sspr.methods_enabled", tenant_methods, sspr_methods.DEFAULT_ENABLED),
        include_guests=pick("Guests included", "sspr.include_guests", None, False),
        telephony_provider=declared.get("sspr.telephony_provider"),
        security_questions=questions,
        legacy_methods=declared.get("sspr.legacy_methods"),
        password_writeback=declared.get("tenant.password_writeback"),
        admins_allowed_sspr=pick(
            "Administrators may use SSPR", "sspr.admins_allowed", settings.admins_allowed_sspr, True
        ),
        two_gate=pick("Administrator two-gate policy", "sspr.two_gate", two_gate_tenant, True),
        default_phone_region=pick("Default phone region", "phones.default_region", None, None),
        email_domains=pick(
            "Organisation email domains",
            "emails.organization_domains",
            tuple(d.lower() for d in tenant.verified_domains) or None,
            (),
        ),
        exclusions=pick("Exclusions", "exclude", None, ()),
        exclude_shared_mailboxes=pick(
            "Shared, room and equipment mailboxes", "scope.exclude_shared_mailboxes", None, True
        ),
        require_license=pick("Accounts with no licence", "scope.require_license", None, True),
        stale_after_days=pick("Accounts with no recent sign-in", "scope.stale_after_days", None, STALE_AFTER_DAYS),
        admin_roles_added=declared.get("admins.add_roles", ()),
        admin_roles_removed=declared.get("admins.remove_roles", ()),
        disabled_rules=frozenset(pick("Rules disabled", "rules.disable", None, ())),
        severity_overrides=pick("Severity overrides", "rules.severity", None, {}),
        fail_on=None if fail_on == "none" else Severity(fail_on),
        origins=origins,
        source=source,
    )


def _two_gate(tenant: Tenant) -> bool | None:
    """Whether the administrator two-gate policy applies; None when the organization was not read.

    One-gate applies when the tenant has no custom domain and is not synchronising (concept-sspr-policy).
    ``onPremisesSyncEnabled`` is null for a tenant that never synced: not synchronising.
    """
    organization = tenant.source("organization")
    if organization is None or organization.state != SourceState.READ:
        return None
    custom_domain = any(not d.lower().endswith(".onmicrosoft.com") for d in tenant.verified_domains)
    return custom_domain or bool(tenant.on_premises_sync_enabled)


def _security_questions(declared: dict[str, Any], source: str | None) -> bool | None:
    """``[sspr] security_questions``; listing them in ``methods_enabled`` says the same."""
    listed = sspr_methods.SECURITY_QUESTIONS in declared.get("sspr.methods_enabled", ())
    value = declared.get("sspr.security_questions")
    if value is False and listed:
        raise PolicyError(
            f"{source or 'policy'}: [sspr] security_questions = false, but methods_enabled lists"
            " security_questions; keep one of the two"
        )
    return True if listed else value


def _resolve_groups(groups: tuple[str, ...], tenant: Tenant, source: str | None) -> frozenset[str]:
    ids = set()
    for wanted in groups:
        match = next(
            (g for g in tenant.groups if wanted.casefold() in (g.id.casefold(), g.display_name.casefold())), None
        )
        if match is None:
            known = ", ".join(repr(g.display_name) for g in tenant.groups) or "none"
            raise PolicyError(
                f"{source or 'policy'}: [sspr] groups: group {shorten(wanted)} is not in the snapshot"
                f" (collected groups: {known}); collect again with --scope-group {shorten(wanted)}"
            )
        ids.add(match.id)
    return frozenset(ids)


def with_overrides(policy: Policy, *, fail_on: str | None = None, default_region: str | None = None) -> Policy:
    """Apply command-line overrides, which win over the file."""
    origins = dict(policy.origins)
    changes: dict[str, Any] = {}
    if fail_on is not None:
        changes["fail_on"] = None if fail_on == "none" else Severity(fail_on)
        origins["Fail on"] = "command line"
    if default_region is not None:
        changes["default_phone_region"] = default_region.upper()
        origins["Default phone region"] = "command line"
    return replace(policy, origins=origins, **changes) if changes else policy


DEFAULT_POLICY_TOML = """\
# sspr-audit policy. Every key is optional: a key left out is read from the
# tenant where Graph exposes it, otherwise Microsoft's default applies.
# Reports show which settings came from this file and which from the tenant.

[sspr]
# Who SSPR is enabled for (Entra admin center > Password reset > Properties).
# Graph cannot read this setting, so declare it here: "all", "selected" or "none".
# scope = "all"
# With scope = "selected", the group(s) by display name or object id. Collect
# with --scope-group for each so the snapshot knows their members.
# groups = ["SSPR Pilot"]

# Number of methods required to reset: 1 or 2 (Graph cannot read it either).
# methods_required = 1

# Methods available to users. Default: read from the tenant's authentication
# methods policy, per user; otherwise mobile_app, software_oath, hardware_oath,
# mobile_phone, email. Declaring it replaces the tenant's policy for everyone
# (a what-if). Allowed: mobile_app, software_oath, hardware_oath,
# mobile_phone, office_phone, email
# methods_enabled = ["mobile_app", "mobile_phone", "email"]

# Whether the tenant has a telephony provider (Microsoft Security Store) for
# SMS and voice. Microsoft-provided SMS and voice end for SSPR on 1 February
# 2027 (1 July 2027 for Global Administrators and external users). Graph
# cannot read this: not declared, the audit assumes none from those dates.
# telephony_provider = false

# Security questions are set in the legacy SSPR policy, which Graph cannot
# read: they count only when declared here (never for administrators, and
# not from March 2027, when Microsoft retires them for SSPR).
# security_questions = false

# While the tenant's policyMigrationState is not migrationComplete, the
# legacy SSPR policy still enables methods too (a method enabled in either
# counts). Graph cannot read it: declare its methods here.
# legacy_methods = ["mobile_phone", "email"]

# Guests reset their password in their home tenant; include them only if
# your SSPR scope really covers them.
# include_guests = false

# Whether administrators may use SSPR (authorizationPolicy.allowedToUseSSPR,
# read from the tenant when permitted).
# admins_allowed = true

# The administrator two-gate policy applies when the tenant has a custom
# domain or synchronises from on-premises; read from the snapshot by default.
# two_gate = true

[scope]
# Accounts no person uses to reset a password are not counted in "X% can
# reset": they are listed apart, each with its reason, and every report says
# how many each switch removed. A source Graph did not give (no permission,
# no licence) leaves its users counted, and the report says so.
# Shared, room and equipment mailboxes (mailboxSettings/userPurpose;
# MailboxSettings.Read). Default: true.
# exclude_shared_mailboxes = true
# Members with no licence assigned (assignedLicenses is empty). Unlicensed
# administrators stay counted: SSPR for administrators needs no licence.
# Default: true.
# require_license = true
# Accounts with no sign-in (interactive or not) for this many days
# (signInActivity; AuditLog.Read.All and Entra ID P1). 0 turns it off.
# Default: 90, the usual inactive-account threshold.
# stale_after_days = 90

[tenant]
# Password writeback (Entra Connect or cloud sync). Graph shows it only to a
# delegated sign-in; declare it for app-only runs. When off, synced users
# cannot reset their password with SSPR.
# password_writeback = true

[phones]
# Region for national-format numbers without a country code; otherwise the
# user's usage location is used. ISO 3166 alpha-2, e.g. "US", "GB", "DE".
# default_region = "US"

[emails]
# Domains whose mailboxes are unreachable to a locked-out user (EML001).
# Default: the tenant's verified domains.
# organization_domains = ["contoso.com"]

[admins]
# Adjust the list of roles that count as administrators (two-gate policy),
# by display name or role template id.
# add_roles = ["Reports Reader"]
# remove_roles = []

# Users left out on purpose, e.g. emergency-access (break-glass) accounts.
# The reason is shown in every report.
# [[exclude]]
# upn = "breakglass*@contoso.onmicrosoft.com"
# reason = "Emergency access account: no SSPR by design"

[rules]
# disable = ["PHN005"]
# [rules.severity]
# PHN004 = "medium"

[report]
# Exit with code 1 when a finding at or above this severity exists:
# critical, high, medium, low, info, or none.
# fail_on = "high"
"""
