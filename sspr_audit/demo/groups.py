"""The demo tenant's method targeting: who may use SMS, voice calls and email, by group.

The authentication methods policy enables a method for groups minus groups,
so the demo shows each case on a handful of bulk users whose readiness it
decides (two methods required):

- **SMS is a pilot**: enabled only for "SSPR-Pilot-SMS", which holds the
  nested group "SSPR-Pilot-SMS-Field" (its members count transitively);
- **voice calls** are enabled for all users except "No-Voice-Calls", so a
  member of that group reaches their mobile phone only through the SMS pilot;
- **email** is enabled for all users except "No-Email-OTP".

Group ids derive from the tenant id, and users are chosen by their methods,
so the generator's random draws (and every other user) stay as they were.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sspr_audit.snapshot.models import ALL_USERS, Group, MethodConfiguration, MethodTarget, User

SMS_PILOT, SMS_FIELD, NO_VOICE, NO_EMAIL = "SSPR-Pilot-SMS", "SSPR-Pilot-SMS-Field", "No-Voice-Calls", "No-Email-OTP"
APP_AND_EMAIL = frozenset({"app", "email"})
MOBILE_AND_EMAIL = frozenset({"mobile", "email"})
# (groups joined, methods the user must have, how many users): each row changes those users' verdict.
_MEMBERSHIPS = (
    ((NO_EMAIL,), APP_AND_EMAIL, 2),  # email excluded: one method left, not ready
    ((NO_VOICE,), MOBILE_AND_EMAIL, 2),  # no voice and not in the SMS pilot: the mobile phone does not count
    ((NO_VOICE, SMS_PILOT), MOBILE_AND_EMAIL, 2),  # no voice, but SMS through the pilot: ready
    ((NO_VOICE, SMS_FIELD, SMS_PILOT), MOBILE_AND_EMAIL, 1),  # SMS through the nested group only: ready
    ((SMS_PILOT,), frozenset({"app", "mobile"}), 3),  # ordinary pilot members
    ((SMS_FIELD, SMS_PILOT), frozenset({"app", "mobile"}), 2),
)


@dataclass(frozen=True)
class MethodGroups:
    """The four groups, with ids stable for one tenant."""

    by_name: dict[str, Group]

    @classmethod
    def of_tenant(cls, tenant_id: str) -> MethodGroups:
        names = (SMS_PILOT, SMS_FIELD, NO_VOICE, NO_EMAIL)
        return cls(
            {name: Group(str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant_id}/groups/{name}")), name) for name in names}
        )

    @property
    def all(self) -> tuple[Group, ...]:
        return tuple(self.by_name.values())

    def id(self, name: str) -> str:
        return self.by_name[name].id


def method_configurations(groups: MethodGroups, tap_group_id: str) -> tuple[MethodConfiguration, ...]:
    """The demo's authentication methods policy, every target a real group of the tenant."""
    everyone = (MethodTarget(ALL_USERS),)
    return (
        MethodConfiguration(
            "MicrosoftAuthenticator",
            "enabled",
            (MethodTarget(ALL_USERS, authentication_mode="any"),),
            software_oath_enabled=True,
        ),
        MethodConfiguration("Sms", "enabled", (MethodTarget(groups.id(SMS_PILOT)),)),
        MethodConfiguration(
            "Voice", "enabled", everyone, (MethodTarget(groups.id(NO_VOICE)),), office_phone_allowed=True
        ),
        MethodConfiguration("Email", "enabled", everyone, (MethodTarget(groups.id(NO_EMAIL)),)),
        MethodConfiguration("SoftwareOath", "enabled"),
        MethodConfiguration("Fido2", "enabled"),
        MethodConfiguration("TemporaryAccessPass", "enabled", (MethodTarget(tap_group_id),)),
        MethodConfiguration("X509Certificate", "disabled"),
    )


def sspr_kinds(user: User) -> frozenset[str]:
    """The SSPR-relevant methods a user registered: app, oath, mobile, alt_mobile, office, email."""
    kinds = set()
    for method in user.methods or ():
        if method.type == "phone":
            kinds.add({"mobile": "mobile", "office": "office"}.get(method.phone_type or "", "alt_mobile"))
        elif method.type in ("microsoftAuthenticator", "email"):
            kinds.add("app" if method.type == "microsoftAuthenticator" else "email")
        elif method.type == "softwareOath":
            kinds.add("oath")
    return frozenset(kinds)


def join_method_groups(people: Sequence[User], groups: MethodGroups, skip: int) -> list[User]:
    """``people`` with the chosen bulk users (after the first ``skip``) made members of the method groups."""
    wanted = [[names, kinds, count] for names, kinds, count in _MEMBERSHIPS]
    joined = list(people)
    for index in range(skip, len(joined)):
        user = joined[index]
        row = _first_wanted(wanted, user)
        if row is None:
            continue
        row[2] -= 1
        added = tuple(groups.id(name) for name in row[0])
        joined[index] = dataclasses.replace(user, groups=(*added, *user.groups))
        if not any(r[2] for r in wanted):
            break
    return joined


def _first_wanted(wanted: Iterable[list], user: User) -> list | None:
    if not user.account_enabled or user.user_type != "Member" or user.roles or user.methods is None:
        return None
    kinds = sspr_kinds(user)
    return next((row for row in wanted if row[2] and kinds == row[1]), None)
