"""The rule catalog as text: ``sspr-audit rules`` and the README table come from here."""

from __future__ import annotations

import json

from sspr_audit.audit.rules.registry import all_rules

FORMATS = ("table", "json", "markdown")


def render(fmt: str) -> str:
    """The catalog in one of :data:`FORMATS`."""
    rules = all_rules()
    if fmt == "json":
        return json.dumps(
            [
                {
                    "id": r.id,
                    "title": r.title,
                    "severity": r.severity.value,
                    "scope": r.scope,
                    "why": r.why,
                    "fix": r.fix,
                    "doc_url": r.doc_url,
                }
                for r in rules
            ],
            indent=2,
        )
    if fmt == "markdown":
        lines = ["| id | severity | finding | why it matters | how to fix it |", "|---|---|---|---|---|"]
        for r in rules:
            cells = (f"[{r.id}]({r.doc_url})", r.severity.value, r.title, r.why, r.fix)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines)
    if fmt == "table":
        width = max(len(r.title) for r in rules)
        return "\n".join(f"{r.id:<8} {r.severity.value:<9} {r.title:<{width}}  {r.doc_url}" for r in rules)
    raise ValueError(f"unknown catalog format {fmt!r}; use one of {', '.join(FORMATS)}")
