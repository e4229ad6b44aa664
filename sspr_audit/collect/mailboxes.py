"""Mailbox purposes (``mailboxSettings/userPurpose``), read in the same ``$batch`` calls as the methods.

Asked only of enabled members: disabled users are not listed, and a guest has
no mailbox in this tenant (and is out of scope unless the policy includes
guests), so for them the answer could change no verdict. Any member can turn
out to be a shared, room or equipment mailbox, whatever the licence or
sign-ins say. A 404 ``MailboxNotEnabledForRESTAPI`` means "no mailbox", not an
error; a 403 means MailboxSettings.Read is missing: the source is not read and
the users stay counted. A user's read is queued when the methods plan decides
about the user, right behind its methods call, so the two share a batch.
Answers are not kept in the checkpoint: a resumed run asks again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from sspr_audit.collect.batch import Outcome
from sspr_audit.snapshot.models import Source, SourceState, SourceStatus

KEY = "mailbox:"  # the runner's key of a mailbox request: KEY + user id
URL = "/users/{id}/mailboxSettings?$select=userPurpose"
PERMISSION = "MailboxSettings.Read"
NO_MAILBOX = "none"  # the snapshot's mailbox_purpose of a user Graph says has no mailbox
_NO_MAILBOX_CODE = "MailboxNotEnabledForRESTAPI"


def owns(key: str) -> bool:
    """Whether a runner key is a mailbox request."""
    return key.startswith(KEY)


def is_settings(body: Any) -> bool:
    """Whether an inner answer is a mailboxSettings body (with userPurpose)."""
    return isinstance(body, dict) and isinstance(body.get("userPurpose"), str)


class Mailboxes:
    """Queues one mailbox read per enabled member once the plan decides about them; collects the answers."""

    def __init__(self, add: Callable[[str, str], None]) -> None:
        self._add = add
        self._members: set[str] = set()
        self._asked: dict[str, str] = {}  # each user asked for, by id, to the id as listed: held once, not per copy
        self.purposes: dict[str, str] = {}  # user id -> userPurpose, or NO_MAILBOX
        self.failures: dict[str, Outcome] = {}

    def listed(self, page: Iterable[dict[str, Any]]) -> None:
        """One page of listed users (before the plan sees it): note the enabled members."""
        for raw in page:
            user_id = raw.get("id") if isinstance(raw, dict) else None
            if not isinstance(user_id, str):
                continue
            if str(raw.get("userType") or "").lower() == "member" and raw.get("accountEnabled") is not False:
                self._members.add(user_id)

    def decided(self, user_id: str) -> None:
        """The plan decided about ``user_id``: ask for an enabled member's mailbox, once."""
        if user_id in self._members and user_id not in self._asked:
            self._asked[user_id] = user_id
            self._add(KEY + user_id, URL.format(id=user_id))

    def answered(self, outcome: Outcome) -> None:
        """One final answer for one user's mailbox."""
        user_id = outcome.key.removeprefix(KEY)
        user_id = self._asked.get(user_id, user_id)
        if outcome.ok and is_settings(outcome.body):
            self.purposes[user_id] = sys.intern(outcome.body["userPurpose"])  # a few kinds, for a million users
        elif outcome.ok:  # a methods list, or settings without userPurpose: unknown, never "no mailbox"
            self.failures[user_id] = Outcome(outcome.key, False, None, outcome.status, None, "a malformed answer")
        elif outcome.status == 404 and outcome.code == _NO_MAILBOX_CODE:
            self.purposes[user_id] = NO_MAILBOX
        else:
            self.failures[user_id] = outcome

    def status(self) -> SourceStatus:
        """How reading the mailbox purposes went; a user asked for and never answered (a run cut short) is not read."""
        source = Source.MAILBOX_SETTINGS.value
        asked = len(self._asked)
        unanswered = asked - len(self.purposes) - len(self.failures)
        refused = next((o for o in self.failures.values() if o.status == 403), None)
        if refused is not None:
            message = f"{len(self.failures) + unanswered:,} of {asked:,} users could not be read"
            return SourceStatus(source, SourceState.NOT_PERMITTED, 403, refused.code, message, PERMISSION)
        if asked and not self.purposes:
            first = next(iter(self.failures.values()), None)
            if first is None:
                message = f"none of {asked:,} users read in the time the run allowed: they stay counted"
                return SourceStatus(source, SourceState.FAILED, message=message)
            return SourceStatus(source, SourceState.FAILED, first.status, first.code, first.detail, PERMISSION)
        parts = []
        if self.failures:
            parts.append(f"{len(self.failures):,} of {asked:,} users could not be read")
        if unanswered:
            parts.append(f"{unanswered:,} of {asked:,} users were not read in the time the run allowed")
        if parts:
            return SourceStatus(source, SourceState.READ, message="; ".join(parts) + ": they stay counted")
        return SourceStatus(source, SourceState.READ)
