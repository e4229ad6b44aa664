"""Which methods the authentication methods policy makes available to one user, and why.

Microsoft's rule (concept-authentication-methods-manage, how-to-authentication-methods-manage):
each method configuration (``Sms``, ``Voice``, ``Email``, ``MicrosoftAuthenticator``,
``SoftwareOath``, ...) is enabled for groups (``includeTargets``, or all users)
minus groups (``excludeTargets``). A method is available to a user only when its
configuration is enabled, the user is in an included group and in no excluded
group; membership counts through nested groups (the collector reads transitive
members). A group whose members could not be read makes the answer ``unknown``
wherever it could change it, never ``not_available``.

Pure and synchronous: build a :class:`MethodPolicy` once per tenant, then ask
it about each user. The caller maps configurations to SSPR methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sspr_audit.snapshot.models import ALL_USERS, Group, MethodConfiguration, MethodTarget, SourceState, Tenant, User

AUTHENTICATOR = "microsoftauthenticator"
VOICE = "voice"
# When several include targets hold the user, the most permissive mode applies: each grants its own.
_MODE_ORDER = ("any", "push", "deviceBasedPush")


class Availability(StrEnum):
    """Whether the policy lets one user use one method."""

    AVAILABLE = "available"
    NOT_AVAILABLE = "not_available"
    UNKNOWN = "unknown"  # a group that decides it could not be read


@dataclass(frozen=True, slots=True)
class MethodAvailability:
    """One method configuration as it applies to one user."""

    method: str  # the configuration id as Graph names it: Sms, Voice, Email, MicrosoftAuthenticator, ...
    availability: Availability
    reason: str  # one sentence naming the setting and the group
    authentication_mode: str | None = None  # MicrosoftAuthenticator, when available: any, push, deviceBasedPush
    software_oath_enabled: bool | None = None  # MicrosoftAuthenticator: isSoftwareOathEnabled (the app's codes)
    office_phone_allowed: bool | None = None  # Voice: isOfficePhoneAllowed


@dataclass(frozen=True)
class UserMethods:
    """Every method configuration of the policy, as it applies to one user (and to everyone in the same
    groups), in the policy's order."""

    methods: tuple[MethodAvailability, ...]
    _by_id: dict[str, MethodAvailability] = field(init=False, repr=False, compare=False)
    # Answers derived from these, kept by whoever derives them: everyone in the same groups shares them.
    memo: dict[object, object] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {m.method.lower(): m for m in reversed(self.methods)})

    def get(self, method: str) -> MethodAvailability | None:
        """The answer for configuration ``method`` (any case); None when the policy has no such configuration."""
        return self._by_id.get(method.lower())


def method_availability(tenant: Tenant, user: User) -> UserMethods | None:
    """The methods available to ``user``; None when the snapshot did not read per-user targeting."""
    policy = MethodPolicy.of(tenant)
    return None if policy is None else policy.for_user(user)


