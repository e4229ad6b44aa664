"""Tenant-level rules (TEN001-003)."""

from __future__ import annotations

from collections.abc import Iterator

from sspr_audit.audit import phones
from sspr_audit.audit.denominator import denominator
from sspr_audit.audit.results import Severity
from sspr_audit.audit.rules import docs
from sspr_audit.audit.rules.registry import AuditContext, Hit, rule


@rule(
    "TEN001",
    title="Hybrid tenant: password writeback needed",
    severity=Severity.INFO,
    doc_url=docs.WRITEBACK,
    scope="tenant",
    advice="Nothing for users to do: IT must turn on password writeback so that resets reach the on-premises"
    " directory.",
    why="""In a tenant synchronised from on-premises AD, a password reset in the cloud reaches AD only with
      password writeback (Entra ID P1/P2); without it synced users cannot use SSPR meaningfully.""",
    fix="""Enable password writeback in Entra Connect (or cloud sync) and in Password reset > On-premises
      integration.""",
)
def writeback(ctx: AuditContext) -> Iterator[Hit]:
    tenant = ctx.tenant
    if not tenant.on_premises_sync_enabled:
        return
    state = tenant.settings.password_writeback_enabled
    if state is None:
        detail = (
            "its state could not be read (Graph exposes it only to delegated sign-in with"
            " OnPremDirectorySynchronization.Read.All); check it in the Entra admin center"
        )
    elif state:
        detail = "it is enabled"
    else:
        detail = "it is OFF: resets by synced users will not reach on-premises AD"
    synced = sum(1 for a in ctx.judged if a.in_scope and a.user.on_premises_sync_enabled)
    yield Hit(
        f"The tenant synchronises from on-premises AD ({synced} synced user(s) in scope); password writeback"
        f" must be on for their resets to reach AD: {detail}.",
        field="passwordWritebackEnabled",
        value="unknown" if state is None else str(state).lower(),
    )


@rule(
    "TEN002",
    title="Phone numbers are masked: their format cannot be checked",
    severity=Severity.INFO,
    doc_url=docs.PHONE_METHOD,
    scope="tenant",
    advice="Nothing for users to do: IT must read the tenant with full rights to check phone numbers.",
    why="""Graph masks authentication phone numbers for callers without full rights (for example a delegated
      Authentication Administrator sign-in). A masked number is neither malformed nor checked: the phone rules
      skip it, so defects in it stay hidden.""",
    fix="""Collect with the application permission UserAuthenticationMethod.Read.All (app-only), or sign in with
      the Privileged Authentication Administrator role.""",
)
def masked_numbers(ctx: AuditContext) -> Iterator[Hit]:
    masked = [(a, c) for a in ctx.judged for c in a.masked_phones]
    if masked:
        users = len({a.index for a, _ in masked})
        example = masked[0][1].analysis.raw
        yield Hit(
            f"{len(masked)} phone number(s) of {users} user(s) came back masked (e.g. {example}) and could"
            f" not be checked. {phones.MASKED_NUMBER_HINT}",
            field="phoneNumber",
            value=str(len(masked)),
        )


@rule(
    "TEN003",
    title="Exclusions removed most users or every administrator",
    severity=Severity.CRITICAL,
    doc_url=docs.HOW_IT_WORKS,
    scope="tenant",
    advice="Nothing for users to do: IT must check the policy file's [[exclude]] patterns and [scope] switches.",
    why="""A share of "who can reset" counted over a few users left by an over-broad exclusion (upn = "*") says
      nothing, and findings of excluded users are never raised, so the audit would look clean while it judged
      almost nobody. It is critical so that any --fail-on threshold catches it.""",
    fix="""Narrow the [[exclude]] patterns to the accounts meant (break-glass accounts), or turn a [scope] switch
      off when it removes real people; if the exclusions are right, disable TEN003 in [rules].""",
)
def exclusions_removed_most(ctx: AuditContext) -> Iterator[Hit]:
    counted = denominator(ctx.policy, ctx.judged)
    warning = counted.warning
    if warning is not None:
        yield Hit(
            warning.removeprefix("WARNING: ").replace("exclusions removed", "Exclusions removed", 1),
            field="users removed",
            value=f"{counted.removed_total} of {counted.pool}",
        )
