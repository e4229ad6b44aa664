"""The run history: every audit of every tenant, kept in one local SQLite file.

A weekly review compares this week's audit with last week's; the history keeps
what that needs (per-user status and the findings, keyed by rule, user and
field) and nothing the reports do not already hold. The file is created
owner-only, like the reports. Its schema is versioned with
``PRAGMA user_version`` and moved forward one explicit migration at a time,
never dropped; a file from a newer version, or one that is not a history, is
refused with a clear message. Every query about runs names its tenant, so two
tenants in one file stay apart.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sspr_audit.audit.results import AuditResult, Readiness, Severity
from sspr_audit.errors import InputError
from sspr_audit.files import FILE_MODE, ensure_private_dir, tighten
from sspr_audit.history.compare import (
    OrderedRun,
    RunChanges,
    RunSummary,
    StoredFinding,
    StoredRun,
    StoredUser,
    changes,
    ordered,
    stored_findings,
    stored_users,
    summary_of,
    trend_point,
)
from sspr_audit.text import shorten, writable

SCHEMA_VERSION = 5
APPLICATION_ID = 0x53535052  # "SSPR": marks the file as an sspr-audit history
TREND_RUNS = 12  # runs drawn in the report's readiness trend, this one included
LOCK_WAIT_S = 120.0  # how long a run waits for another that holds the history

_RUN_COLUMNS = (
    "id, tenant_id, tenant_name, generated_at, policy_hash, snapshot_path, users_total, users_in_scope, users_ready,"
    " as_of, collected_at, what_if, events_read, attempts, successes"
)


class HistoryError(InputError):
    """A history file that cannot be used, or a run that is not in it."""


def _to_v1(conn: sqlite3.Connection) -> None:
    """Runs and their findings."""
    conn.execute("""CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        tenant_name TEXT NOT NULL,
        generated_at TEXT NOT NULL,
        policy_hash TEXT NOT NULL,
        snapshot_path TEXT,
        users_total INTEGER NOT NULL,
        users_in_scope INTEGER NOT NULL,
        users_ready INTEGER NOT NULL)""")
    conn.execute("CREATE INDEX runs_by_tenant ON runs (tenant_id, generated_at, id)")
    conn.execute("""CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        user_id TEXT,
        upn TEXT,
        field TEXT,
        value TEXT,
        message TEXT NOT NULL)""")
    conn.execute("CREATE INDEX findings_by_run ON findings (run_id)")


def _to_v2(conn: sqlite3.Connection) -> None:
    """Per-user status, so status changes, admins' methods and scope changes can be compared.

    Runs recorded before this version keep ``users_recorded = 0``: their users are unknown, not absent.
    """
    conn.execute("ALTER TABLE runs ADD COLUMN users_recorded INTEGER NOT NULL DEFAULT 0")
    conn.execute("""CREATE TABLE users (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        user_id TEXT NOT NULL,
        upn TEXT NOT NULL,
        display_name TEXT,
        status TEXT NOT NULL,
        is_admin INTEGER NOT NULL,
        usable_count INTEGER NOT NULL,
        usable_methods TEXT NOT NULL)""")
    conn.execute("CREATE INDEX users_by_run ON users (run_id)")


def _to_v3(conn: sqlite3.Connection) -> None:
    """The day each run's verdicts followed, and who would lose SSPR at Microsoft's next change.

    So a status that changed because a date passed is told apart from one whose data changed.
    Runs recorded before this version keep NULLs: unknown.
    """
    conn.execute("ALTER TABLE runs ADD COLUMN as_of TEXT")
    conn.execute("ALTER TABLE users ADD COLUMN loses_sspr_on TEXT")
    conn.execute("ALTER TABLE users ADD COLUMN loses_sspr_because TEXT")


def _to_v4(conn: sqlite3.Connection) -> None:
    """When each run's snapshot was collected, and whether the run was a what-if.

    A what-if judges a snapshot with a policy other than the one its run used: it answers a question
    about a rollout, not about the tenant, so it stays out of the trend and of "since the last run".
    Runs recorded before this version keep NULL (unknown) and count as real runs.
    """
    conn.execute("ALTER TABLE runs ADD COLUMN collected_at TEXT")
    conn.execute("ALTER TABLE runs ADD COLUMN what_if INTEGER NOT NULL DEFAULT 0")


def _to_v5(conn: sqlite3.Connection) -> None:
    """What users did: each run's SSPR audit events, attempts and successes, and each user's last attempt.

    So ``diff`` can name users who were not ready and reset since, and the trend can show attempts.
    Runs recorded before this version keep NULLs: the events are unknown, not absent.
    """
    conn.execute("ALTER TABLE runs ADD COLUMN events_read INTEGER")
    conn.execute("ALTER TABLE runs ADD COLUMN attempts INTEGER")
    conn.execute("ALTER TABLE runs ADD COLUMN successes INTEGER")
    conn.execute("ALTER TABLE users ADD COLUMN last_reset_at TEXT")
    conn.execute("ALTER TABLE users ADD COLUMN last_reset_outcome TEXT")


# The migration that brings a file to each version, applied in order from the file's own version.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _to_v1,
    2: _to_v2,
    3: _to_v3,
    4: _to_v4,
    5: _to_v5,
}


def record_run(
    db_path: Path, result: AuditResult, snapshot_path: str | Path | None = None, *, what_if: bool = False
) -> int:
    """Record one audit (its users and findings) in one transaction; returns the run id.

    Each user's and each finding's row is made as it is written: a million-user run is never copied whole.
    """
    s = summary_of(result, str(snapshot_path) if snapshot_path is not None else None, what_if=what_if)
    with _database(db_path, create=True) as conn, _transaction(conn, Path(db_path)):
        cursor = conn.execute(
            f"INSERT INTO runs ({_RUN_COLUMNS.removeprefix('id, ')}, users_recorded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                writable(s.tenant_id),
                writable(s.tenant_name),
                s.generated_at,
                s.policy_hash,
                _text(s.snapshot_path),
                s.users_total,
                s.users_in_scope,
                s.users_ready,
                s.as_of,
                s.collected_at,
                int(s.what_if),
                s.events_read,
                s.attempts,
                s.successes,
            ),
        )
        run_id = cursor.lastrowid
        if run_id is None:  # sqlite3 sets it after every INSERT; None would mean the row was not written
            raise HistoryError(f"{db_path}: the run was not recorded")
        conn.executemany(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    run_id,
                    writable(u.id),
                    writable(u.upn),
                    _text(u.display_name),
                    u.status.value,
                    int(u.is_admin),
                    u.usable_count,
                    ",".join(u.usable_methods),
                    u.loses_sspr_on,
                    _text(u.loses_sspr_because),
                    u.last_reset_at,
                    u.last_reset_outcome,
                )
                for u in stored_users(result.users)
            ),
        )
        conn.executemany(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    run_id,
                    f.rule,
                    f.severity.value,
                    _text(f.user_id),
                    _text(f.upn),
                    f.field,
                    _text(f.value),
                    writable(f.message),
                )
                for f in stored_findings(result.findings)
            ),
        )
    return run_id


def _text(value: str | None) -> str | None:
    """A value SQLite's UTF-8 can hold (a lone surrogate becomes U+FFFD)."""
    return None if value is None else writable(value)


