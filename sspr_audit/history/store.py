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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sspr_audit.audit.results import AuditResult, Readiness, Severity
from sspr_audit.errors import InputError
from sspr_audit.files import FILE_MODE, ensure_private_dir
from sspr_audit.history.compare import (
    RunChanges,
    RunSummary,
    StoredFinding,
    StoredRun,
    StoredUser,
    compare,
    run_from_result,
    trend_point,
)

SCHEMA_VERSION = 2
APPLICATION_ID = 0x53535052  # "SSPR": marks the file as an sspr-audit history
TREND_RUNS = 12  # runs drawn in the report's readiness trend, this one included

_RUN_COLUMNS = (
    "id, tenant_id, tenant_name, generated_at, policy_hash, snapshot_path, users_total, users_in_scope, users_ready"
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


# The migration that brings a file to each version, applied in order from the file's own version.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _to_v1, 2: _to_v2}


def record_run(db_path: Path, result: AuditResult, snapshot_path: str | Path | None = None) -> int:
    """Record one audit (its users and findings) in one transaction; returns the run id."""
    run = run_from_result(result, str(snapshot_path) if snapshot_path is not None else None)
    s = run.summary
    with _database(db_path, create=True) as conn, _transaction(conn):
        cursor = conn.execute(
            f"INSERT INTO runs ({_RUN_COLUMNS.removeprefix('id, ')}, users_recorded)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                s.tenant_id,
                s.tenant_name,
                s.generated_at,
                s.policy_hash,
                s.snapshot_path,
                s.users_total,
                s.users_in_scope,
                s.users_ready,
            ),
        )
        run_id = cursor.lastrowid
        if run_id is None:  # sqlite3 sets it after every INSERT; None would mean the row was not written
            raise HistoryError(f"{db_path}: the run was not recorded")
        conn.executemany(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    run_id,
                    u.id,
                    u.upn,
                    u.display_name,
                    u.status.value,
                    int(u.is_admin),
                    u.usable_count,
                    ",".join(u.usable_methods),
                )
                for u in run.users or ()
            ),
        )
        conn.executemany(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ((run_id, f.rule, f.severity.value, f.user_id, f.upn, f.field, f.value, f.message) for f in run.findings),
        )
    return run_id


def list_runs(db_path: Path, tenant_id: str | None = None) -> list[RunSummary]:
    """Recorded runs, newest first: of one tenant, or of every tenant when ``tenant_id`` is None."""
    if not Path(db_path).exists():
        return []
    where, params = ("WHERE tenant_id = ?", (tenant_id,)) if tenant_id is not None else ("", ())
    with _database(db_path) as conn:
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY generated_at DESC, id DESC", params
        ).fetchall()
        return _summaries(conn, rows)


def tenants(db_path: Path) -> list[tuple[str, str]]:
    """``(tenant id, latest name)`` of every tenant with a recorded run, by name."""
    if not Path(db_path).exists():
        return []
    with _database(db_path) as conn:
        rows = conn.execute("SELECT tenant_id, tenant_name FROM runs ORDER BY generated_at, id").fetchall()
    names = dict(rows)
    return sorted(names.items(), key=lambda t: (t[1].casefold(), t[0]))


