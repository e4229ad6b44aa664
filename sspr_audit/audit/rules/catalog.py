"""The rule catalog as text: ``sspr-audit rules`` and the README table come from here."""

from __future__ import annotations

import json
import textwrap

from sspr_audit.audit.rules.registry import Rule, all_rules

FORMATS = ("table", "json", "markdown")


def render(fmt: str, width: int | None = None) -> str:
    """The catalog in one of :data:`FORMATS`; the table's text wraps at ``width`` (a terminal's), else not."""
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
        return "\n\n".join(_entry(r, width) for r in rules)
    raise ValueError(f"unknown catalog format {fmt!r}; use one of {', '.join(FORMATS)}")


def _entry(rule: Rule, width: int | None) -> str:
    """One rule as a few lines a person reads: id, severity and title, then why, how to fix, where to read more."""
    lines = [f"{rule.id:<8} {rule.severity.value:<9} {rule.title}"]
    for label, text in (("Why", rule.why), ("Fix", rule.fix), ("More", rule.doc_url)):
        head = f"  {label + ':':<6}"
        if width is None or label == "More":  # a link is never broken
            lines.append(head + text)
        else:
            lines.extend(textwrap.wrap(text, max(width, 40), initial_indent=head, subsequent_indent=" " * len(head)))
    return "\n".join(lines)
