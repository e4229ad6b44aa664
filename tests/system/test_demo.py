"""The demo: every rule fires, and 'run --demo' goes through the emulator and the real collector."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

from sspr_audit import snapshot
from sspr_audit.audit import engine
from sspr_audit.audit.policy import Exclusion
from sspr_audit.audit.results import Readiness
from sspr_audit.audit.rules.registry import rule_ids
from sspr_audit.cli import main
from sspr_audit.demo import demo_policy_path
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.snapshot.models import CollectionState


def test_default_demo_fires_every_rule_and_most_users_are_ready():
    """Every rule fires in the demo; SSPR002 (ready only through directory data) only as of a day before
    5 October 2026, when such data still counted (howto-sspr-authenticationdata); TEN003 (exclusions removed
    most users) only with a policy that excludes everyone."""
    truth = generate_tenant(users=250, seed=7)
    policy = engine.load_policy(demo_policy_path(), truth)
    result = engine.run(truth, policy)
    fired = {f.rule for f in result.findings}
    assert fired == rule_ids() - {"SSPR002", "TEN003"}, f"rules never firing in the demo: {sorted(rule_ids() - fired)}"
    assert "SSPR002" in {f.rule for f in engine.run(truth, policy, as_of="2026-09-01").findings}
    everyone = dataclasses.replace(policy, exclusions=(Exclusion("*", "a pattern that matches everyone"),))
    assert "TEN003" in {f.rule for f in engine.run(truth, everyone).findings}
    statuses = [u.status for u in result.users]
    assert statuses.count(Readiness.READY) > 0.7 * len(statuses)
    shares = [p.share for p in result.timeline]
    assert [p.date for p in result.timeline] == ["2027-02-01", "2027-03-01", "2027-07-01"]
    assert shares == sorted(shares, reverse=True) and shares[0] < 80.0  # SMS and voice end: a visible drop


@pytest.mark.usefixtures("fast_retries")
def test_run_demo_collects_through_the_emulator_and_reports(tmp_path):
    out = tmp_path / "reports"
    result = CliRunner().invoke(main, ["run", "--demo", "--users", "60", "-o", str(out), "-f", "json,csv", "-q"])
    assert result.exit_code == 0, result.output
    collected = snapshot.read(out / "demo-snapshot-60-seed7.json.gz")
    expected = expected_collection(generate_tenant(users=60, seed=7))
    assert [u.id for u in collected.users] == [u.id for u in expected.users]
    assert collected.generator.startswith("sspr-audit collector")
    assert collected.tenant.graph_endpoint.startswith("http://127.0.0.1:")
    failed = {u.id for u in collected.users if u.collection.state == CollectionState.FAILED}
    assert failed, "the demo tenant has users whose methods cannot be read"
    [report] = out.glob("sspr-audit_*.json")
    users = {u["id"]: u for u in json.loads(report.read_text())["users"]}
    assert {users[i]["status"] for i in failed} == {"unknown"}
    assert not (out / "demo-collect.checkpoint").exists()


def test_collect_with_a_wrong_token_is_exit_2_naming_the_fix(tmp_path):
    with emulator_in_thread(generate_tenant(users=10, seed=1), EmulatorConfig()) as emulator:
        result = CliRunner().invoke(
            main, ["collect", "--graph-url", emulator.url, "--access-token", "nope-1234", "-o", str(tmp_path), "-q"]
        )
    assert result.exit_code == 2
    assert "sspr-audit: error:" in result.output and "nope-1234" not in result.output
    assert len(result.output.strip().splitlines()) == 1
