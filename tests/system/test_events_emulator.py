"""SSPR audit events through the loopback emulator and the real collector, then into the reports.

The emulator serves the demo tenant's events (auditLogs/directoryAudits, with
Graph's names and shapes); the collector reads the retention window its
licence keeps, or --events-days, and a tenant that refuses them still gets
its report, saying they were not read.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache

from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.collect.collector import collect
from sspr_audit.collect.options import CollectOptions
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import DEFAULT_CONFIG, EmulatorConfig
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot.models import Snapshot, SourceState

NOW = "2026-11-23T08:00:00Z"  # the demo tenant's collection time
TOKEN = EmulatorConfig().token


@cache
def truth() -> Snapshot:
    return generate_tenant(60, 7)


def collected(config: EmulatorConfig = DEFAULT_CONFIG, **options) -> tuple[Snapshot, int]:
    with emulator_in_thread(truth(), config) as emulator:
        opts = CollectOptions(access_token=TOKEN, graph_url=emulator.url, backoff_base=0.01, concurrency=4, **options)
        snapshot, _ = asyncio.run(collect(opts, now=NOW))
        return snapshot, emulator.stats.by_route["GET /auditLogs/directoryAudits"]


def named(snapshot: Snapshot) -> dict:
    return {u.user_principal_name: u.activity for u in snapshot.users}


def test_the_licence_retention_window_is_read_and_every_users_activity_comes_back():
    snapshot, requests = collected()
    assert requests == 1
    assert snapshot.tenant.source("sspr_events").state == SourceState.READ
    assert (snapshot.tenant.events.since, snapshot.tenant.events.window_days) == ("2026-10-24T08:00:00Z", 30)
    assert snapshot.tenant.events.count == truth().tenant.events.count > 0
    wanted = {u.user_principal_name: u.activity for u in truth().users if u.account_enabled}
    assert named(snapshot) == wanted and any(wanted.values())


def test_events_days_narrows_the_window():
    snapshot, _ = collected(events_days=7)
    assert (snapshot.tenant.events.since, snapshot.tenant.events.window_days) == ("2026-11-16T08:00:00Z", 7)
    older = [
        u for u in truth().users if u.activity and u.activity.last_reset and u.activity.last_reset.at < "2026-11-14"
    ]
    assert older and all(
        named(snapshot)[u.user_principal_name] is None for u in older if not u.activity.last_registration
    )
    assert 0 < snapshot.tenant.events.count < truth().tenant.events.count


def test_a_refused_audit_log_is_named_and_every_output_says_events_were_not_read(tmp_path):
    snapshot, _ = collected(EmulatorConfig(audit_log_denied=True))
    status = snapshot.tenant.source("sspr_events")
    assert (status.state, status.http_status, status.permission) == (
        SourceState.NOT_PERMITTED,
        403,
        "AuditLog.Read.All",
    )
    assert snapshot.tenant.events is None and not any(u.activity for u in snapshot.users)
    assert snapshot.tenant.source("users").state == SourceState.READ  # nothing else changes

    from sspr_audit.snapshot import write

    path = write(snapshot, tmp_path / "s.json.gz")
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "out"), "-f", "json,html"])
    assert result.exit_code in (0, 1), result.output
    assert (
        "What users did: the SSPR audit events were not read (Graph refused them (HTTP 403): grant AuditLog.Read.All)"
        in result.output
    )
    [report] = (tmp_path / "out").glob("*.json")
    data = json.loads(report.read_bytes())
    assert data["reality"]["read"] is False and data["reality"]["contradict"] is None
    assert {"source": "sspr_events", "state": "not_permitted", "permission": "AuditLog.Read.All"}.items() <= next(
        s for s in data["summary"]["sources_not_read"] if s["source"] == "sspr_events"
    ).items()
    [html] = (tmp_path / "out").glob("*.html")
    text = html.read_text()
    assert "The SSPR audit events were not read" in text and "no verdict was checked against them" in text


def test_the_demo_run_lists_its_deliberate_contradictions(tmp_path, fast_retries):
    out = tmp_path / "reports"
    result = CliRunner().invoke(main, ["run", "--demo", "--users", "60", "-o", str(out), "-f", "json", "-q"])
    assert result.exit_code == 0, result.output
    [report] = out.glob("sspr-audit_*.json")
    data = json.loads(report.read_bytes())
    contradictions = sorted(
        (f["rule"], f["upn"].split("@")[0]) for f in data["findings"] if f["rule"].startswith("EVT")
    )
    assert contradictions == [("EVT001", "lukas.hoffmann"), ("EVT002", "mary.jones")]
    assert data["reality"]["read"] is True and data["reality"]["contradict"] == 2
