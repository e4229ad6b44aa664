"""What users did against what the audit said (EVT001-002).

Each finding sets the audit's reason beside the audit event that contradicts
it: one of the two is wrong, and the finding says where to look.
"""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit.reality import Agreement, Comparison
from sspr_audit.audit.results import Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import AuditContext, Hit, rule
from sspr_audit.audit.sspr_methods import METHOD_LABELS

_OUTCOME_WORDS = {
    "reset": "reset their password",
    "unlocked": "unlocked their account",
    "blocked": "was blocked",
    "failed": "failed",
    "abandoned": "gave up",
}


def event_text(c: Comparison) -> str:
    """The attempt in words: when, what happened, at which step and with which method."""
    a = c.attempt
    text = f"on {a.at[:16].replace('T', ' ')} UTC the user {_OUTCOME_WORDS.get(a.outcome, a.outcome)}"
    if a.method:
        text += f" using {METHOD_LABELS.get(a.method, a.method)}"
    if a.step:
        text += f" ({a.step})"
    return text


@rule(
    "EVT001",
    title="Judged not ready, yet reset their password",
    severity=Severity.MEDIUM,
    doc_url=docs.SSPR_REPORTING,
    scope="population",
    advice="Nothing for you to do: IT is checking why the audit thought you could not reset your password.",
    why="""The SSPR audit log shows a successful self-service reset (or unlock) by a user the audit judges unable
      to reset, after the rule that makes them not ready was in force. Either the audit misses a method the user
      has (data not read, a method type or policy setting it does not know) or its rules are wrong for this
      tenant; every verdict that rests on the same data is in doubt.""",
    fix="""Compare the user's methods in the Entra admin center (Authentication methods) with the report's list
      and reasons; check the data sources the report could not read, the policy file (scope, methods required,
      methods enabled), and the method the event names.""",
)
def reset_while_not_ready(ctx: AuditContext) -> Iterator[Hit]:
    return _contradictions(ctx, Agreement.RESET_WHILE_NOT_READY)


@rule(
    "EVT002",
    title="Judged able to reset, yet failed at a method the audit counted",
    severity=Severity.HIGH,
    doc_url=docs.SSPR_REPORTING,
    scope="population",
    advice="Check at https://aka.ms/mysecurityinfo that your phone numbers and email address are current and that"
    " you can receive a code on them; register the Microsoft Authenticator app if you can.",
    why="""The SSPR audit log shows a user the audit judges able to reset who failed, or was blocked, at a
      method the audit counted for them. The method looks usable in the data but did not work: a number or
      mailbox that no longer reaches the user, a mailbox they cannot open while locked out, or a rule the audit
      gets wrong. The user believes they can reset and cannot.""",
    fix="""Ask the user what happened at that step; check the method's number or address and whether it reaches
      them (an email in the organisation's own domain cannot be read while locked out); have them register a
      further method at https://aka.ms/mysecurityinfo.""",
)
def failed_while_ready(ctx: AuditContext) -> Iterator[Hit]:
    return _contradictions(ctx, Agreement.FAILED_WHILE_READY)


def _contradictions(ctx: AuditContext, agreement: Agreement) -> Iterator[Hit]:
    """One finding per user whose last attempt contradicts the verdict this way: our side, then the event."""
    if ctx.reality is None:
        return
    for c in ctx.reality.of(agreement):
        a = ctx.judged[c.user_index]
        yield Hit(
            f"Judged {a.status.value.replace('_', ' ')} ({a.reason.rstrip('.')}), but {event_text(c)}.",
            user_index=c.user_index,
            field="last_reset",
            value=c.attempt.at,
        )