def list_runs(db_path: Path, tenant_id: str | None = None, what_ifs: bool = False) -> list[RunSummary]:
    """Recorded runs, newest first: of one tenant (every tenant when ``tenant_id`` is None); what-ifs when asked."""
    if not Path(db_path).exists():
        return []
    where, params = ("WHERE tenant_id = ?", (tenant_id,)) if tenant_id is not None else ("WHERE 1", ())
    if not what_ifs:
        where += " AND what_if = 0"
    with _database(db_path) as conn:
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY generated_at DESC, id DESC", params
        ).fetchall()
        return _summaries(conn, rows, Path(db_path))


def tenants(db_path: Path) -> list[tuple[str, str]]:
    """``(tenant id, latest name)`` of every tenant with a recorded run, by name."""
    if not Path(db_path).exists():
        return []
    with _database(db_path) as conn:
        rows = conn.execute("SELECT tenant_id, tenant_name FROM runs ORDER BY generated_at, id").fetchall()
    names = dict(rows)
    return sorted(names.items(), key=lambda t: (t[1].casefold(), t[0]))


def load_run(db_path: Path, run_id: int) -> StoredRun:
    """One recorded run with its users and findings, in the order they were recorded."""
    summary, recorded = _run_row(db_path, run_id)
    users = tuple(_stored_users(db_path, run_id, _AS_RECORDED)) if recorded else None
    return StoredRun(summary, users, tuple(_stored_findings(db_path, run_id, _AS_RECORDED)))


