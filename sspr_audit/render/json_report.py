"""The JSON report: one object, described by ``sspr_audit/render/report.schema.json``.

Meant for other programs (SIEM, ticketing, a later diff). Users and findings
are written one item at a time, so a large tenant never exists twice in
memory as a single string.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from sspr_audit import __version__
from sspr_audit.audit import microsoft_view
from sspr_audit.audit.reality import Agreement, Reality
from sspr_audit.audit.results import AuditResult, Finding, RuleInfo, TimelinePoint, UserResult
from sspr_audit.files import atomic_writer
from sspr_audit.history.compare import RunChanges
from sspr_audit.render.changes import to_json as changes_json
from sspr_audit.render.summary import Summary, ordered_findings, ordered_users, summarize

SCHEMA_VERSION = 1


def render(result: AuditResult, path: Path, changes: RunChanges | None = None) -> Path:
    """Write the JSON report to ``path`` atomically (owner-only)."""
    path = Path(path)
    summary = summarize(result)
    with atomic_writer(path, "w") as out:
        head = {
            "schema_version": SCHEMA_VERSION,
            "generator": f"sspr-audit {__version__}",
            "generated_at": result.generated_at,
            "as_of": result.as_of,
            "as_of_origin": result.as_of_origin,
            "assumptions": list(result.assumptions),
            "warnings": list(result.warnings),
            "tenant": _tenant(result),
            "policy": {
                "source": result.policy_source,
                "fail_on": result.fail_on.value if result.fail_on else None,
                "settings": [{"name": p.name, "value": p.value, "origin": p.origin} for p in result.policy],
            },
            "summary": _summary(summary),
            "timeline": [_timeline(p) for p in result.timeline],
            "reality": _reality(result.reality),
            "changes": _changes(changes),
            "rules": [_rule(r) for r in sorted(result.rules, key=lambda r: r.id)],
        }
        out.write(_dumps(head)[:-1])
        agreements = {id(result.users[c.user_index]): c.agreement for c in _comparisons(result.reality)}
        collected_at = result.tenant.collected_at
        _write_array(out, "users", (_user(u, agreements.get(id(u)), collected_at) for u in ordered_users(result)))
        _write_array(out, "findings", (_finding(f) for f in ordered_findings(result)))
        out.write("}\n")
    return path


def _comparisons(reality: Reality | None) -> tuple:
    return reality.comparisons if reality is not None else ()


def _reality(r: Reality | None) -> dict[str, Any]:
    """Verdicts against the SSPR audit events: every count null (unknown) when the events were not read."""
    if r is None:
        r = Reality(False, "the verdicts were not compared with the SSPR audit events", None, None)
    return {
        "read": r.read,
        "not_read_because": r.not_read_because,
        "events_read": r.events_read,
        "window_days": r.window_days,
        "users_with_attempts": r.users_with_attempts,
        "agree": r.agree,
        "contradict": r.contradict,
        "not_compared": r.not_compared,
        "predicted": len(r.of(Agreement.PREDICTED)) if r.read else None,
    }


def _changes(changes: RunChanges | None) -> dict[str, Any] | None:
    """Changes since the tenant's last recorded run; null when there is none (or no history is kept)."""
    if changes is None or changes.first_run:
        return None
    return changes_json(changes)


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "upn": finding.upn,
        "user_id": finding.user_id,
        "display_name": finding.display_name,
        "field": finding.field,
        "value": finding.value,
        "message": finding.message,
        "suggestion": finding.suggestion,
        "advice": finding.advice,
    }


