"""Who may use which method: the authentication methods policy applied to one user.

Each rule is Microsoft's, pinned to the page that states it:
- concept-authentication-methods-manage: methods are enabled "for all users or specific groups",
  and groups can be excluded;
- how-to-authentication-methods-manage: "enable methods for groups of users in addition to all users,
  and you can also exclude groups of users from being able to use a given method".
"""

from __future__ import annotations

import dataclasses

from sspr_audit.audit.method_policy import Availability, MethodPolicy, method_availability
from sspr_audit.snapshot.models import (
    ALL_USERS,
    Group,
    MethodConfiguration,
    MethodTarget,
    SourceState,
    TenantSettings,
)
from tests.builders import snapshots as b

PILOT = Group("0000bbbb-0000-4000-8000-000000000001", "SSPR-Pilot-SMS")
FIELD = Group("0000bbbb-0000-4000-8000-000000000002", "SSPR-Pilot-SMS-Field")
NO_EMAIL = Group("0000bbbb-0000-4000-8000-000000000003", "No-Email-OTP")
HIDDEN = Group(
    "0000bbbb-0000-4000-8000-000000000004",
    "Hidden-Membership",
    SourceState.NOT_PERMITTED,
    403,
    "Authorization_RequestDenied",
    "GroupMember.Read.All",
)
BROKEN = Group("0000bbbb-0000-4000-8000-000000000005", "Flaky", SourceState.FAILED, 503, "serviceNotAvailable")


def tenant(*configs: MethodConfiguration, groups=(PILOT, FIELD, NO_EMAIL, HIDDEN, BROKEN)):
    return b.tenant(settings=TenantSettings(method_configurations=configs), groups=groups)


def answer(config: MethodConfiguration, *groups: Group, user_id: str | None = None):
    user = b.user("someone", groups=tuple(g.id for g in groups))
    if user_id is not None:
        user = dataclasses.replace(user, id=user_id)
    found = method_availability(tenant(config), user)
    assert found is not None
    return found.get(config.id)


SMS_PILOT = MethodConfiguration("Sms", "enabled", (MethodTarget(PILOT.id),))
EMAIL_ALL_BUT = MethodConfiguration("Email", "enabled", (MethodTarget(ALL_USERS),), (MethodTarget(NO_EMAIL.id),))


def test_a_disabled_method_is_available_to_nobody():
    """concept-authentication-methods-manage: the policy's state enables or disables a method for everyone."""
    got = answer(dataclasses.replace(SMS_PILOT, state="disabled"), PILOT)
    assert got.availability is Availability.NOT_AVAILABLE
    assert got.reason == "Sms is disabled in the authentication methods policy"


def test_a_method_enabled_for_a_group_is_available_to_its_members_only():
    """how-to-authentication-methods-manage: "enable methods for groups of users in addition to all users"."""
    member, outsider = answer(SMS_PILOT, PILOT), answer(SMS_PILOT)
    assert member.availability is Availability.AVAILABLE
    assert member.reason == "Sms is enabled for the group SSPR-Pilot-SMS, which this user is in"
    assert outsider.availability is Availability.NOT_AVAILABLE
    assert outsider.reason == "Sms is enabled only for the group SSPR-Pilot-SMS; this user is not in it"


def test_membership_through_a_nested_group_counts():
    """concept-authentication-methods-manage: a group target covers its members; the collector records
    transitive membership, so a member of a group inside the pilot group is in the pilot group."""
    assert answer(SMS_PILOT, FIELD, PILOT).availability is Availability.AVAILABLE
    assert answer(SMS_PILOT, FIELD).availability is Availability.NOT_AVAILABLE  # not recorded in the parent


def test_an_excluded_group_wins_over_all_users():
    """how-to-authentication-methods-manage: "you can also exclude groups of users from being able to use a
    given method"."""
    excluded, others = answer(EMAIL_ALL_BUT, NO_EMAIL), answer(EMAIL_ALL_BUT)
    assert excluded.availability is Availability.NOT_AVAILABLE
    assert excluded.reason == "Email is enabled for all users but this user is in the excluded group No-Email-OTP"
    assert others.availability is Availability.AVAILABLE and others.reason == "Email is enabled for all users"


def test_an_unreadable_included_group_makes_the_answer_unknown_never_not_available():
    """concept-authentication-methods-manage: membership of the included group decides; unread, it is unknown."""
    config = MethodConfiguration("Voice", "enabled", (MethodTarget(HIDDEN.id),), office_phone_allowed=True)
    got = answer(config)
    assert got.availability is Availability.UNKNOWN
    assert got.reason == (
        "Voice is enabled only for the group Hidden-Membership;"
        " the members of the group Hidden-Membership could not be read (403: GroupMember.Read.All)"
    )
    assert got.office_phone_allowed is True
    failed = answer(MethodConfiguration("Voice", "enabled", (MethodTarget(BROKEN.id),)))
    assert failed.availability is Availability.UNKNOWN and "(503 serviceNotAvailable)" in failed.reason