def ordered_run(db_path: Path, run_id: int) -> OrderedRun:
    """One recorded run to compare: its users by id and its findings by key, each row read when asked for."""
    summary, recorded = _run_row(db_path, run_id)
    users = _stored_users(db_path, run_id, _BY_USER) if recorded else None
    return OrderedRun(summary, users, _stored_findings(db_path, run_id, _BY_KEY))


_AS_RECORDED = " ORDER BY rowid"
_BY_USER = " ORDER BY user_id, rowid"  # SQLite orders text by its UTF-8 bytes: Python's order of the same text
_BY_KEY = " ORDER BY rule, coalesce(user_id, ''), coalesce(field, ''), rowid"  # finding_key, then as recorded


def _run_row(db_path: Path, run_id: int) -> tuple[RunSummary, bool]:
    """A recorded run's summary, and whether its users were recorded (not before schema 2)."""
    if not Path(db_path).exists():
        raise HistoryError(f"{db_path}: no run history here yet; 'report' and 'run' record one")
    with _database(db_path) as conn:
        row = conn.execute(f"SELECT {_RUN_COLUMNS}, users_recorded FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise HistoryError(f"{db_path}: there is no run {run_id}; 'sspr-audit history' lists the runs")
        (summary,) = _summaries(conn, [row[:-1]], Path(db_path))
    return summary, bool(row[-1])


def _stored_findings(path: Path, run_id: int, order: str) -> Iterator[StoredFinding]:
    """One run's findings in ``order``, each made and checked as read."""
    with _database(path) as conn:
        for rule, severity, user_id, upn, field, value, message in _rows(
            conn,
            path,
            run_id,
            "findings",
            _FINDING_TYPES,
            "SELECT rule, severity, user_id, upn, field, value, message FROM findings WHERE run_id = ?" + order,
        ):
            yield StoredFinding(rule, _enum(Severity, severity, path, run_id), user_id, upn, field, value, message)


def _stored_users(path: Path, run_id: int, order: str) -> Iterator[StoredUser]:
    """One run's users in ``order``, each made and checked as read."""
    with _database(path) as conn:
        for user_id, upn, name, status, admin, count, methods, *rest in _rows(
            conn,
            path,
            run_id,
            "users",
            _USER_TYPES,
            "SELECT user_id, upn, display_name, status, is_admin, usable_count, usable_methods, loses_sspr_on,"
            " loses_sspr_because, last_reset_at, last_reset_outcome FROM users WHERE run_id = ?" + order,
        ):
            yield StoredUser(
                user_id,
                upn,
                name,
                _enum(Readiness, status, path, run_id),
                bool(admin),
                count,
                tuple(m for m in methods.split(",") if m),
                *rest,
            )


def previous_run(db_path: Path, tenant_id: str, before: RunSummary | None = None) -> OrderedRun | None:
    """The tenant's latest run before ``before`` (its latest run of all when None), to compare; None when none."""
    runs = last_runs(db_path, tenant_id, 1, before=before)
    return ordered_run(db_path, runs[0].id) if runs and runs[0].id is not None else None


def last_runs(db_path: Path, tenant_id: str, n: int, before: RunSummary | None = None) -> list[RunSummary]:
    """The tenant's last ``n`` real runs (before ``before``, when given), oldest first; what-ifs are left out."""
    if n <= 0 or not Path(db_path).exists():
        return []
    where, params = _before(before)
    with _database(db_path) as conn:
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE tenant_id = ? AND what_if = 0{where}"
            " ORDER BY generated_at DESC, id DESC LIMIT ?",
            (tenant_id, *params, n),
        ).fetchall()
        return _summaries(conn, rows[::-1], Path(db_path))


