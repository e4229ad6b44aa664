"""The verdicts against what users did, as every output words it.

One sentence for the console and the HTML header, and the rows the HTML
report lists at its top: each contradiction with both sides (the audit's
reason; the event), then the helpdesk calls the audit predicted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sspr_audit.audit.reality import Agreement, Comparison, Reality
from sspr_audit.audit.results import AuditResult, UserResult
from sspr_audit.audit.sspr_methods import METHOD_LABELS

RULE_OF = {Agreement.RESET_WHILE_NOT_READY: "EVT001", Agreement.FAILED_WHILE_READY: "EVT002"}
AGREEMENT_LABELS = {
    Agreement.RESET_WHILE_NOT_READY: "Contradicts: reset while judged not ready (EVT001)",
    Agreement.FAILED_WHILE_READY: "Contradicts: failed at a method that counts (EVT002)",
    Agreement.PREDICTED: "Agrees: a helpdesk call the audit predicted",
    Agreement.AGREES: "Agrees",
    Agreement.NOT_COMPARED: "Not compared (unknown, excluded or out of scope)",
}
# The order the workbook lists attempts in: what needs a look first.
AGREEMENT_ORDER = (
    Agreement.RESET_WHILE_NOT_READY,
    Agreement.FAILED_WHILE_READY,
    Agreement.PREDICTED,
    Agreement.AGREES,
    Agreement.NOT_COMPARED,
)


def reality_line(reality: Reality | None) -> str:
    """How many attempts agree with their verdict; says so plainly when the events were not read."""
    if reality is None:
        return "What users did: no verdict was compared with the SSPR audit events"
    if not reality.read:
        why = reality.not_read_because
        return f"What users did: the SSPR audit events were not read ({why}); no verdict was checked against them"
    predicted = len(reality.of(Agreement.PREDICTED))
    aside = (
        f", {reality.not_compared:,} not compared (unknown, excluded or out of scope)" if reality.not_compared else ""
    )
    return (
        f"What users did ({reality.window_days} days, {reality.events_read:,} SSPR audit events):"
        f" {reality.users_with_attempts:,} users tried to reset; {reality.agree:,} agree with their verdict"
        f" ({predicted:,} predicted helpdesk calls), {reality.contradict:,} contradict it" + aside
    )


@dataclass(frozen=True)
class RealityRow:
    """One user's attempt beside the verdict, for the HTML report."""

    index: int  # the user's position in report order (render.summary.ordered_users)
    upn: str
    rule: str | None  # EVT001 / EVT002 for a contradiction
    status: str
    reason: str  # our side
    at: str
    outcome: str
    method: str | None
    step: str | None


def comparisons_by_user(result: AuditResult) -> dict[str, Comparison]:
    """Each compared user's last attempt and how it compares, by user id."""
    if result.reality is None:
        return {}
    return {result.users[c.user_index].user.id: c for c in result.reality.comparisons}


def attempt_text(c: Comparison) -> str:
    """One user's last attempt and its comparison, as the user detail shows it."""
    a = c.attempt
    method = a.method and f"method: {METHOD_LABELS.get(a.method, a.method)}"
    how = ", ".join(p for p in (method, a.step) if p)
    return f"{a.at}: {a.outcome}{f' ({how})' if how else ''}. {AGREEMENT_LABELS[c.agreement]}."


def no_attempt_text(reality: Reality | None) -> str:
    """What the user detail says of a user with no attempt: none in the window, or the events not read."""
    if reality is None or not reality.read:
        return "Not read: the SSPR audit events were not read."
    return f"None in the {reality.window_days} days of SSPR audit events read."


def reality_rows(
    result: AuditResult, users: tuple[UserResult, ...], agreement: Agreement | None = None
) -> tuple[RealityRow, ...]:
    """The contradictions (``agreement`` None), or the comparisons of one kind, latest attempt first.

    ``users`` are the result's users in report order (:func:`~sspr_audit.render.summary.ordered_users`):
    each row's index is its user's place there.
    """
    if result.reality is None:
        return ()
    order = {u.user.id: i for i, u in enumerate(users)}
    chosen = [
        c
        for c in result.reality.comparisons
        if (c.agreement.contradicts if agreement is None else c.agreement == agreement)
    ]
    chosen.sort(key=lambda c: (c.attempt.at, c.user_index), reverse=True)
    return tuple(_row(result, c, order) for c in chosen)


def _row(result: AuditResult, c: Comparison, order: dict[str, int]) -> RealityRow:
    u = result.users[c.user_index]
    a = c.attempt
    return RealityRow(
        order[u.user.id],
        u.user.user_principal_name,
        RULE_OF.get(c.agreement),
        u.status.value,
        u.reason,
        a.at,
        a.outcome,
        a.method,
        a.step,
    )
