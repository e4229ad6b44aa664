"""The per-user methods calls of one collection, and the status of the methods source they make.

Kept apart from the orchestration in :mod:`sspr_audit.collect.collector`: the
calls are queued as the plan decides users, go out through ``$batch`` at the
pace Graph allows, and are recorded in the checkpoint batch by batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sspr_audit.collect import mailboxes
from sspr_audit.collect.assemble import Collected
from sspr_audit.collect.batch import BatchRunner, Outcome
from sspr_audit.collect.plan import MethodsPlan
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus

if TYPE_CHECKING:
    from sspr_audit.collect.collector import _Run

METHODS_URL = "/users/{id}/authentication/methods"


class MethodCalls:
    """The per-user methods calls of one run: queued as the plan finds them, never twice for one user."""

    def __init__(self, run: _Run) -> None:
        self._run = run
        self.stats = run.stats
        self._resumed = run.checkpoint.methods if run.checkpoint is not None else {}  # read before a resume
        self.done = run.shelf()  # the methods of the users wanted, on disk until the snapshot is written
        self.wanted: list[str] = []
        self.failures: dict[str, Outcome] = {}
        self.runner = BatchRunner(
            run.session,
            self._on_batch,
            accepts=_method_list_or_settings,
            pacer=run.methods_pacer,
        )
        self.mailboxes = mailboxes.Mailboxes(self.runner.add)
        self.plan: MethodsPlan | None = None

    def need(self, user_id: str) -> None:
        self.wanted.append(user_id)
        if user_id in self._resumed:
            self.done.put(user_id, self._resumed[user_id])
            self.stats.users_resumed += 1
        else:
            priority = self.plan.priority(user_id) if self.plan is not None else 1
            self.runner.add(user_id, METHODS_URL.format(id=user_id), priority)

    def planned(self, total: int) -> None:
        """Every user is decided: no more calls will be queued."""
        self.stats.users_to_fetch = total
        self._run.progress.methods_planned(total, self.stats.users_resumed)
        self.runner.close()

    async def _on_batch(self, answered: list[Outcome]) -> None:
        outcomes = [o for o in answered if not mailboxes.owns(o.key)]
        for outcome in answered:
            if mailboxes.owns(outcome.key):
                self.mailboxes.answered(outcome)
        if not outcomes:
            return
        checkpoint = await self._run.checkpoint_ready()
        if checkpoint is not None:
            checkpoint.record_methods(outcomes)
        for outcome in outcomes:
            if outcome.ok:
                self.done.put(outcome.key, (outcome.body or {}).get("value") or [])
                self.stats.users_fetched += 1
            else:
                self.failures[outcome.key] = outcome
                self.stats.users_failed += 1
        self._run.progress.methods_fetched(len(outcomes))

    def store(self, collected: Collected) -> None:
        """Hand the methods read (or given up) to the snapshot being built."""
        wanted, failures = self.wanted, self.failures
        collected.methods = self.done  # only wanted users are put there
        collected.failures = {uid: outcome.detail or "unknown error" for uid, outcome in failures.items()}
        collected.unread = self.unread_reason()
        status = _methods_status(wanted, failures, self._run.options.methods_detail)
        collected.sources[Source.AUTHENTICATION_METHODS] = (status, None)
        collected.sources[Source.MAILBOX_SETTINGS] = (self.mailboxes.status(), None)
        collected.mailboxes = self.mailboxes.purposes

    def unread_reason(self) -> str | None:
        """Why users whose verdict turns on their methods were not asked, if some may not have been."""
        options = self._run.options
        if self._run.cut_short:
            return f"methods detail not read within --max-minutes {options.max_minutes:g} (--resume reads it)"
        if options.methods_detail in ("admins", "none"):
            return f"methods detail not read (--methods-detail {options.methods_detail})"
        return None


def _methods_status(wanted: list[str], failures: dict[str, Outcome], detail: str) -> SourceStatus:
    source = Source.AUTHENTICATION_METHODS.value
    if detail == "none":
        return SourceStatus(source, SourceState.NOT_ATTEMPTED, message="not asked for (--methods-detail none)")
    if not wanted:
        return SourceStatus(source, SourceState.NOT_ATTEMPTED, message="no user needed the per-user call")
    refused = next((o for o in failures.values() if o.status == 403), None)
    if refused is not None:
        return SourceStatus(
            source,
            SourceState.NOT_PERMITTED,
            403,
            refused.code,
            f"{len(failures)} of {len(wanted)} users could not be read",
            "UserAuthenticationMethod.Read.All",
        )
    if failures and len(failures) == len(wanted):
        first = next(iter(failures.values()))
        return SourceStatus(
            source, SourceState.FAILED, first.status, first.code, first.detail, "UserAuthenticationMethod.Read.All"
        )
    return SourceStatus(source, SourceState.READ)


def _method_list_or_settings(body: Any) -> bool:
    """A methods answer (a ``value`` list), or a mailbox one (a ``userPurpose``)."""
    return _method_list(body) or mailboxes.is_settings(body)


def _method_list(body: Any) -> bool:
    """Whether an inner answer is a list of methods: ``body: null`` or a ``value`` that is no list is not."""
    return isinstance(body, dict) and isinstance(body.get("value"), list)