def latest_pair(db_path: Path, tenant_id: str | None = None) -> tuple[OrderedRun, OrderedRun]:
    """The tenant's last two runs, older first: what ``diff`` compares by default."""
    if tenant_id is None:
        known = tenants(db_path)
        if len(known) > 1:
            listed = "; ".join(f"{tid} ({name})" for tid, name in known)
            raise HistoryError(f"{db_path} holds runs of {len(known)} tenants; choose one with --tenant: {listed}")
        tenant_id = known[0][0] if known else None
    runs = last_runs(db_path, tenant_id, 2) if tenant_id is not None else []
    if len(runs) < 2:
        have = "no run" if not runs else "one run"
        raise HistoryError(
            f"{db_path} holds {have} of this tenant: nothing to compare yet; give a run id or a"
            " snapshot file to compare with"
        )
    return ordered_run(db_path, runs[0].id), ordered_run(db_path, runs[1].id)  # type: ignore[arg-type]


def changes_since_last_run(db_path: Path, result: AuditResult, trend_runs: int = TREND_RUNS) -> RunChanges:
    """What changed since the tenant's last recorded run, with the readiness trend ending at ``result``.

    The last run is read from the file a user and a finding at a time, in the order the comparison walks.
    """
    new = ordered(result)
    earlier = last_runs(db_path, new.summary.tenant_id, trend_runs - 1, before=new.summary)
    found = changes(previous_run(db_path, new.summary.tenant_id, before=new.summary), new)
    return replace(found, trend=(*(trend_point(r) for r in earlier), trend_point(new.summary)))


def _before(run: RunSummary | None) -> tuple[str, tuple]:
    if run is None:
        return "", ()
    if run.id is None:
        return " AND generated_at <= ?", (run.generated_at,)
    return " AND (generated_at < ? OR (generated_at = ? AND id < ?))", (run.generated_at, run.generated_at, run.id)


_TEXT, _NUMBER, _MAYBE_TEXT, _MAYBE_NUMBER = (str,), (int,), (str, type(None)), (int, type(None))
_RUN_TYPES = (
    *(_NUMBER, _TEXT, _TEXT, _TEXT, _TEXT, _MAYBE_TEXT),
    *(_NUMBER, _NUMBER, _NUMBER, _MAYBE_TEXT, _MAYBE_TEXT, _NUMBER),
    *(_MAYBE_NUMBER, _MAYBE_NUMBER, _MAYBE_NUMBER),
)
_USER_TYPES = (
    *(_TEXT, _TEXT, _MAYBE_TEXT, _TEXT, _NUMBER, _NUMBER, _TEXT),
    *(_MAYBE_TEXT, _MAYBE_TEXT, _MAYBE_TEXT, _MAYBE_TEXT),
)
_FINDING_TYPES = (_TEXT, _TEXT, _MAYBE_TEXT, _MAYBE_TEXT, _MAYBE_TEXT, _MAYBE_TEXT, _TEXT)


def _checked(row: tuple, types: tuple, path: Path, run_id: object, table: str) -> tuple:
    """``row`` when each value has the type sspr-audit writes; else a one-line error naming the run."""
    for n, (value, allowed) in enumerate(zip(row, types, strict=True)):
        if not isinstance(value, allowed) or isinstance(value, bool):
            raise HistoryError(
                f"{path}: run {shorten(run_id, 20)} holds a damaged value in {table} (column {n + 1}:"
                f" {shorten(value, 30)}); the file was changed outside sspr-audit: restore it from a backup,"
                " or choose another with --history"
            )
    return row


def _summaries(conn: sqlite3.Connection, rows: Sequence[tuple], path: Path) -> list[RunSummary]:
    """Run rows with their findings counted by severity."""
    rows = [_checked(row, _RUN_TYPES, path, row[0] if row else "?", "runs") for row in rows]
    counts: dict[int, dict[str, int]] = {row[0]: {} for row in rows}
    ids = list(counts)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for run_id, severity, n in conn.execute(
            f"SELECT run_id, severity, count(*) FROM findings WHERE run_id IN ({marks}) GROUP BY run_id, severity",
            chunk,
        ):
            counts[run_id][severity] = n
    return [_summary(row, tuple(counts[row[0]].get(s.value, 0) for s in Severity)) for row in rows]