def test_an_unreadable_group_that_cannot_change_the_answer_does_not_make_it_unknown():
    """concept-authentication-methods-manage: one included group is enough; exclusion needs inclusion first."""
    both = MethodConfiguration("Sms", "enabled", (MethodTarget(HIDDEN.id), MethodTarget(PILOT.id)))
    assert answer(both, PILOT).availability is Availability.AVAILABLE
    assert answer(both).availability is Availability.UNKNOWN
    hidden_excluded = MethodConfiguration("Sms", "enabled", (MethodTarget(PILOT.id),), (MethodTarget(HIDDEN.id),))
    outsider = answer(hidden_excluded)
    assert outsider.availability is Availability.NOT_AVAILABLE
    assert outsider.reason == "Sms is enabled only for the group SSPR-Pilot-SMS; this user is not in it"
    member = answer(hidden_excluded, PILOT)
    assert member.availability is Availability.UNKNOWN
    assert member.reason == (
        "Sms is enabled for the group SSPR-Pilot-SMS but the members of the excluded group Hidden-Membership"
        " could not be read (403: GroupMember.Read.All)"
    )
    also_excluded = dataclasses.replace(hidden_excluded, include_targets=(MethodTarget(HIDDEN.id),))
    no_email = dataclasses.replace(also_excluded, exclude_targets=(MethodTarget(NO_EMAIL.id),))
    assert answer(no_email, NO_EMAIL).availability is Availability.NOT_AVAILABLE  # a sure exclusion settles it


def test_a_group_the_snapshot_never_read_is_unknown():
    """concept-authentication-methods-manage: the group's membership decides; a group not collected is not known."""
    config = MethodConfiguration("Sms", "enabled", (MethodTarget("0000cccc-0000-4000-8000-000000000009"),))
    got = answer(config)
    assert got.availability is Availability.UNKNOWN
    assert got.reason.endswith("the members of the group 0000cccc-0000-4000-8000-000000000009 were not read")


def test_a_user_target_kept_from_before_group_only_targeting_holds_that_user():
    """concept-authentication-methods-manage, known issues: "Previously targeted users will remain in the policy"."""
    config = MethodConfiguration("Sms", "enabled", (MethodTarget("u-42", target_type="user"),))
    assert answer(config, user_id="u-42").availability is Availability.AVAILABLE
    other = answer(config, user_id="u-43")
    assert other.reason == "Sms is enabled only for the user u-42; this user is not in their targets"


def test_several_included_groups_are_named():
    """how-to-authentication-methods-manage: a method may be limited to groups; the reason names every one."""
    config = MethodConfiguration("Sms", "enabled", (MethodTarget(PILOT.id), MethodTarget(FIELD.id)))
    assert answer(config).reason == (
        "Sms is enabled only for the groups SSPR-Pilot-SMS and SSPR-Pilot-SMS-Field; this user is not in any of them"
    )


def test_authenticator_mode_and_otp_setting_follow_the_targets_that_hold_the_user():
    """how-to-authentication-methods-manage, Microsoft Authenticator: the authentication mode is set per target and
    "Allow use of Microsoft Authenticator OTP" is isSoftwareOathEnabled."""
    config = MethodConfiguration(
        "MicrosoftAuthenticator",
        "enabled",
        (MethodTarget(ALL_USERS, authentication_mode="deviceBasedPush"), MethodTarget(PILOT.id, "group", "push")),
        software_oath_enabled=False,
    )
    everyone, pilot = answer(config), answer(config, PILOT)
    assert (everyone.authentication_mode, pilot.authentication_mode) == ("deviceBasedPush", "push")
    assert everyone.software_oath_enabled is False and everyone.office_phone_allowed is None
    assert answer(dataclasses.replace(config, state="disabled")).authentication_mode is None


def test_every_configuration_is_answered_in_the_policy_order():
    """how-to-authentication-methods-manage: each method of the policy is configured on its own."""
    configs = (SMS_PILOT, EMAIL_ALL_BUT, MethodConfiguration("HardwareOath", "enabled"))
    found = MethodPolicy.of(tenant(*configs)).for_user(b.user("x", groups=(NO_EMAIL.id,)))
    assert [(m.method, m.availability) for m in found.methods] == [
        ("Sms", Availability.NOT_AVAILABLE),
        ("Email", Availability.NOT_AVAILABLE),
        ("HardwareOath", Availability.AVAILABLE),
    ]
    assert found.get("hardwareoath").method == "HardwareOath" and found.get("Voice") is None


def test_no_answer_when_targeting_was_not_read():
    """A version-1 snapshot or an unread methods policy cannot say who may use a method: the caller falls back."""
    user = b.user("x")
    assert method_availability(b.tenant(settings=TenantSettings()), user) is None
    unread = MethodConfiguration("Sms", "enabled", include_targets=None, exclude_targets=None)
    assert method_availability(tenant(unread), user) is None
