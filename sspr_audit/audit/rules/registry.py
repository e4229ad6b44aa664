"""The rule registry: one entry per permanent rule id.

A rule is a plain function decorated with :func:`rule`, which carries its
whole catalog entry: title, severity, why it matters, how to fix it, the
Microsoft page, and the plain-language advice for the person behind a
finding. The decorator checks the metadata at import time; an id is
registered once and never reused (retired ids stay in ``RETIRED``). Every
module of this package is a rule family's home and is imported on first use,
so adding a rule touches only its module.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sspr_audit.audit.judged import Judged
from sspr_audit.audit.location import Location
from sspr_audit.audit.policy import Policy
from sspr_audit.audit.readiness import Assessment
from sspr_audit.audit.reality import Reality
from sspr_audit.audit.results import Severity
from sspr_audit.audit.shared_numbers import Holders
from sspr_audit.snapshot.models import Tenant

FAMILIES = ("SSPR", "EVT", "PHN", "EML", "TEN")  # report order: readiness, what users did, phones, emails, tenant
RULE_ID = re.compile(rf"^({'|'.join(FAMILIES)})\d{{3}}$")
SCOPES = ("user", "tenant", "population")

# Retired or renamed ids -> what replaced them (empty while none is retired).
RETIRED: dict[str, str] = {}

MY_SECURITY_INFO = "https://aka.ms/mysecurityinfo"


@dataclass(frozen=True)
class AuditContext:
    """What every rule may look at: the tenant and the policy; for the rules over all users, every judged
    user, the verdicts against the SSPR audit events and the shared numbers (empty while users are judged)."""

    tenant: Tenant
    policy: Policy
    judged: tuple[Judged, ...] = ()
    reality: Reality | None = None
    shared_numbers: Holders = field(default_factory=dict)  # E.164 -> the users in scope who hold it, in order


@dataclass(frozen=True)
class Hit:
    """A rule firing: which user (None for the tenant), the evidence, and what to do.

    ``severity`` replaces the rule's default for this hit (a date that nears, a
    directory field rather than a registered method); a policy override still wins.
    ``advice`` replaces the rule's advice text for this hit.
    """

    message: str
    user_index: int | None = None
    field: str | None = None
    value: str | None = None
    suggestion: str | None = None
    severity: Severity | None = None
    advice: str | None = None
    location: Location | None = None  # where ``value`` was found, when it is a number or an address


UserCheck = Callable[[Assessment, AuditContext], Iterable[Hit]]
ContextCheck = Callable[[AuditContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A rule's catalog entry and its check function.

    ``scope`` says what the check receives: ``user`` rules get one
    :class:`~sspr_audit.audit.readiness.Assessment` and the context, as each user is
    judged; ``population`` and ``tenant`` rules get the whole context once every user is.
    """

    id: str
    title: str
    severity: Severity
    why: str
    fix: str
    doc_url: str
    scope: str
    advice: str  # for the person behind a finding, unless the hit says otherwise
    check: Callable[..., Iterable[Hit]]


_REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    *,
    title: str,
    severity: Severity,
    why: str,
    fix: str,
    doc_url: str,
    advice: str,
    scope: str = "user",
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register the decorated function as rule ``id`` with its documentation."""

    def register(check: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if not RULE_ID.match(id):
            raise ValueError(f"rule id {id!r} must be a family ({', '.join(FAMILIES)}) and three digits")
        if id in _REGISTRY or id in RETIRED:
            raise ValueError(f"rule id {id} is already registered or retired; ids are never reused")
        if scope not in SCOPES:
            raise ValueError(f"rule {id}: scope must be one of {SCOPES}")
        for name, text in (("title", title), ("why", why), ("fix", fix), ("advice", advice)):
            if not text or not text.strip():
                raise ValueError(f"rule {id}: {name} must not be empty")
        if not doc_url.startswith("https://"):
            raise ValueError(f"rule {id}: doc_url must be an https link")
        _REGISTRY[id] = Rule(
            id, title, Severity(severity), _one_line(why), _one_line(fix), doc_url, scope, _one_line(advice), check
        )
        return check

    return register


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, in report order (importing the rule modules first)."""
    _load()
    return tuple(_REGISTRY[k] for k in sorted(_REGISTRY, key=_order))


def rule_ids() -> frozenset[str]:
    """The ids of every registered rule."""
    _load()
    return frozenset(_REGISTRY)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _order(rule_id: str) -> tuple[int, str]:
    return (FAMILIES.index(rule_id.rstrip("0123456789")), rule_id)


def _load() -> None:
    """Import every module of this package once: importing a rule module registers its rules."""
    package: Any = importlib.import_module("sspr_audit.audit.rules")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in ("registry", "catalog", "docs"):
            importlib.import_module(f"{package.__name__}.{module.name}")