def _timeline(p: TimelinePoint) -> dict[str, Any]:
    return {
        "date": p.date,
        "when": p.when,
        "title": p.title,
        "change": p.change,
        "source": p.source,
        "users_in_scope": p.users_in_scope,
        "users_ready": p.users_ready,
        "users_losing": p.users_losing,
        "share": p.share,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write_array(out: IO[str], key: str, items: Any) -> None:
    out.write(f',"{key}":[')
    for i, item in enumerate(items):
        if i:
            out.write(",\n")
        out.write(_dumps(item))
    out.write("]")


def _tenant(result: AuditResult) -> dict[str, Any]:
    t = result.tenant
    return {
        "id": t.id,
        "display_name": t.display_name,
        "verified_domains": list(t.verified_domains),
        "on_premises_sync_enabled": t.on_premises_sync_enabled,
        "collected_at": t.collected_at,
        "graph_endpoint": t.graph_endpoint,
        "sources": [
            {
                "source": s.source,
                "state": s.state.value,
                "http_status": s.http_status,
                "error_code": s.error_code,
                "message": s.message,
                "permission": s.permission,
            }
            for s in t.sources
        ],
    }


def _summary(s: Summary) -> dict[str, Any]:
    return {
        "users_total": s.users_total,
        "users_in_scope": s.users_in_scope,
        "users_ready": s.users_ready,
        "ready_percent": s.ready_percent,
        "ready_basis": s.ready_label,
        "status_counts": {c.status.value: c.count for c in s.status_counts},
        "findings_total": s.findings_total,
        "severity_counts": {c.severity.value: c.count for c in s.severity_counts},
        "rule_counts": [
            {"rule": r.rule, "title": r.title, "severity": r.severity.value, "count": r.count} for r in s.rule_counts
        ],
        "admins_total": len(s.admins),
        "admins_ready": sum(1 for a in s.admins if a.status.can_reset),
        "departments": [
            {
                "department": d.name,
                "total": d.total,
                "in_scope": d.in_scope,
                "ready_percent": d.ready_percent,
                "status_counts": {c.status.value: n for c, n in zip(s.status_counts, d.counts, strict=True)},
            }
            for d in s.departments
        ],
        "sources_not_read": [
            {"source": r.source, "state": r.state, "permission": r.permission, "detail": r.detail, "notice": r.notice}
            for r in s.notices
        ],
        "collection_failures": len(s.failures),
        "collection_partial": len(s.partial),
        "microsoft_flags": {
            "compared": s.microsoft.compared,
            "agree": s.microsoft.agree,
            "disagree": s.microsoft.disagree,
            "basis": microsoft_view.BASIS,
        },
    }


def _rule(r: RuleInfo) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "severity": r.severity.value,
        "default_severity": r.default_severity.value,
        "enabled": r.enabled,
        "why": r.why,
        "fix": r.fix,
        "doc_url": r.doc_url,
    }


def _user(r: UserResult, agreement: Agreement | None, collected_at: str) -> dict[str, Any]:
    u = r.user
    activity = u.activity
    last = activity.last_reset if activity else None
    return {
        "id": u.id,
        "upn": u.user_principal_name,
        "display_name": u.display_name,
        "user_type": u.user_type,
        "department": u.department,
        "job_title": u.job_title,
        "manager": u.manager_name,
        "synced": u.on_premises_sync_enabled,
        "status": r.status.value,
        "reason": r.reason,
        "set_aside_because": r.not_used,
        "admin": r.is_admin,
        "admin_eligible_only": r.admin_eligible_only,
        "roles": [{"role": a.role_name, "assignment": a.assignment, "via_group": a.via_group} for a in u.roles],
        "required": r.required,
        "usable_count": r.usable_count,
        "usable_methods": [
            {"method": m.method, "source": m.source.value, "field": m.field, "value": m.value, "defective": m.defective}
            for m in r.usable
        ],
        "not_counted": [
            {"method": m.method, "what": m.label, "why": m.why, "field": m.field, "value": m.value} for m in r.uncounted
        ],
        "loses_sspr_on": r.loses_sspr_on,
        "loses_sspr_because": r.loses_sspr_because,
        "microsoft": _microsoft(microsoft_view.view(r, collected_at)),
        "collection": {"state": u.collection.state.value, "reason": u.collection.reason},
        "last_reset": {"at": last.at, "outcome": last.outcome, "method": last.method, "step": last.step}
        if last
        else None,
        "last_registration": activity.last_registration if activity else None,
        "reality": agreement.value if agreement else None,
    }


def _microsoft(v: microsoft_view.MicrosoftView | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "is_sspr_registered": v.registered,
        "is_sspr_enabled": v.enabled,
        "is_sspr_capable": v.capable,
        "agrees": v.agrees,
        "explanation": v.explanation,
    }
