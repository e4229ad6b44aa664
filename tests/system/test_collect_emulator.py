"""The collector against the loopback Graph emulator, end to end over real sockets.

The emulator serves a generated ground-truth tenant; the collected snapshot
must equal :func:`expected_collection` of that truth exactly, whatever the
throttling and injected faults did along the way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import stat
from functools import cache
from typing import Any

import click
import pytest
from click.testing import CliRunner

from sspr_audit.cli.options import collect_options
from sspr_audit.collect.collector import collect, collect_into
from sspr_audit.collect.errors import AuthenticationError, CheckpointError
from sspr_audit.collect.options import CollectOptions
from sspr_audit.collect.progress import Progress
from sspr_audit.demo.tenant import generate_tenant
from sspr_audit.emulator.config import EmulatorConfig
from sspr_audit.emulator.expected import expected_collection
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.emulator.throttling import ThrottleLimits
from sspr_audit.snapshot import read, to_dict
from sspr_audit.snapshot.models import CollectionState, Snapshot, SourceState

NOW = "2025-02-03T04:05:06Z"
TOKEN = EmulatorConfig().token


@cache
def tenant(users: int = 130, seed: int = 7) -> Snapshot:
    return generate_tenant(users, seed)


def options(url: str, **overrides: Any) -> CollectOptions:
    values: dict[str, Any] = {
        "access_token": TOKEN,
        "graph_url": url,
        "backoff_base": 0.01,
        "concurrency": 8,
        "scope_groups": tuple(g.display_name for g in tenant().tenant.groups),
    }
    values.update(overrides)
    return CollectOptions(**values)


def run(url: str, **kwargs: Any) -> tuple[Snapshot, Any]:
    opts = kwargs.pop("opts", None) or options(url)
    return asyncio.run(collect(opts, now=NOW, **kwargs))


def run_into(url: str, output: Any, **kwargs: Any) -> tuple[Snapshot, Any]:
    """A collection as the command line runs it: streamed into the file ``output``, read back from there."""
    opts = kwargs.pop("opts", None) or options(url)
    stats = asyncio.run(collect_into(output, opts, now=NOW, **kwargs))
    return read(output), stats


def assert_matches_truth(snapshot: Snapshot, truth: Snapshot, **expectation: Any) -> None:
    expected = expected_collection(truth, **expectation)
    assert [to_dict(u) for u in snapshot.users] == [to_dict(u) for u in expected.users]
    stable = ("id", "display_name", "verified_domains", "on_premises_sync_enabled", "settings", "groups")
    assert {f: to_dict(getattr(snapshot.tenant, f)) for f in stable} == {
        f: to_dict(getattr(expected.tenant, f)) for f in stable
    }
    without_message = [{**to_dict(s), "message": None} for s in snapshot.tenant.sources]
    assert without_message == [to_dict(s) for s in expected.tenant.sources]
    assert snapshot.generator == expected.generator and snapshot.generator.startswith("sspr-audit collector ")


@pytest.mark.slow  # waits out Graph's Retry-After for real
def test_collection_equals_truth_through_pages_throttling_and_faults():
    truth = tenant()
    config = EmulatorConfig(fault_rate=0.05, seed=11, limits=ThrottleLimits(bucket_ru=35, bucket_window_s=1.0))
    with emulator_in_thread(truth, config) as emulator:
        snapshot, stats = run(emulator.url)
        served = emulator.stats
    assert_matches_truth(snapshot, truth)
    assert served.by_route and served.max_batch_size <= 20 and served.batches >= 5
    # Every 429 the collector saw was served; a 429 inside a batch whose connection the emulator then reset
    # never reaches it, and which batches those are depends on timing.
    assert served.throttled > 0 and 0 < stats.throttled <= served.throttled
    assert served.faults > 0 and stats.retries > 0
    assert len(snapshot.users) > 100  # more than one page of users with $expand=manager
    assert snapshot.tenant.collected_at == NOW and snapshot.tenant.graph_endpoint == emulator.url
    failed = [u for u in snapshot.users if u.collection.state == CollectionState.FAILED]
    assert failed and all(u.methods is None and "HTTP 503" in u.collection.reason for u in failed)
    assert stats.users_failed == len(failed)


def test_unlicensed_tenant_is_read_user_by_user():
    truth = tenant(60, 5)
    with emulator_in_thread(truth, EmulatorConfig(unlicensed=True, throttle="off")) as emulator:
        snapshot, stats = run(emulator.url, opts=options(emulator.url, scope_groups=()))
    assert_matches_truth(snapshot, truth, registration_permitted=False, scope_groups=())
    assert snapshot.tenant.source("registration_details").state == SourceState.NOT_PERMITTED
    assert all(u.registration is None for u in snapshot.users)
    assert all(u.methods is not None or u.collection.state == CollectionState.FAILED for u in snapshot.users)
    assert stats.users_to_fetch == len(snapshot.users)


def test_wrong_token_names_the_fix():
    with emulator_in_thread(tenant(20, 1)) as emulator, pytest.raises(AuthenticationError) as caught:
        run(emulator.url, opts=options(emulator.url, access_token="wrong-token-4242"))
    assert "invalid, expired" in str(caught.value) and "wrong-token-4242" not in str(caught.value)


class Interrupt(Exception):
    """Stands for Ctrl-C or a crash in the middle of the per-user calls."""


class StopAfter(Progress):
    def __init__(self, batches: int) -> None:
        self.left = batches

    def methods_fetched(self, count: int) -> None:
        self.left -= 1
        if self.left < 0:
            raise Interrupt


def test_an_interrupted_collection_resumes_without_asking_twice(tmp_path):
    truth = tenant()
    checkpoint = tmp_path / "run" / "collect.checkpoint"
    output = tmp_path / "run" / "snapshot.json"
    config = EmulatorConfig(throttle="off")
    with emulator_in_thread(truth, config) as emulator:
        opts = options(emulator.url, concurrency=1)
        with pytest.raises(Interrupt):
            run(emulator.url, opts=opts, checkpoint=checkpoint, progress=StopAfter(3))
        done_before = dict(emulator.stats.user_method_calls)
        # four batches went out, each kept as it came back: a probe, the rest of the administrators, then
        # batches of methods and mailbox reads (less the users the emulator fails on purpose)
        assert 20 <= len(done_before) <= 80
        assert stat.S_IMODE(os.stat(checkpoint).st_mode) == 0o600
        with checkpoint.open("ab") as handle:  # a kill in the middle of a write leaves a torn line
            handle.write(b'{"kind":"methods","users":{"torn')
        with pytest.raises(CheckpointError, match="--resume"):
            run(emulator.url, opts=opts, checkpoint=checkpoint)
        snapshot, stats = run_into(emulator.url, output, opts=opts, checkpoint=checkpoint, resume=True)
        calls = emulator.stats.user_method_calls
        listings = emulator.stats.by_route
    assert_matches_truth(snapshot, truth)
    fetched = [u.id for u in snapshot.users if u.methods is not None]
    assert all(calls[user_id] == 1 for user_id in fetched)
    assert stats.users_resumed == len(done_before) and stats.users_fetched == len(fetched) - len(done_before)
    assert not checkpoint.exists()
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    assert (
        sum(n for route, n in listings.items() if "users" in str(route).lower() and "method" not in str(route).lower())
        >= 1
    )


def test_a_checkpoint_of_other_options_or_another_tenant_is_refused(tmp_path):
    checkpoint = tmp_path / "collect.checkpoint"
    with emulator_in_thread(tenant(), EmulatorConfig(throttle="off")) as emulator:
        with pytest.raises(Interrupt):
            run(emulator.url, opts=options(emulator.url, concurrency=1), checkpoint=checkpoint, progress=StopAfter(1))
        with pytest.raises(CheckpointError, match="scope_groups"):
            run(
                emulator.url,
                opts=options(emulator.url, scope_groups=("SSPR Pilot",)),
                checkpoint=checkpoint,
                resume=True,
            )
        url = emulator.url
    other = tenant(20, 99)
    with emulator_in_thread(other, EmulatorConfig(throttle="off")) as emulator:
        text = checkpoint.read_text().replace(url, emulator.url)  # same options, another tenant behind them
        checkpoint.write_text(text)
        with pytest.raises(CheckpointError, match=f"tenant {tenant().tenant.id}"):
            run(emulator.url, opts=options(emulator.url, concurrency=1), checkpoint=checkpoint, resume=True)


class CarelessProgress(Progress):
    """Logs the secret it was given, as careless code might."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def methods_fetched(self, count: int) -> None:
        logging.getLogger("sspr_audit.test").debug("fetched %d with token %s", count, self.secret)


