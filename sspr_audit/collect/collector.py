"""Collect one tenant: the orchestration of every Graph read.

Everything starts at once: the organization (which names the tenant a
checkpoint belongs to, so nothing is taken from or written to a checkpoint
before it is read), the users list, the registration report (the slowest
source: 5 requests per 10 s) and the other sources. The per-user methods
calls go out in ``$batch`` requests as soon as a user's listing and report
row show the call is needed, while both sources are still paging; the
report stops early once every listed user has its row. Each source and each
batch is recorded in the checkpoint as it finishes.

With ``max_minutes`` the whole run is bounded, for scheduled use: at that
time no further per-user call is sent, and every source still being read is
stopped and recorded as not read within the limit (never as empty). The
users not yet read are judged on the registration report and marked so
(``unknown`` when the report itself was not read in time), and the
checkpoint stays so that ``--resume`` reads only what is missing. Only the
users list cannot be cut: without all of it nobody can be judged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sspr_audit.collect import mailboxes
from sspr_audit.collect.assemble import GENERATOR, Collected, assembled, build_snapshot
from sspr_audit.collect.auth import make_credential
from sspr_audit.collect.checkpoint import Checkpoint
from sspr_audit.collect.endpoint import resolve_endpoint
from sspr_audit.collect.errors import CheckpointError, GraphUnavailable, PermissionMissing
from sspr_audit.collect.events import events_url, retention_days, window_start
from sspr_audit.collect.graph import GraphSession, SessionLimits, open_session
from sspr_audit.collect.mapping import map_licences, trim_registration
from sspr_audit.collect.methods import MethodCalls
from sspr_audit.collect.options import CollectOptions
from sspr_audit.collect.pacer import Pacer
from sspr_audit.collect.pages import pages
from sspr_audit.collect.plan import MethodsPlan
from sspr_audit.collect.progress import Progress
from sspr_audit.collect.redact import Redactor, redacting_logs
from sspr_audit.collect.retry import RetryPolicy
from sspr_audit.collect.sources import (
    PERMISSIONS,
    REGISTRATION,
    USERS,
    USERS_WITHOUT_SIGN_IN,
    TenantReader,
    read_source,
)
from sspr_audit.collect.spool import Shelf, Spool
from sspr_audit.collect.stats import CollectStats
from sspr_audit.collect.targets import read_target_groups, target_group_ids, target_groups_status
from sspr_audit.collect.throttle import WindowPacer
from sspr_audit.errors import InputError
from sspr_audit.snapshot import write_streamed
from sspr_audit.snapshot.models import Snapshot, Source, SourceState, SourceStatus

_log = logging.getLogger(__name__)
REPORT_REQUESTS, REPORT_WINDOW_S = 5, 10.0  # Graph's identity and access reports: 5 requests per 10 s


async def collect(
    options: CollectOptions,
    *,
    checkpoint: Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    now: str | None = None,
) -> tuple[Snapshot, CollectStats]:
    """Read the tenant ``options`` point at; the snapshot, whole in memory, and what it cost.

    With ``checkpoint``, progress is kept there and ``resume`` continues it.
    """
    built: list[Snapshot] = []
    stats = await _collect(options, checkpoint, resume, progress, now, lambda c: built.append(build_snapshot(c)))
    return built[0], stats


async def collect_into(
    output: Path,
    options: CollectOptions,
    *,
    checkpoint: Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    now: str | None = None,
) -> CollectStats:
    """Read the tenant ``options`` point at into the snapshot file ``output``; what it cost.

    The file is written (atomically) a user at a time from what the run kept on disk, and before the
    checkpoint is removed, so no moment exists where neither is on disk.
    """

    def write(collected: Collected) -> None:
        tenant, users = assembled(collected)
        write_streamed(tenant, users, output, GENERATOR)

    folder = Path(output).parent  # the users kept meanwhile stay beside the snapshot, not in a memory-backed /tmp
    return await _collect(options, checkpoint, resume, progress, now, write, folder if folder.is_dir() else None)


async def _collect(
    options: CollectOptions,
    checkpoint: Path | None,
    resume: bool,
    progress: Progress | None,
    now: str | None,
    finish: Callable[[Collected], None],
    spool_in: Path | None = None,
) -> CollectStats:
    """One collection, handed to ``finish`` once everything is read; ``spool_in`` is where it keeps users meanwhile."""
    stats = CollectStats()
    started = time.monotonic()
    endpoint = resolve_endpoint(options.cloud, options.graph_url)
    redactor = Redactor(options.secrets)
    progress = progress or Progress()
    with redacting_logs(redactor):
        credential = make_credential(options, endpoint, redactor)
        try:
            async with open_session(
                endpoint,
                credential,
                concurrency=options.concurrency,
                timeout=options.request_timeout,
                stats=stats,
                progress=progress,
                policy=RetryPolicy(
                    max_attempts=options.max_attempts,
                    base_delay=options.backoff_base,
                    max_retry_after=options.max_retry_after,
                ),
                limits=SessionLimits(options.request_deadline, options.max_pages, options.max_body_bytes),
            ) as session:
                run = _Run(session, options, progress, _open_checkpoint(checkpoint, options, session, resume))
                run.deadline = started + options.max_minutes * 60 if options.max_minutes else None
                run.started = started
                run.spool_in = spool_in
                await _first_input_error(run.execute(now, finish))
                run.finished()
        finally:
            await credential.close()
    stats.elapsed_seconds = round(time.monotonic() - started, 3)
    return stats


def _open_checkpoint(
    path: Path | None, options: CollectOptions, session: GraphSession, resume: bool
) -> Checkpoint | None:
    if path is None:
        return None
    identity = {
        "graph_endpoint": options.graph_label or session.endpoint.root,
        "tenant_id": options.tenant_id,
        "client_id": options.client_id,
        "scope_groups": list(options.scope_groups),
    }
    return Checkpoint.open(path, identity, resume)


async def _first_input_error(work: Awaitable[None]) -> None:
    """Run ``work``; an error from concurrent tasks comes out as itself, not as an exception group."""
    try:
        return await work
    except BaseExceptionGroup as group:
        first = _first_leaf(group)
        raise first from None


def _first_leaf(group: BaseExceptionGroup) -> BaseException:
    for exc in group.exceptions:
        leaf = _first_leaf(exc) if isinstance(exc, BaseExceptionGroup) else exc
        if isinstance(leaf, InputError):
            return leaf
    exc = group.exceptions[0]
    return _first_leaf(exc) if isinstance(exc, BaseExceptionGroup) else exc


class _Enough(Exception):
    """The report need not be paged further: every listed user has its row."""


class _Run:
    """One collection in progress."""

    def __init__(
        self, session: GraphSession, options: CollectOptions, progress: Progress, checkpoint: Checkpoint | None
    ) -> None:
        self.session = session
        self.options = options
        self.progress = progress
        self.stats = session.stats
        self.checkpoint = checkpoint
        self.reader = TenantReader(session)
        self.report_pacer = WindowPacer(REPORT_REQUESTS, REPORT_WINDOW_S)  # the reports and the audit log share it
        self.methods_pacer = Pacer()  # told of the report's requests too: per-user calls may share their budget
        self._organization_read: asyncio.Future[tuple[SourceStatus, Any]] | None = None
        self.sign_ins = SourceStatus(Source.SIGN_IN_ACTIVITY.value, SourceState.NOT_ATTEMPTED)
        self.deadline: float | None = None  # time.monotonic() after which nothing more is read
        self.cut_short = False
        self.sources_cut: list[str] = []  # sources the deadline stopped
        self.report_rows: Spool | None = None  # the registration report's rows, as far as they were read
        self.started = time.monotonic()
        self.spool_in: Path | None = None  # where long lists are kept on disk; None: the system's temporary folder
        self.spools: list[Spool | Shelf] = []

    def spool(self) -> Spool:
        """A new spool for a long list read, given back when the run ends."""
        spool = Spool(self.spool_in)
        self.spools.append(spool)
        return spool

    def shelf(self) -> Shelf:
        """A new shelf for values read user by user, given back when the run ends."""
        shelf = Shelf(self.spool_in)
        self.spools.append(shelf)
        return shelf

    def finished(self) -> None:
        """The snapshot is written: the checkpoint goes, unless users are left for ``--resume``."""
        if self.checkpoint is not None and not (self.cut_short and (self.stats.users_unread or self.sources_cut)):
            self.checkpoint.remove()

    async def execute(self, now: str | None, finish: Callable[[Collected], None]) -> None:
        """Read everything, then hand it to ``finish`` (which builds or writes the snapshot)."""
        try:
            collected = await self._execute(now)
            finish(collected)
            self.phase("snapshot")
            self.stats.users_unread = collected.unread_users
            self.stats.sources_unread = tuple(self._unread_name(s) for s in Source if s.value in self.sources_cut)
        finally:
            if self.checkpoint is not None:
                self.checkpoint.close()
            for spool in self.spools:
                spool.close()

    async def _execute(self, now: str | None) -> Collected:
        collected = Collected(self.session.endpoint.root, now or _utc_now(), self.options.tenant_id or "")
        readers: dict[Source, Callable[[], Awaitable[Any]]] = {
            Source.ROLE_ASSIGNMENTS: self.reader.role_assignments,
            Source.ROLE_ELIGIBILITY: self.reader.role_eligibility,
            Source.AUTHORIZATION_POLICY: self.reader.authorization_policy,
            Source.AUTHENTICATION_METHODS_POLICY: self.reader.methods_policy,
            Source.ON_PREMISES_SYNC: self.reader.on_premises_sync,
            Source.SUBSCRIBED_SKUS: self.reader.subscribed_skus,
            Source.SUBSCRIPTIONS: self.reader.subscriptions,
        }
        if self.options.scope_groups:
            readers[Source.GROUPS] = lambda: self.reader.scope_groups(self.options.scope_groups)
        else:
            collected.sources[Source.GROUPS] = (SourceStatus(Source.GROUPS.value, SourceState.NOT_ATTEMPTED), None)
        methods = MethodCalls(self)
        plan = methods.plan = MethodsPlan(methods.need, methods.mailboxes.decided, detail=self.options.methods_detail)
        self.progress.stage("Listing users")
        async with asyncio.TaskGroup() as group:
            self._organization_read = group.create_task(self._in_time(Source.ORGANIZATION, self._organization()))
            started = {
                source: group.create_task(self._in_time(source, self._source(source, reader)))
                for source, reader in readers.items()
            }
            policy = started[Source.AUTHENTICATION_METHODS_POLICY]
            target_groups = self._in_time(Source.METHOD_TARGET_GROUPS, self._target_groups(policy))
            others = [*started.values(), group.create_task(target_groups)]
            fetching = group.create_task(methods.runner.run(self.options.concurrency))
            deadline = group.create_task(self._stop_at_deadline(methods))
            users = group.create_task(self._users_in_time(plan, methods.mailboxes))
            report = group.create_task(self._in_time(Source.REGISTRATION_DETAILS, self._report(plan), plan))
            licences = (started[Source.SUBSCRIBED_SKUS], started[Source.SUBSCRIPTIONS])
            events = self._events(collected.collected_at, licences)
            others.append(group.create_task(self._in_time(Source.SSPR_EVENTS, events)))
            collected.sources[Source.ORGANIZATION] = await self._organization_read
            collected.sources[Source.USERS] = self._users_or_stop(await users)
            collected.sources[Source.SIGN_IN_ACTIVITY] = (self.sign_ins, None)
            collected.sources[Source.MANAGERS] = (SourceStatus(Source.MANAGERS.value, SourceState.READ), None)
            collected.sources[Source.REGISTRATION_DETAILS] = await report
            collected.report_cut = Source.REGISTRATION_DETAILS.value in self.sources_cut
            self.progress.stage("Reading methods")
            methods.planned(plan.needed)
            await fetching
            self.phase("methods")
            deadline.cancel()
            methods.store(collected)
            self.progress.stage("Reading roles, policies")
            for task in others:
                status, data = await task
                collected.sources[status.source] = (status, data)
        return collected

    def _left(self) -> float | None:
        """Seconds left before ``--max-minutes`` runs out; None without a limit."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    async def _in_time(
        self, source: Source, work: Awaitable[tuple[SourceStatus, Any]], plan: MethodsPlan | None = None
    ) -> tuple[SourceStatus, Any]:
        """``work``, unless ``--max-minutes`` runs out first: then the source is recorded as not read in time.

        Nothing of a source cut short is kept in the checkpoint (so ``--resume`` reads it again). The plan, when
        given, learns that the registration report stops there; the rows read so far are each a user's whole row
        and are used, and a user without one is judged on nothing less than their methods, or is unknown.
        """
        timer = asyncio.timeout(self._left())
        try:
            async with timer:
                result = await work
                self.phase(source.value)
                return result
        except TimeoutError:
            if not timer.expired():
                raise
        self.phase(source.value)
        self.cut_short = True
        self.sources_cut.append(source.value)
        if plan is not None:
            plan.report_finished(False)
            if self.report_rows:  # the rows read are each a user's whole row: those users are judged on them
                return self._report_in_part(self.report_rows), self.report_rows
        message = f"not read within --max-minutes {self.options.max_minutes:g} (--resume reads it)"
        return SourceStatus(
            source.value, SourceState.FAILED, message=message
        ), None  # warned of, like any unread source

    def _report_in_part(self, rows: Spool) -> SourceStatus:
        """The registration report cut short by ``--max-minutes``: what was read counts, and the rest is said.

        The rows are not kept in the checkpoint, so ``--resume`` reads the whole report again.
        """
        message = (
            f"{len(rows):,} rows read before --max-minutes {self.options.max_minutes:g} ran out; a user with no row"
            " and no methods read is unknown (--resume reads the report again)"
        )
        return SourceStatus(Source.REGISTRATION_DETAILS.value, SourceState.READ, message=message)

    def _unread_name(self, source: Source) -> str:
        """How the end of the run names a source it did not read (in full)."""
        name = source.value.replace("_", " ")
        return f"{name} (only in part)" if source == Source.REGISTRATION_DETAILS and self.report_rows else name

    def phase(self, name: str) -> None:
        """Note that ``name`` ended now, and log it: the time of each phase is what a slow run is judged by."""
        seconds = round(time.monotonic() - self.started, 3)
        self.stats.phases[name] = seconds
        _log.debug("collection: %s done at %.2f s", name, seconds)

    async def _users_in_time(self, plan: MethodsPlan, boxes: mailboxes.Mailboxes) -> tuple[SourceStatus, Any]:
        """The users list; one not complete within ``--max-minutes`` stops the run, as nobody can be judged."""
        status, data = await self._in_time(Source.USERS, self._users(plan, boxes))
        if Source.USERS.value in self.sources_cut:
            raise GraphUnavailable(
                f"the user list was not complete within --max-minutes {self.options.max_minutes:g}, and nobody"
                " can be judged on part of it: run again with a larger --max-minutes"
            )
        return status, data

    async def _stop_at_deadline(self, methods: MethodCalls) -> None:
        """At ``--max-minutes``, send no more per-user calls; those on their way are still answered."""
        if self.deadline is None:
            return
        await asyncio.sleep(max(0.0, self.deadline - time.monotonic()))
        self.cut_short = True
        methods.runner.stop()

    async def _organization(self) -> tuple[SourceStatus, Any]:
        status, data = await read_source(Source.ORGANIZATION, self.reader.organization)
        if self.checkpoint is not None:
            before = self.checkpoint.sources.get(Source.ORGANIZATION.value)
            old_id = before[1].get("id") if before and isinstance(before[1], dict) else None
            new_id = data.get("id") if isinstance(data, dict) else None
            if old_id and new_id and old_id != new_id:
                raise CheckpointError(
                    f"{self.checkpoint.path} was made for tenant {old_id}, not {new_id}:"
                    " sign in to the same tenant, or delete the checkpoint to start over"
                )
            self.checkpoint.record_source(status, data)
        return status, data

    async def checkpoint_ready(self) -> Checkpoint | None:
        """The checkpoint, once the organization read has shown it belongs to this tenant; None without one."""
        if self.checkpoint is not None and self._organization_read is not None:
            await asyncio.shield(self._organization_read)
        return self.checkpoint

    async def _kept(self, source: Source) -> tuple[SourceStatus, Any] | None:
        checkpoint = await self.checkpoint_ready()
        return checkpoint.reusable(source.value) if checkpoint is not None else None

    async def _record(self, status: SourceStatus, data: Any) -> None:
        checkpoint = await self.checkpoint_ready()
        if checkpoint is not None:
            checkpoint.record_source(status, data)

    async def _source(self, source: Source, reader: Callable[[], Awaitable[Any]]) -> tuple[SourceStatus, Any]:
        if kept := await self._kept(source):
            return kept
        status, data = await read_source(source, reader)
        await self._record(status, data)
        return status, data

    async def _target_groups(self, policy: Awaitable[tuple[SourceStatus, Any]]) -> tuple[SourceStatus, Any]:
        """The members of the groups the methods policy names, once the policy is in."""
        policy_status, data = await asyncio.shield(policy)  # a cut here must not cancel the policy's read
        if kept := await self._kept(Source.METHOD_TARGET_GROUPS):
            return kept
        if policy_status.state != SourceState.READ:
            message = "the authentication methods policy was not read"
            return SourceStatus(Source.METHOD_TARGET_GROUPS.value, SourceState.NOT_ATTEMPTED, message=message), None
        groups = await read_target_groups(self.reader, target_group_ids(data or {}), self.options.concurrency)
        status = target_groups_status(groups)
        await self._record(status, groups)
        return status, groups

    async def _users(self, plan: MethodsPlan, boxes: mailboxes.Mailboxes) -> tuple[SourceStatus, Any]:
        """List the enabled users, handing each page to the plan and the mailbox reads as it comes."""
        if kept := await self._kept(Source.USERS):
            status, data = kept
            boxes.listed(data or ())
            plan.users(data or ())
            self.sign_ins = await self._kept_sign_ins(data)
        else:

            def read(url: str) -> Callable[[], Awaitable[Spool]]:
                async def pages_of_users() -> Spool:
                    users = self.spool()
                    async for page in pages(self.session, self.session.url(url)):
                        users.add(page)
                        boxes.listed(page)
                        plan.users(page)
                        self.progress.users_read(len(page))
                    return users

                return pages_of_users

            status, data = await read_source(Source.USERS, read(USERS))
            self.sign_ins = SourceStatus(Source.SIGN_IN_ACTIVITY.value, SourceState.READ)
            if status.state == SourceState.NOT_PERMITTED:  # signInActivity refused: list again without it
                self.sign_ins = replace(
                    status, source=Source.SIGN_IN_ACTIVITY.value, permission=PERMISSIONS[Source.SIGN_IN_ACTIVITY]
                )
                status, data = await read_source(Source.USERS, read(USERS_WITHOUT_SIGN_IN))
            await self._record(self.sign_ins, None)
            await self._record(status, data)
        if status.state == SourceState.READ:
            plan.users_finished()
            self.stats.users_listed = len(data)
            self.progress.users_listed(self.stats.users_listed)
        return status, data

    async def _kept_sign_ins(self, data: Any) -> SourceStatus:
        """How sign-in activity was read before a resume; a list that carries none did not read it."""
        if kept := await self._kept(Source.SIGN_IN_ACTIVITY):
            return kept[0]
        carried = any(isinstance(raw, dict) and "signInActivity" in raw for raw in data or ())
        state = SourceState.READ if carried else SourceState.NOT_ATTEMPTED
        return SourceStatus(Source.SIGN_IN_ACTIVITY.value, state)

    def _report_chain(
        self, enough: asyncio.Event | None = None
    ) -> tuple[Callable[[], Awaitable[None]], Callable[[], None]]:
        """The pace of one chain of pages on the reports window, and what to call once the chain ends.

        The registration report and the audit events page side by side on the one window Graph gives the
        reports; each answer is counted against the per-user pace too, which may share that budget.
        ``enough`` stops the chain early (the report, once every listed user has a row).
        """
        pacer = self.report_pacer
        out = False

        def answered() -> None:
            nonlocal out
            if out:
                pacer.answered()
                self.methods_pacer.shared()
            out = False

        async def pace() -> None:  # before each request: the one before it, if any, answered
            nonlocal out
            answered()
            while (wait := pacer.delay()) > 0 and not (enough is not None and enough.is_set()):
                if enough is None:
                    await asyncio.sleep(wait)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(enough.wait(), wait)
            if enough is not None and enough.is_set():
                raise _Enough
            pacer.sent()
            out = True

        return pace, answered

    async def _report(self, plan: MethodsPlan) -> tuple[SourceStatus, Any]:
        """Page the registration report at the pace Graph allows, until no listed user lacks a row."""
        if kept := await self._kept(Source.REGISTRATION_DETAILS):
            status, data = kept
            plan.rows(data or ())
            plan.report_finished(status.state == SourceState.READ)
            return kept
        pace, chain_ended = self._report_chain(plan.enough)

        async def read() -> Spool:
            rows = self.report_rows = self.spool()  # kept where a cut at --max-minutes can still reach it
            try:
                with contextlib.suppress(_Enough):
                    async for page in pages(self.session, self.session.url(REGISTRATION), pace):
                        page = [trim_registration(row) for row in page]
                        rows.add(page)
                        plan.rows(page)
            finally:
                chain_ended()
            return rows

        status, data = await read_source(Source.REGISTRATION_DETAILS, read)
        plan.report_finished(status.state == SourceState.READ)
        await self._record(status, data)
        return status, data

    async def _events(self, now: str, licences: tuple[Awaitable[Any], Awaitable[Any]]) -> tuple[SourceStatus, Any]:
        """The SSPR audit events of the retention window, paged beside the registration report on its window."""
        if kept := await self._kept(Source.SSPR_EVENTS):
            return kept
        days = self.options.events_days
        if days is None:
            (_, skus), (_, subscriptions) = await asyncio.shield(licences[0]), await asyncio.shield(licences[1])
            days = retention_days(map_licences(skus, subscriptions))
        since = window_start(now, days)

        pace, chain_ended = self._report_chain()

        async def read() -> dict[str, Any]:
            events = self.spool()  # the events of a month of a million users: kept on disk
            try:
                async for page in pages(self.session, self.session.url(events_url(since)), pace):
                    events.add(page)
            finally:
                chain_ended()
            return {"since": since, "window_days": days, "events": events}

        status, data = await read_source(Source.SSPR_EVENTS, read)
        await self._record(status, data)
        return status, data

    def _users_or_stop(self, result: tuple[SourceStatus, Any]) -> tuple[SourceStatus, Any]:
        status, _ = result
        if status.state == SourceState.READ:
            return result
        refusal = f"HTTP {status.http_status} {status.error_code or ''}".strip()
        if status.state == SourceState.NOT_PERMITTED:
            raise PermissionMissing(
                f"Graph refused to list users ({refusal}): grant the application permission"
                " User.Read.All (with admin consent), then run again"
            )
        raise GraphUnavailable(
            f"could not list users ({status.message or refusal}); run again later"
            " (with --resume if a checkpoint was kept)"
        )


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
