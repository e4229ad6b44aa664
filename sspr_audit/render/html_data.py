"""The compact data the HTML report embeds once, for its client-side tables.

A tenant of 100,000 users must stay a file a browser opens, so users and
findings are arrays rather than objects, every string is stored once in a
table (``s``) and referenced by index, and a finding points at its user by
position. ``report.js`` reads exactly this layout:

- ``s``: strings; every other string field below is an index into it, or null
- ``st`` / ``sv``: ``[value, label]`` of each readiness status / severity
- ``ml``: SSPR method -> label
- ``r``: rules ``[id, title, severity index]``
- ``u``: users ``[upn, display name, department, manager, user type, status index, reason,
  admin (0 no, 1 yes, 2 PIM-eligible only), required, usable count, methods, collection state,
  collection reason, roles, synced (1, 0, null), not counted, loses SSPR on, loses SSPR because,
  Microsoft's SSPR flags from the registration report, the last reset attempt and how it compares with the
  verdict]``, trailing nulls left out (no report row, no attempt: ``na`` says why none is shown); a
  method is ``[method, 1 when prepopulated else 0, field, value, 1 when defective else 0]``; a method not
  counted is ``[what, why]``
- ``na``: what the user detail says of a user with no attempt (none in the window, or the events not read)
- ``f``: findings ``[rule index, severity index, user index or -1, field, value, message, suggestion,
  upn, display name]`` (the last two only for findings without a known user); a message no other finding
  shares is an array of its sentences and clauses, each a string index, to be joined: most of a message is its
  rule's wording, stored once, and the rest the user's own numbers and addresses
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from sspr_audit.audit.results import AuditResult, Finding, MethodSource, Readiness, Severity, UserResult
from sspr_audit.audit.sspr_methods import METHOD_LABELS
from sspr_audit.render.reality import attempt_text, comparisons_by_user, no_attempt_text
from sspr_audit.render.summary import STATUS_LABELS, microsoft_flags, role_text
from sspr_audit.text import capped

# Characters that could end the <script> element or confuse an HTML or JS parser.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class _Strings:
    """Interns strings: each distinct string is stored once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str | None) -> int | None:
        if text is None:
            return None
        return self.index.setdefault(capped(text), len(self.index))  # type: ignore[arg-type]


def rule_rows(result: AuditResult) -> list[tuple[str, str, Severity]]:
    """The rules the report knows: the catalog plus any rule id only seen in findings, sorted by id."""
    rows = {r.id: (r.id, r.title, r.severity) for r in result.rules}
    for f in result.findings:
        rows.setdefault(f.rule, (f.rule, f.rule, f.severity))
    return [rows[k] for k in sorted(rows)]


def write_payload(
    out: IO[str], result: AuditResult, users: tuple[UserResult, ...], findings: tuple[Finding, ...]
) -> None:
    """Write the embedded data for ``users`` and ``findings`` in report order, safe inside ``<script>``.

    Written a row at a time, as ``json.dumps`` of the whole would write it: a
    million-user tenant never holds its rows, nor their JSON, twice in memory.
    """
    s = _Strings()
    statuses = {st: i for i, st in enumerate(Readiness)}
    severities = {sv: i for i, sv in enumerate(Severity)}
    rules = rule_rows(result)
    rule_index = {r[0]: i for i, r in enumerate(rules)}
    user_index = {u.user.id: i for i, u in enumerate(users)}
    attempts = comparisons_by_user(result)
    no_attempt = s(no_attempt_text(result.reality))
    out.write('{"v":1,"st":')
    out.write(script_json([[st.value, STATUS_LABELS[st]] for st in Readiness]))
    out.write(',"sv":' + script_json([[sv.value, sv.value.capitalize()] for sv in Severity]))
    out.write(',"ml":' + script_json(METHOD_LABELS))
    out.write(',"r":' + script_json([[rid, title, severities[sev]] for rid, title, sev in rules]))
    user_rows = (
        _trimmed(
            _user(
                u,
                s,
                statuses,
                result.tenant.collected_at,
                s(attempt_text(c)) if (c := attempts.get(u.user.id)) else None,
            )
        )
        for u in users
    )
    _write_array(out, ',"u":', user_rows)
    shared = {m for m, n in Counter(f.message for f in findings).items() if n > 1}
    finding_rows = (_finding(f, s, rule_index, severities, user_index, shared) for f in findings)
    _write_array(out, ',"f":', finding_rows)
    out.write(',"na":' + script_json(no_attempt) + ',"s":')
    _write_array(out, "", iter(s.index))
    out.write("}")


def _write_array(out: IO[str], prefix: str, items: Iterator[Any]) -> None:
    out.write(prefix + "[")
    for i, item in enumerate(items):
        out.write("," + script_json(item) if i else script_json(item))
    out.write("]")


def _finding(
    f: Finding,
    s: _Strings,
    rule_index: dict[str, int],
    severities: dict[Severity, int],
    user_index: dict[str, int],
    shared: set[str],
) -> list[Any]:
    at = user_index.get(f.user_id, -1) if f.user_id else -1
    message = s(f.message) if f.message in shared else _segments(f.message, s)
    row = [rule_index[f.rule], severities[f.severity], at, s(f.field), s(f.value), message, s(f.suggestion)]
    if at < 0:
        row += [s(f.upn), s(f.display_name)]
    return row


# A message's sentences and clauses: after ". ", ": " or "; ". Joined, they give back the message exactly.
_CLAUSE_END = re.compile(r"(?<=[.:;] )")


def _segments(message: str, s: _Strings) -> int | list[int | None] | None:
    """``message`` (capped as every string is) as the indexes of its clauses, or one index when it has one clause."""
    parts = [p for p in _CLAUSE_END.split(str(capped(message))) if p]
    return [s(p) for p in parts] if len(parts) > 1 else s(message)


def _trimmed(row: list[Any]) -> list[Any]:
    """``row`` without its trailing nulls: most users have no report row or attempt, and 100,000 rows add up."""
    while row and row[-1] is None:
        row.pop()
    return row


def _user(
    r: UserResult, s: _Strings, statuses: dict[Readiness, int], collected_at: str, attempt: int | None
) -> list[Any]:
    u = r.user
    admin = (2 if r.admin_eligible_only else 1) if r.is_admin else 0
    methods = [
        [s(m.method), int(m.source == MethodSource.PREPOPULATED), s(m.field), s(m.value), int(m.defective)]
        for m in r.usable
    ]
    synced = None if u.on_premises_sync_enabled is None else int(u.on_premises_sync_enabled)
    flags = microsoft_flags(r, collected_at)
    return [
        s(u.user_principal_name),
        s(u.display_name),
        s(u.department),
        s(u.manager_name),
        s(u.user_type),
        statuses[r.status],
        s(r.reason),
        admin,
        r.required,
        r.usable_count,
        methods,
        s(u.collection.state.value),
        s(u.collection.reason),
        [s(t) for t in role_text(u)],
        synced,
        [[s(m.label), s(m.why)] for m in r.uncounted],
        s(r.loses_sspr_on),
        s(r.loses_sspr_because),
        s(flags),
        attempt,
    ]


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_SAFE)