def test_secrets_never_reach_logs_errors_or_files(tmp_path, caplog, monkeypatch):
    sentinel = "SENTINEL-secret-token-7f3a9c"
    truth = tenant(20, 3)
    checkpoint, output = tmp_path / "c.checkpoint", tmp_path / "snap.json"
    captured: dict[str, Any] = {}

    @click.command()
    @collect_options
    def command(**params: Any) -> None:
        captured["options"] = CollectOptions.from_params(params)

    monkeypatch.setenv("SSPR_AUDIT_ACCESS_TOKEN", sentinel)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", sentinel + "-client")
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "azure", "kiota_http", "msgraph_core", "sspr_audit"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    with emulator_in_thread(truth, EmulatorConfig(token=sentinel, throttle="off", fault_rate=0.1, seed=2)) as emu:
        result = CliRunner().invoke(command, ["--graph-url", emu.url, "--concurrency", "4"])
        assert result.exit_code == 0, result.output
        opts = captured["options"]
        assert opts.access_token == sentinel and sentinel not in repr(opts)
        opts = dataclasses.replace(opts, backoff_base=0.01)
        asyncio.run(collect_into(output, opts, now=NOW, checkpoint=checkpoint, progress=CarelessProgress(sentinel)))
        snapshot = read(output)
        interrupted = tmp_path / "i.checkpoint"
        with pytest.raises(Interrupt):
            asyncio.run(collect(opts, now=NOW, checkpoint=interrupted, progress=StopAfter(0)))
    with emulator_in_thread(truth, EmulatorConfig(throttle="off")) as emu, pytest.raises(AuthenticationError) as bad:
        asyncio.run(collect(CollectOptions(access_token=sentinel, graph_url=emu.url), now=NOW))
    help_text = CliRunner(env={"AZURE_CLIENT_SECRET": sentinel}).invoke(command, ["--help"]).output
    assert len(snapshot.users) > 0 and caplog.records
    texts = [r.getMessage() for r in caplog.records] + [
        caplog.text,
        str(bad.value),
        help_text,
        output.read_text(),
        interrupted.read_text(),
    ]
    assert not [t for t in texts if sentinel in t]
    assert any("***" in r.getMessage() for r in caplog.records)
    assert json.loads(output.read_text())["tenant"]["id"] == truth.tenant.id