def _summary(row: Sequence[Any], severity_counts: tuple[int, ...]) -> RunSummary:
    """A run row (the columns of ``_RUN_COLUMNS``, in order) as a summary."""
    run_id, tenant_id, tenant_name, generated_at, policy_hash, snapshot_path, total, in_scope, ready, *rest = row
    as_of, collected_at, what_if, events_read, attempts, successes = rest
    return RunSummary(
        run_id,
        tenant_id,
        tenant_name,
        generated_at,
        policy_hash,
        snapshot_path,
        total,
        in_scope,
        ready,
        severity_counts,
        as_of,
        collected_at,
        bool(what_if),
        events_read,
        attempts,
        successes,
    )


def _rows(conn: sqlite3.Connection, path: Path, run_id: int, table: str, types: tuple, query: str) -> Iterator[tuple]:
    """The rows of one run from ``query``, each checked against the types sspr-audit writes."""
    for row in conn.execute(query, (run_id,)):
        yield _checked(row, types, Path(path), run_id, table)


def _enum(kind, value: str, path: Path, run_id: int):
    try:
        return kind(value)
    except ValueError:
        raise HistoryError(
            f"{path}: run {run_id}: unknown {kind.__name__.lower()} {shorten(value, 30)} in the history; it was"
            " written by another version of sspr-audit, or changed outside it"
        ) from None


@contextlib.contextmanager
def _database(path: Path, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    """An open history at the current schema version; SQLite's errors become :class:`HistoryError`."""
    path = Path(path)
    if path.is_dir():
        raise HistoryError(f"{path} is a folder; --history names the history file")
    if create and not path.exists():
        _create_private(path)
    if create:  # personal data goes in: a file made looser since (or by someone else) is tightened first
        for existing in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
            tighten(existing)
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None, timeout=0)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: cannot open the run history ({exc})") from None
    try:
        _patiently(conn, path, "SELECT count(*) FROM sqlite_master")
        _migrate(conn, path)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise HistoryError(_failure(path, exc)) from None
    finally:
        conn.close()


def _failure(path: Path, exc: sqlite3.DatabaseError) -> str:
    """The one line for an SQLite error: a full disk and a lock are not damage."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
        return f"{path}: disk full: this run was not recorded (the history is intact); free some space and run again"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc):
        return (
            f"{path}: another process kept the run history locked for {LOCK_WAIT_S:g} s; this run was not"
            " recorded (the history is intact); run again once the other sspr-audit has finished"
        )
    return (
        f"{path}: cannot use the run history ({exc}); if the file is damaged or not a history, move it aside"
        " or choose another with --history"
    )


def _create_private(path: Path) -> None:
    """An empty file with mode 0600 (its folder 0700 when created): SQLite keeps a file's mode."""
    ensure_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise HistoryError(f"{path}: cannot create the run history ({exc.strerror})") from None


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    _patiently(conn, path, "BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # SQLite rolls back by itself on a full disk: do not hide that error
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _patiently(conn: sqlite3.Connection, path: Path, statement: str) -> None:
    """Run ``statement``; when another process holds the file, say so and wait up to :data:`LOCK_WAIT_S`.

    Afterwards every statement on ``conn`` waits as long, quietly: the wait has been announced.
    """
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute(statement)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        print(
            f"sspr-audit: {path} is in use by another process; waiting up to {LOCK_WAIT_S:g} s",
            file=sys.stderr,
            flush=True,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_S * 1000)}")
        conn.execute(statement)
    conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_S * 1000)}")


def _pragma(conn: sqlite3.Connection, name: str) -> int:
    return int(conn.execute(f"PRAGMA {name}").fetchone()[0])


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file to :data:`SCHEMA_VERSION`, one migration per version, each in its own transaction."""
    version = _pragma(conn, "user_version")
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if (version == 0 and tables) or (version and _pragma(conn, "application_id") != APPLICATION_ID):
        raise HistoryError(
            f"{path}: an SQLite database, but not an sspr-audit run history; choose another file with --history"
        )
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"{path}: written by a newer sspr-audit (history schema {version}; this version reads up"
            f" to {SCHEMA_VERSION}); upgrade sspr-audit or choose another file with --history"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with _transaction(conn, path):
            if _pragma(conn, "user_version") != target - 1:
                continue  # another process migrated meanwhile
            MIGRATIONS[target](conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {target}")