def load_run(db_path: Path, run_id: int) -> StoredRun:
    """One recorded run with its users and findings."""
    if not Path(db_path).exists():
        raise HistoryError(f"{db_path}: no run history here yet; 'report' and 'run' record one")
    with _database(db_path) as conn:
        row = conn.execute(f"SELECT {_RUN_COLUMNS}, users_recorded FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise HistoryError(f"{db_path}: there is no run {run_id}; 'sspr-audit history' lists the runs")
        (summary,) = _summaries(conn, [row[:-1]])
        findings = tuple(
            StoredFinding(rule, _enum(Severity, severity, db_path), user_id, upn, field, value, message)
            for rule, severity, user_id, upn, field, value, message in conn.execute(
                "SELECT rule, severity, user_id, upn, field, value, message FROM findings WHERE run_id = ?"
                " ORDER BY rowid",
                (run_id,),
            )
        )
        users = None
        if row[-1]:
            users = tuple(
                StoredUser(
                    user_id,
                    upn,
                    name,
                    _enum(Readiness, status, db_path),
                    bool(admin),
                    count,
                    tuple(m for m in methods.split(",") if m),
                )
                for user_id, upn, name, status, admin, count, methods in conn.execute(
                    "SELECT user_id, upn, display_name, status, is_admin, usable_count, usable_methods FROM users"
                    " WHERE run_id = ? ORDER BY rowid",
                    (run_id,),
                )
            )
    return StoredRun(summary, users, findings)


def previous_run(db_path: Path, tenant_id: str, before: RunSummary | None = None) -> StoredRun | None:
    """The tenant's latest run before ``before`` (its latest run of all when None); None when there is none."""
    runs = last_runs(db_path, tenant_id, 1, before=before)
    return load_run(db_path, runs[0].id) if runs and runs[0].id is not None else None


def last_runs(db_path: Path, tenant_id: str, n: int, before: RunSummary | None = None) -> list[RunSummary]:
    """The tenant's last ``n`` runs (before ``before``, when given), oldest first."""
    if n <= 0 or not Path(db_path).exists():
        return []
    where, params = _before(before)
    with _database(db_path) as conn:
        rows = conn.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE tenant_id = ?{where} ORDER BY generated_at DESC, id DESC LIMIT ?",
            (tenant_id, *params, n),
        ).fetchall()
        return _summaries(conn, rows[::-1])


def latest_pair(db_path: Path, tenant_id: str | None = None) -> tuple[StoredRun, StoredRun]:
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
    return load_run(db_path, runs[0].id), load_run(db_path, runs[1].id)  # type: ignore[arg-type]


def changes_since_last_run(db_path: Path, result: AuditResult, trend_runs: int = TREND_RUNS) -> RunChanges:
    """What changed since the tenant's last recorded run, with the readiness trend ending at ``result``."""
    new = run_from_result(result)
    old = previous_run(db_path, new.summary.tenant_id, before=new.summary)
    earlier = last_runs(db_path, new.summary.tenant_id, trend_runs - 1, before=new.summary)
    return replace(compare(old, new), trend=(*(trend_point(r) for r in earlier), trend_point(new.summary)))


def _before(run: RunSummary | None) -> tuple[str, tuple]:
    if run is None:
        return "", ()
    if run.id is None:
        return " AND generated_at <= ?", (run.generated_at,)
    return " AND (generated_at < ? OR (generated_at = ? AND id < ?))", (run.generated_at, run.generated_at, run.id)


def _summaries(conn: sqlite3.Connection, rows: Sequence[tuple]) -> list[RunSummary]:
    """Run rows with their findings counted by severity."""
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
    run_id, tenant_id, tenant_name, generated_at, policy_hash, snapshot_path, total, in_scope, ready = row
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
    )


def _enum(kind, value: str, path: Path):
    try:
        return kind(value)
    except ValueError:
        raise HistoryError(
            f"{path}: unknown {kind.__name__.lower()} {value!r} in the history; it was written by"
            " another version of sspr-audit"
        ) from None


@contextlib.contextmanager
def _database(path: Path, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    """An open history at the current schema version; SQLite's errors become :class:`HistoryError`."""
    path = Path(path)
    if path.is_dir():
        raise HistoryError(f"{path} is a folder; --history names the history file")
    if create and not path.exists():
        _create_private(path)
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: cannot open the run history ({exc})") from None
    try:
        _migrate(conn, path)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise HistoryError(
            f"{path}: cannot use the run history ({exc}); if the file is damaged or not a history, move it aside"
            " or choose another with --history"
        ) from None
    finally:
        conn.close()


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
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


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
        with _transaction(conn):
            if _pragma(conn, "user_version") != target - 1:
                continue  # another process migrated meanwhile
            MIGRATIONS[target](conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {target}")