class Watching(Progress):
    def __init__(self) -> None:
        self.waits: list[tuple[int, float]] = []
        self.listed = 0

    def users_read(self, count: int) -> None:
        self.listed += count

    def waiting(self, users: int, seconds: float) -> None:
        self.waits.append((users, seconds))


def test_the_display_hears_of_users_waiting_for_a_retry_and_of_their_end():
    truth = tenant()
    watching = Watching()
    with emulator_in_thread(truth, EmulatorConfig(throttle="off")) as emulator:
        snapshot, stats = run(emulator.url, progress=watching)
    assert stats.users_failed == 2  # the demo's users whose method calls fail on purpose
    assert watching.listed == len(snapshot.users)
    assert any(users > 0 and seconds > 0 for users, seconds in watching.waits)
    assert watching.waits[-1] == (0, 0.0)  # nobody waits once the last retry is answered


def test_the_snapshot_streamed_into_a_file_is_the_one_built_in_memory(tmp_path):
    truth = tenant()
    with emulator_in_thread(truth, EmulatorConfig(throttle="off")) as emulator:
        opts = options(emulator.url, methods_detail="admins")  # users judged on the report, and counted so
        built, _ = run(emulator.url, opts=opts)
        written, stats = run_into(emulator.url, tmp_path / "snapshot.json.gz", opts=opts)
    assert stats.users_unread > 0
    assert "methods detail not read for" in next(
        s.message for s in written.tenant.sources if s.source == "authentication_methods"
    )
    assert to_dict(written) == to_dict(built)
