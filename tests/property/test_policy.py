"""Properties of policy files: any file fails only with a one-line PolicyError; declared values are what applies.

Policies are generated as data over the documented sections and keys, then
written as TOML (checked to read back as the same data), so the file format
and the checks are both exercised.
"""

from __future__ import annotations

import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import phonenumbers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sspr_audit.audit import policy, sspr_methods
from sspr_audit.audit.policy import Exclusion, Policy
from sspr_audit.audit.results import Severity
from sspr_audit.audit.rules.registry import rule_ids
from sspr_audit.errors import InputError, PolicyError
from sspr_audit.snapshot.models import Group, Tenant
from tests.builders import snapshots as b

# Derandomised: the same examples on every run, so CI cannot fail by chance; no example database is written.
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RULES = rule_ids()
RULE_IDS = sorted(RULES)
SEVERITIES = policy.SEVERITY_NAMES
SCHEMA = {section: tuple(keys) for section, keys in policy._SCHEMA.items()}
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)

# A TOML file is UTF-8, which cannot hold a lone surrogate; everything else goes.
CHAR = st.characters(codec=None, exclude_categories=("Cs",))
TEXT = st.text(CHAR, max_size=12)
NONBLANK = TEXT.filter(str.strip)

# -- writing TOML -------------------------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict[str, Any]) -> str:
    """Tables as ``[section]``, lists of tables as ``[[section]]``, anything else as a top-level key."""
    tables = {k: v for k, v in doc.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)}
    lines = [f"{toml_string(k)} = {toml_value(v)}" for k, v in doc.items() if k not in tables and k not in arrays]
    for name, body in tables.items():
        lines += ["", f"[{toml_string(name)}]", *(f"{toml_string(k)} = {toml_value(v)}" for k, v in body.items())]
    for name, items in arrays.items():
        for item in items:
            lines += ["", f"[[{toml_string(name)}]]", *(f"{toml_string(k)} = {toml_value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"


def same(a: Any, b: Any) -> bool:
    """Equality that takes NaN as equal to itself."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def load_text(text: str | bytes, known: frozenset[str] = RULES) -> dict[str, Any] | PolicyError:
    """Load a policy file holding ``text``; the PolicyError it raised, if any, after checking it is one line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        try:
            return policy.load(path, known_rules=known)
        except PolicyError as exc:
            assert isinstance(exc, InputError)
            assert len(str(exc).splitlines()) == 1 and str(exc).startswith(f"{path}: "), str(exc)
            return exc


# -- strategies ---------------------------------------------------------------------------------------------------

words = st.sampled_from(
    (*policy.SCOPES, *sspr_methods.SSPR_METHODS, *SEVERITIES, "none", *RULE_IDS, "US", "gb", "contoso.com", "", " ")
)
toml_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | TEXT | words | st.sampled_from((1, 2)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT | words, inner, max_size=3),
    max_leaves=12,
)
section_names = st.sampled_from((*SCHEMA, "exclude")) | TEXT
key_names = st.sampled_from(sorted({k for keys in SCHEMA.values() for k in keys} | {"upn", "reason", *RULE_IDS}))
tables = st.dictionaries(key_names | TEXT, toml_values, max_size=4)
any_documents = st.dictionaries(
    section_names, tables | st.lists(tables, min_size=1, max_size=3) | toml_values, max_size=5
)

TOML_LINES = (
    "[sspr]",
    "[[exclude]]",
    "[rules.severity]",
    "[rules]",
    "[phones]",
    'scope = "all"',
    "PHN004 = 'x'",
    'upn = "a*"',
    "methods_required = 2.0",
    "a = [",
    "= 1",
    '"\\u0000" = 1',
    "[sspr.x]",
    "x = 1e999",
    "[[sspr]]",
    "disable = [1, [2]]",
    "a = 1979-05-27",
    "b = 0x_1",
    "c = '''\n'''",
    "\ufeff",
    "\r\n",
)
toml_like_text = st.lists(st.sampled_from(TOML_LINES) | st.text(CHAR, max_size=20), max_size=12).map("\n".join)


def documented_values() -> st.SearchStrategy[dict[str, Any]]:
    """A valid policy as data: any subset of the documented keys, each with an allowed value."""

    def section(**keys: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({}, optional=keys)

    names = st.lists(NONBLANK, max_size=3)
    domain = st.tuples(
        st.from_regex(r"[A-Za-z0-9-]{1,8}(\.[A-Za-z0-9-]{1,8}){1,2}", fullmatch=True), st.sampled_from(("", " ", "\t"))
    ).map(lambda d: d[1] + d[0] + d[1])
    return st.fixed_dictionaries(
        {},
        optional={
            "sspr": section(
                scope=st.sampled_from(policy.SCOPES),
                groups=st.lists(NONBLANK, max_size=3, unique_by=lambda g: g.strip().casefold()),
                methods_required=st.sampled_from((1, 2)),
                methods_enabled=st.lists(st.sampled_from(sspr_methods.SSPR_METHODS[:-1]), max_size=4),
                include_guests=st.booleans(),
                telephony_provider=st.booleans(),
                security_questions=st.booleans(),
                admins_allowed=st.booleans(),
                two_gate=st.booleans(),
            ),
            "phones": section(
                default_region=st.sampled_from(REGIONS).flatmap(lambda r: st.sampled_from((r, r.lower(), r.title())))
            ),
            "emails": section(organization_domains=st.lists(domain, max_size=3)),
            "admins": section(add_roles=names, remove_roles=names),
            "rules": section(
                disable=st.lists(st.sampled_from(RULE_IDS), max_size=3),
                severity=st.dictionaries(st.sampled_from(RULE_IDS), st.sampled_from(SEVERITIES), max_size=3),
            ),
            "report": section(fail_on=st.sampled_from((*SEVERITIES, "none"))),
            "exclude": st.lists(st.fixed_dictionaries({"upn": NONBLANK, "reason": NONBLANK}), min_size=1, max_size=3),
        },
    )


# (section, key) -> (Policy attribute, the value it must hold for a declared value, the setting's name in reports)
EXPECTED = {
    ("sspr", "scope"): ("scope", lambda v: v, "SSPR scope"),
    ("sspr", "groups"): ("scope_groups", lambda v: tuple(g.strip() for g in v), None),
    ("sspr", "methods_required"): ("methods_required", lambda v: v, "Methods required"),
    ("sspr", "methods_enabled"): ("methods_enabled", tuple, "Methods enabled"),
    ("sspr", "include_guests"): ("include_guests", lambda v: v, "Guests included"),
    ("sspr", "telephony_provider"): ("telephony_provider", lambda v: v, "Telephony provider"),
    ("sspr", "security_questions"): ("security_questions", lambda v: v, "Security questions"),
    ("sspr", "admins_allowed"): ("admins_allowed_sspr", lambda v: v, "Administrators may use SSPR"),
    ("sspr", "two_gate"): ("two_gate", lambda v: v, "Administrator two-gate policy"),
    ("phones", "default_region"): ("default_phone_region", str.upper, "Default phone region"),
    ("emails", "organization_domains"): (
        "email_domains",
        lambda v: tuple(d.strip().lower() for d in v),
        "Organisation email domains",
    ),
    ("admins", "add_roles"): (
        "admin_roles_added",
        lambda v: tuple(r.strip() for r in v),
        "Administrator roles added/removed",
    ),
    ("admins", "remove_roles"): (
        "admin_roles_removed",
        lambda v: tuple(r.strip() for r in v),
        "Administrator roles added/removed",
    ),
    ("rules", "disable"): ("disabled_rules", frozenset, "Rules disabled"),
    ("rules", "severity"): (
        "severity_overrides",
        lambda v: {k: Severity(s) for k, s in v.items()},
        "Severity overrides",
    ),
    ("report", "fail_on"): ("fail_on", lambda v: None if v == "none" else Severity(v), "Fail on"),
}


def declared_items(doc: dict[str, Any]) -> list[tuple[tuple[str, str], Any]]:
    return [
        ((section, key), value) for section, body in doc.items() if section != "exclude" for key, value in body.items()
    ]


def tenant_with_groups(doc: dict[str, Any]) -> Tenant:
    """A tenant holding exactly the groups the policy names."""
    names = doc.get("sspr", {}).get("groups", [])
    return b.tenant(groups=tuple(Group(f"{i:08x}-0000-4000-8000-000000000000", g.strip()) for i, g in enumerate(names)))


def assert_applies(doc: dict[str, Any], p: Policy, tenant: Tenant) -> None:
    """Every declared value is the value that applies, shown as coming from the file; nothing else claims to."""
    from_file = set()
    for (section, key), value in declared_items(doc):
        attribute, expected, setting = EXPECTED[(section, key)]
        assert getattr(p, attribute) == expected(value), (section, key)
        assert type(getattr(p, attribute)) is type(expected(value)), (section, key)
        from_file.add(setting)
    if "exclude" in doc:
        assert p.exclusions == tuple(Exclusion(e["upn"].strip(), e["reason"].strip()) for e in doc["exclude"])
        from_file.add("Exclusions")
    assert p.scope_group_ids == (frozenset(g.id for g in tenant.groups) if p.scope == "selected" else frozenset())
    shown = {s.name: s.origin for s in p.settings()}
    from_file.discard(None)
    assert {name for name, origin in shown.items() if origin == policy.ORIGIN_FILE} == from_file


# -- properties ---------------------------------------------------------------------------------------------------


@PROPERTY
@given(doc=documented_values())
def test_a_valid_policy_loads_and_its_values_apply(doc: dict[str, Any]) -> None:
    text = toml_document(doc)
    assert same(tomllib.loads(text), doc), text  # the writer is right, so the file says what the data says
    declared = load_text(text)
    assert not isinstance(declared, PolicyError), (text, declared)
    tenant = tenant_with_groups(doc)
    if doc.get("sspr", {}).get("scope") == "selected" and not doc["sspr"].get("groups"):
        try:
            policy.resolve(declared, tenant, source="policy.toml")
        except PolicyError as exc:
            assert "groups" in str(exc) and len(str(exc).splitlines()) == 1
        else:
            raise AssertionError("scope 'selected' without groups was accepted")
        return
    assert_applies(doc, policy.resolve(declared, tenant, source="policy.toml"), tenant)


@PROPERTY
@given(doc=documented_values(), data=st.data())
def test_an_unknown_key_anywhere_is_named(doc: dict[str, Any], data: st.DataObject) -> None:
    places = [
        "top",
        *[s for s in doc if s != "exclude"],
        *(["exclude"] if "exclude" in doc else []),
        "rules.severity",
        "rules.disable",
    ]
    where = data.draw(st.sampled_from(places), label="where")
    if where == "top":
        key = data.draw(TEXT.filter(lambda k: k not in (*SCHEMA, "exclude")), label="key")
        doc[key] = {}
    elif where == "exclude":
        key = data.draw(TEXT.filter(lambda k: k not in ("upn", "reason")), label="key")
        doc["exclude"][data.draw(st.integers(0, len(doc["exclude"]) - 1))][key] = "x"
    elif where == "rules.severity":
        key = data.draw(TEXT.filter(lambda k: k not in RULES), label="key")
        doc.setdefault("rules", {}).setdefault("severity", {})[key] = "low"
    elif where == "rules.disable":
        key = data.draw(NONBLANK.filter(lambda k: k.strip() not in RULES), label="rule id")
        doc.setdefault("rules", {}).setdefault("disable", []).append(key)
        key = key.strip()
    else:
        key = data.draw(TEXT.filter(lambda k: k not in SCHEMA[where]), label="key")
        doc[where][key] = data.draw(toml_values, label="value")
    error = load_text(toml_document(doc))
    assert isinstance(error, PolicyError), f"unknown key {key!r} in {where} was accepted"
    assert "unknown" in str(error) and (key in str(error) or repr(key) in str(error)), (key, str(error))


@PROPERTY
@given(doc=any_documents, known=st.sampled_from((RULES, frozenset())))
def test_any_toml_document_loads_or_gives_a_policy_error(doc: dict[str, Any], known: frozenset[str]) -> None:
    text = toml_document(doc)
    assert same(tomllib.loads(text), doc), text
    check_loaded(load_text(text, known))


@PROPERTY
@given(text=st.text(CHAR, max_size=300) | toml_like_text, known=st.sampled_from((RULES, frozenset())))
@example(text="a = " + "[" * 5_000, known=RULES)
@example(text="[sspr]\nmethods_required = " + "1" * 5_000, known=RULES)
@example(text="[sspr]\nmethods_required = 1.0\n", known=RULES)
@example(text='[sspr]\n"scope\\nx" = 1\n', known=RULES)
@example(text='["a\\u2028b"]\n', known=RULES)
@example(text="[rules]\nseverity = 5\n", known=frozenset())
@example(text="[rules.severity]\nPHN004 = 'loud'\n", known=frozenset())
def test_any_text_loads_or_gives_a_policy_error(text: str, known: frozenset[str]) -> None:
    check_loaded(load_text(text, known))


@PROPERTY
@given(raw=st.binary(max_size=300) | st.text(CHAR, max_size=100).map(lambda t: t.encode("utf-16")))
@example(raw=b"\xff\xfe[sspr]")
@example(raw=b'[sspr]\nscope = "\xed\xa0\x80"\n')  # an encoded surrogate: not UTF-8
def test_any_bytes_load_or_give_a_policy_error(raw: bytes) -> None:
    check_loaded(load_text(raw))


def check_loaded(result: dict[str, Any] | PolicyError) -> None:
    """A policy that loads gives only documented values, and resolving it fails, if at all, with a PolicyError."""
    if isinstance(result, PolicyError):
        return
    for name, value in result.items():
        if name == "sspr.methods_required":
            assert type(value) is int and value in (1, 2), value
        elif name == "rules.severity":
            assert all(isinstance(s, Severity) for s in value.values()), value
        elif name == "exclude":
            assert all(isinstance(e, Exclusion) for e in value)
        elif name in ("sspr.include_guests", "sspr.admins_allowed", "sspr.two_gate"):
            assert type(value) is bool
        else:
            assert isinstance(value, str | tuple), (name, value)
    try:
        resolved = policy.resolve(result, tenant_with_groups({}), source="policy.toml")
    except PolicyError as exc:
        assert len(str(exc).splitlines()) == 1
        return
    assert all(isinstance(s.value, str) for s in resolved.settings())
