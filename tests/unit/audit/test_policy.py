"""Policy files: defaults, tenant values, overrides, and error messages."""

from __future__ import annotations

import tomllib

import pytest

from sspr_audit.audit import engine, policy
from sspr_audit.audit.results import Severity
from sspr_audit.audit.rules.registry import rule_ids
from sspr_audit.errors import PolicyError
from sspr_audit.snapshot.models import MethodConfiguration, TenantSettings
from tests.builders import snapshots as b


def load(tmp_path, text: str):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return policy.load(path, known_rules=rule_ids()), path


def test_defaults_without_file_or_tenant_settings():
    p = policy.resolve({}, b.tenant(settings=TenantSettings()))
    assert (p.scope, p.methods_required, p.include_guests, p.fail_on) == ("all", 1, False, None)
    assert p.methods_enabled == ("mobile_app", "software_oath", "hardware_oath", "mobile_phone", "email")
    assert p.email_domains == ("contoso.com", "contoso.onmicrosoft.com")
    origins = {s.name: s.origin for s in p.settings()}
    assert origins["Methods enabled"] == "default" and origins["Organisation email domains"] == "tenant"


def test_tenant_methods_policy_is_read_and_file_overrides_it(tmp_path):
    settings = TenantSettings(
        method_configurations=(
            MethodConfiguration("Sms", "enabled"),
            MethodConfiguration("Email", "disabled"),
            MethodConfiguration("Voice", "enabled", office_phone_allowed=True),
        ),
        admins_allowed_sspr=False,
    )
    tenant = b.tenant(settings=settings)
    p = policy.resolve({}, tenant)
    assert p.methods_enabled == ("mobile_phone", "office_phone") and p.admins_allowed_sspr is False
    assert {s.name: s.origin for s in p.settings()}["Methods enabled"] == "tenant"
    declared, path = load(tmp_path, '[sspr]\nmethods_enabled = ["email"]\nmethods_required = 2\n')
    p = policy.resolve(declared, tenant, source=str(path))
    assert p.methods_enabled == ("email",) and p.methods_required == 2
    settings_shown = {s.name: s for s in p.settings()}
    assert settings_shown["Methods enabled"].origin == "policy file"
    assert settings_shown["Administrators may use SSPR"].origin == "tenant"


def test_full_file(tmp_path):
    declared, path = load(
        tmp_path,
        """
[sspr]
scope = "selected"
groups = ["sspr pilot"]
include_guests = true
[phones]
default_region = "gb"
[emails]
organization_domains = ["Contoso.COM"]
[[exclude]]
upn = "breakglass*@contoso.com"
reason = "Emergency access"
[rules]
disable = ["PHN005"]
[rules.severity]
PHN004 = "high"
[report]
fail_on = "medium"
""",
    )
    p = policy.resolve(declared, b.tenant(), source=str(path))
    assert p.scope_group_ids == {b.PILOT.id}
    assert p.default_phone_region == "GB" and p.email_domains == ("contoso.com",)
    assert p.exclusion_for("BreakGlass01@contoso.com").reason == "Emergency access"
    assert p.disabled_rules == {"PHN005"} and p.severity_overrides == {"PHN004": Severity.HIGH}
    assert p.fail_on == Severity.MEDIUM


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sspr]\ncolour = 1\n", "[sspr] unknown key 'colour'; allowed keys: scope, groups, methods_required"),
        ("[sspr]\nmethods_required = 3\n", "[sspr] methods_required: 3 is not allowed; use 1 or 2"),
        ('[sspr]\nscope = "some"\n', "'some' is not allowed; use one of: all, selected, none"),
        (
            '[sspr]\nmethods_enabled = ["sms"]\n',
            "'sms' is not allowed; use one of: mobile_app, software_oath, hardware_oath, mobile_phone",
        ),
        ("[nope]\n", "unknown section [nope]; allowed sections:"),
        ('[phones]\ndefault_region = "XX"\n', "two-letter ISO country code"),
        ('[rules]\ndisable = ["XYZ999"]\n', "unknown rule id 'XYZ999'"),
        ('[rules.severity]\nPHN001 = "urgent"\n', "PHN001: 'urgent' is not allowed"),
        ('[report]\nfail_on = "bad"\n', "[report] fail_on: 'bad' is not allowed; use one of: critical, high"),
        ('[[exclude]]\nupn = "x*"\n', "needs both upn (a pattern) and reason"),
        ("[sspr\n", "not valid TOML"),
        ('[sspr]\ninclude_guests = "yes"\n', "'yes' is not allowed; use true or false"),
    ],
)
def test_errors_name_the_key_and_the_allowed_values(tmp_path, text, message):
    with pytest.raises(PolicyError) as err:
        load(tmp_path, text)
    assert str(err.value).startswith(str(tmp_path / "policy.toml")) and message in str(err.value)


def test_selected_scope_with_uncollected_group_says_how_to_collect(tmp_path):
    declared, path = load(tmp_path, '[sspr]\nscope = "selected"\ngroups = ["Finance Pilot"]\n')
    with pytest.raises(PolicyError, match="collect again with --scope-group 'Finance Pilot'"):
        policy.resolve(declared, b.tenant(), source=str(path))


def test_policy_init_template_parses_to_defaults():
    data = tomllib.loads(policy.DEFAULT_POLICY_TOML)
    assert all(body == {} for body in data.values())  # every key commented out: defaults apply


def test_load_policy_helper_and_overrides(tmp_path):
    declared_path = tmp_path / "p.toml"
    declared_path.write_text('[report]\nfail_on = "low"\n')
    snap = b.snapshot(b.user("a"))
    p = policy.with_overrides(engine.load_policy(declared_path, snap), fail_on="critical", default_region="de")
    assert p.fail_on == Severity.CRITICAL and p.default_phone_region == "DE"
    assert {s.name: s.origin for s in p.settings()}["Fail on"] == "command line"
