"""Who needs the per-user methods call, decided while users and report rows are still arriving.

Which users' calls are needed is the ``--methods-detail`` choice: ``needed``
(the default) asks for administrators and for users whose report row lists a
phone or email method (their numbers and addresses are what the rules read);
``admins`` only administrators; ``all`` everyone; ``none`` nobody. A user
without a row is asked for in every mode but ``none``: nothing else answers
for them. Administrators go first (:meth:`MethodsPlan.priority`), so a run
cut short by its time limit has read the users whose verdict is strictest.

The users list and the report are paged at very different speeds (the
report is limited to 5 requests per 10 s), so each user is decided the
moment both its listing and its row are in, and its call can go out at once
instead of after both sources are complete. When the report is
refused or fails, every listed user is needed, whatever rows came before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from sspr_audit.collect.mapping import map_registration, needs_methods

METHODS_DETAIL = ("all", "needed", "admins", "none")


class MethodsPlan:
    """Pairs listed users with report rows; calls ``need(user_id)`` once for each user whose call is needed."""

    def __init__(
        self,
        need: Callable[[str], None],
        decided: Callable[[str], None] = lambda user_id: None,
        *,
        detail: str = "needed",
    ) -> None:
        self._need = need
        self._decided = decided  # told of every user once decided, after ``need`` when it was needed
        self._detail = detail
        self._admins: set[str] = set()  # users whose report row says isAdmin
        self._listed: list[str] = []
        self._seen: dict[str, str] = {}  # each listed id to itself: a row's copy of the id is not kept
        self._sent: set[str] = set()
        self._row_needs: dict[str, bool] = {}  # user id -> whether its report row asks for the call
        self._unpaired: set[str] = set()  # listed users whose row has not come yet
        self._report_open = True
        self._users_open = True
        self.enough = asyncio.Event()  # set once no further report row can change a decision

    @property
    def needed(self) -> int:
        """How many users were found to need the call so far."""
        return len(self._sent)

    def users(self, page: Iterable[dict[str, Any]]) -> None:
        """One page of listed users."""
        for raw in page:
            user_id = raw.get("id")
            if not user_id or user_id in self._seen:
                continue
            self._seen[user_id] = user_id
            self._listed.append(user_id)
            if user_id in self._row_needs or not self._report_open:
                self._decide(user_id)
            else:
                self._unpaired.add(user_id)

    def users_finished(self) -> None:
        """The listing is complete."""
        self._users_open = False
        self._check_enough()

    def rows(self, page: Iterable[dict[str, Any]]) -> None:
        """One page of registration-report rows."""
        if not self._report_open:
            return
        for row in page:
            user_id = row.get("id") if isinstance(row, dict) else None
            if not user_id:
                continue
            user_id = self._seen.get(user_id) or user_id
            notes: list[str] = []  # a row with dropped values is not trusted to skip the call
            registration = map_registration(row, notes)
            admin = registration.is_admin is True
            if admin:
                self._admins.add(user_id)
            self._row_needs[user_id] = self._wanted(needs_methods(registration) or bool(notes), admin)
            if user_id in self._unpaired:
                self._unpaired.discard(user_id)
                self._decide(user_id)
        self._check_enough()

    def report_finished(self, read: bool) -> None:
        """The report is complete (or stopped as no longer needed) when ``read``; else it was refused or failed."""
        self._report_open = False
        if not read:
            self._row_needs.clear()  # without the report everyone is needed, whatever rows said
        for user_id in self._listed:
            if user_id in self._unpaired or (not read and user_id not in self._sent):
                self._decide(user_id)
        self._unpaired.clear()

    def priority(self, user_id: str) -> int:
        """0 for administrators (asked first), 1 for everyone else."""
        return 0 if user_id in self._admins else 1

    def _wanted(self, contact: bool, admin: bool) -> bool:
        """Whether a user with a report row is asked for, by ``--methods-detail``."""
        if self._detail == "all":
            return True
        if self._detail == "needed":
            return contact or admin
        return admin and self._detail == "admins"

    def _decide(self, user_id: str) -> None:
        if self._row_needs.get(user_id, self._detail != "none"):
            self._sent.add(user_id)
            self._need(user_id)
        self._decided(user_id)

    def _check_enough(self) -> None:
        if self._report_open and not self._users_open and not self._unpaired:
            self.enough.set()
