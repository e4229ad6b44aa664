"""The rule registry: one entry per permanent rule id.

A rule is a plain function decorated with :func:`rule`, which carries its
catalog entry. The decorator checks the metadata at import time; an id is
registered once and never reused (retired ids stay in ``RETIRED``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sspr_audit.audit.results import Severity

RULE_ID = re.compile(r"^(SSPR|PHN|EML|TEN)\d{3}$")
SCOPES = ("user", "tenant", "population")

# Retired or renamed ids -> what replaced them (empty while none is retired).
RETIRED: dict[str, str] = {}


@dataclass(frozen=True)
class Hit:
    """A rule firing: which user (None for the tenant), and the evidence."""

    message: str
    user_index: int | None = None
    field: str | None = None
    value: str | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class Rule:
    """A rule's catalog entry and its check function.

    ``scope`` says what the check receives: ``user`` rules get one
    :class:`~sspr_audit.audit.readiness.Assessment` and the context, ``population``
    and ``tenant`` rules get the whole context.
    """

    id: str
    title: str
    severity: Severity
    why: str
    fix: str
    doc_url: str
    scope: str
    check: Callable[..., Iterable[Hit]]


_REGISTRY: dict[str, Rule] = {}


def rule(
    id: str, *, title: str, severity: Severity, why: str, fix: str, doc_url: str, scope: str = "user"
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register the decorated function as rule ``id`` with its documentation."""

    def register(check: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if not RULE_ID.match(id):
            raise ValueError(f"rule id {id!r} must look like SSPR001, PHN001, EML001 or TEN001")
        if id in _REGISTRY or id in RETIRED:
            raise ValueError(f"rule id {id} is already registered or retired; ids are never reused")
        if scope not in SCOPES:
            raise ValueError(f"rule {id}: scope must be one of {SCOPES}")
        for name, text in (("title", title), ("why", why), ("fix", fix)):
            if not text or not text.strip():
                raise ValueError(f"rule {id}: {name} must not be empty")
        if not doc_url.startswith("https://"):
            raise ValueError(f"rule {id}: doc_url must be an https link")
        _REGISTRY[id] = Rule(
            id, title, Severity(severity), " ".join(why.split()), " ".join(fix.split()), doc_url, scope, check
        )
        return check

    return register


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, in id order (importing the rule modules first)."""
    _load()
    return tuple(_REGISTRY[k] for k in sorted(_REGISTRY, key=_order))


def rule_ids() -> frozenset[str]:
    """The ids of every registered rule."""
    _load()
    return frozenset(_REGISTRY)


def iter_rules(scope: str) -> Iterator[Rule]:
    """The rules of one scope, in id order."""
    return (r for r in all_rules() if r.scope == scope)


_FAMILY_ORDER = {"SSPR": 0, "PHN": 1, "EML": 2, "TEN": 3}


def _order(rule_id: str) -> tuple[int, str]:
    return (_FAMILY_ORDER[rule_id.rstrip("0123456789")], rule_id)


def _load() -> None:
    from sspr_audit.audit.rules import admins, emails, methods, phones, tenant  # noqa: F401  (registers the rules)
