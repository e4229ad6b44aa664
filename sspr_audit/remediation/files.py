"""Write a remediation plan: ``remediation.csv`` and ``remediation.xlsx`` for people, ``remediate.ps1`` for Graph.

The CSV and the workbook list every item, whoever must act on it; the script
holds only the ``script`` items (cloud-only users, unambiguous corrections).
The workbook's cells are text, so a proposed number is copied as it is,
without the ``'`` the CSV puts before a value that starts with ``+``.

Values reach the script only through :func:`ps_quote`, and the template's
``finalize`` hook refuses anything else, so a value from the directory
(``'; Remove-MgUser ...; '``) stays data. The script is pure ASCII: every
other character is written as ``[char]0x....``, so it reads the same whether
Windows PowerShell 5.1 takes the file as UTF-8 or as the ANSI code page (read
as ANSI, the bytes of a UTF-8 character can form one of the typographic
quotes PowerShell also ends a string on).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from sspr_audit.files import atomic_writer, write_atomic
from sspr_audit.remediation.plan import Category, RemediationItem, RemediationPlan
from sspr_audit.render.csv_report import neutralise

CSV_NAME = "remediation.csv"
XLSX_NAME = "remediation.xlsx"
SCRIPT_NAME = "remediate.ps1"
TEMPLATE = "remediate.ps1.j2"
COLUMNS = (
    "category",
    "upn",
    "user_id",
    "display_name",
    "field",
    "current_value",
    "proposed_value",
    "why",
    "who_can_fix",
)

_LITERAL = frozenset(chr(c) for c in range(0x20, 0x7F))  # printable ASCII, written as is (quote doubled)


class PsCode(str):
    """PowerShell source text that is safe to place in the script as it is."""

    __slots__ = ()


def ps_quote(value: str) -> PsCode:
    """``value`` as a PowerShell expression that evaluates to exactly ``value``.

    A single-quoted string (no variable, subexpression or escape is expanded
    in it), with ``'`` doubled; characters outside printable ASCII, newlines
    and NUL included, are appended as ``[char]0x....`` UTF-16 code units.
    """
    parts: list[str] = []
    run: list[str] = []
    for ch in value:
        if ch in _LITERAL:
            run.append("''" if ch == "'" else ch)
            continue
        if run or not parts:  # an expression must start with a string, or [char] + [char] adds numbers
            parts.append("'" + "".join(run) + "'")
            run = []
        data = ch.encode("utf-16-be")
        parts.extend(f"[char]0x{int.from_bytes(data[i : i + 2]):04X}" for i in range(0, len(data), 2))
    if run or not parts:
        parts.append("'" + "".join(run) + "'")
    return PsCode(parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")")


def write_remediation(plan: RemediationPlan, out_dir: Path) -> list[Path]:
    """Write ``remediation.csv``, ``remediation.xlsx`` and ``remediate.ps1`` into ``out_dir`` (owner-only)."""
    out_dir = Path(out_dir)
    return [
        write_csv(plan, out_dir / CSV_NAME),
        write_workbook(plan, out_dir / XLSX_NAME),
        write_atomic(out_dir / SCRIPT_NAME, render_script(plan)),
    ]


def write_workbook(plan: RemediationPlan, path: Path) -> Path:
    """Every item of the plan, one per row, every cell text (never a formula, never a number)."""
    from sspr_audit.render import xlsx

    widths = (12, 34, 38, 26, 28, 24, 24, 70, 50)
    return xlsx.render_table(
        path,
        f"SSPR remediation: tenant {plan.tenant_id}",
        "Remediation",
        tuple(zip(COLUMNS, widths, strict=True)),
        (_row(i) for i in plan.items),
        plan.collected_at,
        as_text=True,
    )


def write_csv(plan: RemediationPlan, path: Path) -> Path:
    """Every item of the plan, one per row, UTF-8 with BOM, formula starts neutralised."""
    with atomic_writer(path, "w") as out:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for i in plan.items:
            writer.writerow([neutralise(v) for v in _row(i)])
    return Path(path)


def _row(i: RemediationItem) -> tuple[str | None, ...]:
    return (i.category.value, i.upn, i.user_id, i.display_name, i.field, i.current, i.proposed, i.why, i.who)


@dataclass(frozen=True)
class _Change:
    """One script change, every text already quoted for PowerShell."""

    kind: str  # "contact" or "authentication_phone"
    user_id: PsCode
    upn: PsCode
    field: PsCode
    expected: PsCode
    proposed: PsCode
    property: PsCode | None = None
    index: int = 0
    method_id: PsCode | None = None


def render_script(plan: RemediationPlan) -> str:
    """The PowerShell script for the plan's ``script`` items (dry run unless run with ``-Apply``)."""
    from sspr_audit.render import templates

    template = templates.template(TEMPLATE, autoescape=False, finalize=_only_quoted)
    changes = [_change(i) for i in plan.by_category(Category.SCRIPT)]
    text = template.render(
        changes=changes,
        tenant_id=ps_quote(plan.tenant_id),
        collected_at=ps_quote(plan.collected_at),
        on_premises_users=plan.on_premises_users,
    )
    if not text.isascii():  # the template and ps_quote keep it ASCII; a slip fails here, not on a Windows host
        raise AssertionError("the remediation script must be ASCII")
    return text


def _change(item: RemediationItem) -> _Change:
    assert item.proposed is not None  # script items always carry a proposal
    change = _Change(
        "contact",
        user_id=ps_quote(item.user_id),
        upn=ps_quote(item.upn),
        field=ps_quote(item.field),
        expected=ps_quote(item.current),
        proposed=ps_quote(item.proposed),
    )
    if item.method_id is not None:
        return replace(change, kind="authentication_phone", method_id=ps_quote(item.method_id))
    return replace(change, property=ps_quote(item.attribute or ""), index=item.index or 0)


def _only_quoted(value: object) -> object:
    """Jinja ``finalize``: only quoted PowerShell and integers may enter the script."""
    if isinstance(value, PsCode) or (type(value) is int):
        return value
    raise TypeError(f"{value!r} reached the PowerShell template without ps_quote")