class MethodPolicy:
    """A tenant's method configurations and the groups they name, indexed once."""

    def __init__(self, configs: tuple[MethodConfiguration, ...], groups: tuple[Group, ...]) -> None:
        self._configs = configs
        self._groups = {g.id.lower(): g for g in groups}
        targets = [t for c in configs for t in (*(c.include_targets or ()), *(c.exclude_targets or ()))]
        self._named = frozenset(t.id.lower() for t in targets if t.target_type != "user")
        self._by_user_target = any(t.target_type == "user" for t in targets)
        # Users in the same named groups get the same answers: judged once per combination.
        self._answers: dict[tuple[frozenset[str], str], UserMethods] = {}

    @classmethod
    def of(cls, tenant: Tenant) -> MethodPolicy | None:
        """The tenant's policy; None when it was not read, or read without targets (a version-1 snapshot)."""
        configs = tenant.settings.method_configurations
        if configs is None or any(c.include_targets is None or c.exclude_targets is None for c in configs):
            return None
        return cls(configs, tenant.groups)

    @property
    def configurations(self) -> tuple[MethodConfiguration, ...]:
        """The method configurations, in the policy's order."""
        return self._configs

    def for_user(self, user: User) -> UserMethods:
        """Each configuration's availability for ``user``."""
        member_of = frozenset(g.lower() for g in user.groups) & self._named
        key = (member_of, user.id.lower() if self._by_user_target else "")
        answers = self._answers.get(key)
        if answers is None:
            answers = self._answers[key] = UserMethods(
                tuple(self._judge(c, user, set(member_of)) for c in self._configs)
            )
        return answers

    def _judge(self, config: MethodConfiguration, user: User, member_of: set[str]) -> MethodAvailability:
        key = config.id.lower()

        def answer(availability: Availability, reason: str, mode: str | None = None) -> MethodAvailability:
            return MethodAvailability(
                config.id,
                availability,
                reason,
                mode,
                config.software_oath_enabled if key == AUTHENTICATOR else None,
                config.office_phone_allowed if key == VOICE else None,
            )

        if config.state != "enabled":
            return answer(Availability.NOT_AVAILABLE, f"{config.id} is disabled in the authentication methods policy")
        includes = [(t, self._holds(t, user, member_of)) for t in config.include_targets or ()]
        excludes = [(t, self._holds(t, user, member_of)) for t in config.exclude_targets or ()]
        scope = self._scope(config)
        excluded = [t for t, held in excludes if held]
        if excluded:
            reason = f"{config.id} is enabled for {scope} but this user is in the excluded {self._label(excluded[0])}"
            return answer(Availability.NOT_AVAILABLE, reason)
        included = [t for t, held in includes if held]
        if not included:
            unread = [t for t, held in includes if held is None]
            if unread:
                return answer(
                    Availability.UNKNOWN, f"{config.id} is enabled only for {scope}; {self._unread(unread[0])}"
                )
            if not includes:
                return answer(Availability.NOT_AVAILABLE, f"{config.id} is enabled but its policy includes nobody")
            them = "it" if len(includes) == 1 else "any of them"
            if any(t.target_type == "user" for t, _ in includes):
                them = "their targets"
            return answer(
                Availability.NOT_AVAILABLE, f"{config.id} is enabled only for {scope}; this user is not in {them}"
            )
        unread = [t for t, held in excludes if held is None]
        if unread:
            reason = f"{config.id} is enabled for {scope} but {self._unread(unread[0], excluded=True)}"
            return answer(Availability.UNKNOWN, reason)
        where = "" if any(t.id == ALL_USERS for t in included) else ", which this user is in"
        mode = _mode(included) if key == AUTHENTICATOR else None
        return answer(Availability.AVAILABLE, f"{config.id} is enabled for {scope}{where}", mode)

    def _holds(self, target: MethodTarget, user: User, member_of: set[str]) -> bool | None:
        """Whether ``target`` holds the user: True, False, or None when its group's members are unknown."""
        if target.id == ALL_USERS:
            return True
        if target.target_type == "user":
            return target.id.lower() == user.id.lower()
        group = self._groups.get(target.id.lower())
        if group is None or group.members_state != SourceState.READ:
            return None
        return target.id.lower() in member_of

    def _label(self, target: MethodTarget) -> str:
        if target.target_type == "user":
            return f"user {target.id}"
        group = self._groups.get(target.id.lower())
        return f"group {group.display_name if group is not None and group.display_name else target.id}"

    def _scope(self, config: MethodConfiguration) -> str:
        """Who the configuration includes: "all users", "the group A", "the groups A and B"."""
        targets = config.include_targets or ()
        if any(t.id == ALL_USERS for t in targets):
            return "all users"
        labels = [self._label(t) for t in targets]
        if len(labels) == 1:
            return f"the {labels[0]}"
        names = [label.split(" ", 1)[1] for label in labels]
        kind = "groups" if all(t.target_type != "user" for t in targets) else "targets"
        return f"the {kind} {', '.join(names[:-1])} and {names[-1]}"

    def _unread(self, target: MethodTarget, excluded: bool = False) -> str:
        """Why a group's members are unknown, e.g. "the members of the group X could not be read (403: ...)"."""
        group = self._groups.get(target.id.lower())
        which = f"the members of the {'excluded ' if excluded else ''}{self._label(target)}"
        if group is None:
            return f"{which} were not read"
        if group.members_state == SourceState.NOT_PERMITTED:
            return f"{which} could not be read ({group.http_status or 403}: {group.permission or 'permission refused'})"
        detail = " ".join(str(part) for part in (group.http_status, group.error_code) if part) or "no answer from Graph"
        return f"{which} could not be read ({detail})"


def _mode(included: list[MethodTarget]) -> str | None:
    """The Authenticator's mode for a user held by ``included``: the most permissive one they grant."""
    modes = {t.authentication_mode for t in included if t.authentication_mode}
    return next((m for m in _MODE_ORDER if m in modes), next(iter(sorted(modes)), None))
