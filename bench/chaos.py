"""Chaos benchmark: collect a demo tenant through faults, a 429 storm, dropped connections and a malformed page.

    python bench/chaos.py [--users 10000] [--seed 7] [--faults 0.05] [--storm-after 40] [--storm-seconds 3]
                          [--latency-ms 0] [--hostile]

An emulator process serves ``generate_tenant(users, seed)`` with Microsoft's documented throttling, the
given share of seeded faults (500, 503, connection resets, slow answers), a 429 storm (every request,
whole or inside a ``$batch``, throttled for ``--storm-seconds`` from the request after the first
``--storm-after``) and the second page of ``/users`` answered once with a truncated JSON body. The
collector, with its default options, collects it in this process; the snapshot is compared with
``expected_collection(truth)``. Lost users (enabled in the truth, not exactly once in the snapshot) must be 0,
and the only users marked failed must be those whose calls the truth makes fail; the storm, at least one reset
and the malformed page must each have happened. Exit status 1 otherwise.

With ``--hostile``, a proxy in front of the emulator (``bench/hostile_proxy.py``) adds hostile answers: a
``Retry-After`` of 1e9, a body trickling one byte every 0.5 s, a gzip bomb, a page link to another port and
endless empty pages of role eligibility. The collector runs with a 2 s cap on ``Retry-After``, a 3 s deadline per
answer and ``--max-pages 50``: no user may be lost and nothing may hang; role eligibility must fail with the
page-limit error (the snapshot then differs from the truth in eligible roles only, so it is not compared).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MALFORMED_COLLECTION, MALFORMED_PAGE = "/users", 2
HOSTILE_MODES = ("retry-after", "trickle", "gzip-bomb", "foreign-link", "endless-pages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--faults", type=float, default=0.05, help="share of requests given an injected fault")
    parser.add_argument("--storm-after", type=int, default=40, help="HTTP requests before the 429 storm starts")
    parser.add_argument("--storm-seconds", type=float, default=3.0, help="length of the 429 storm")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="mean added latency per answer")
    parser.add_argument("--hostile", action="store_true", help="add hostile answers through a proxy")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # internal: the emulator process
    args = parser.parse_args()
    if args.serve:
        _serve(args)
    else:
        sys.exit(_run(args))


def _config(args: argparse.Namespace) -> Any:
    from sspr_audit.emulator.config import EmulatorConfig

    return EmulatorConfig(
        throttle="documented",
        fault_rate=args.faults,
        seed=args.seed,
        latency_ms=args.latency_ms,
        storm_after=args.storm_after,
        storm_seconds=args.storm_seconds,
        malformed_collection=MALFORMED_COLLECTION,
        malformed_page=MALFORMED_PAGE,
    )


def _serve(args: argparse.Namespace) -> None:
    """Serve the tenant until a line arrives on stdin; then print what the emulator counted."""
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.emulator.server import start_emulator

    truth = generate_tenant(args.users, args.seed)

    async def serve() -> dict[str, Any]:
        running = await start_emulator(truth, _config(args))
        print(running.url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        stats = running.stats
        await running.close()
        return {
            "http_requests": stats.http_requests,
            "graph_requests": stats.graph_requests,
            "throttled": stats.throttled,
            "stormed": stats.stormed,
            "faults": stats.faults,
            "resets": stats.resets,
            "malformed": stats.malformed,
        }

    print(json.dumps(asyncio.run(serve())), flush=True)


def _run(args: argparse.Namespace) -> int:
    from sspr_audit.collect.collector import collect
    from sspr_audit.collect.options import CollectOptions
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.emulator.expected import expected_collection
    from sspr_audit.snapshot import to_dict
    from sspr_audit.snapshot.models import CollectionState

    _config(args)  # refuse bad options before starting anything
    truth = generate_tenant(args.users, args.seed)
    command = [
        sys.executable,
        __file__,
        "--serve",
        "--users",
        str(args.users),
        "--seed",
        str(args.seed),
        "--faults",
        str(args.faults),
        "--storm-after",
        str(args.storm_after),
        "--storm-seconds",
        str(args.storm_seconds),
        "--latency-ms",
        str(args.latency_ms),
    ]
    emulator = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = emulator.stdout.readline().strip()
        groups = tuple(g.display_name for g in truth.tenant.groups)
        options = CollectOptions(access_token=_config(args).token, graph_url=url, scope_groups=groups, quiet=True)
        started = time.monotonic()
        fired: dict[str, int] = {}
        if args.hostile:
            snapshot, stats, fired = asyncio.run(_collect_through_proxy(options))
        else:
            snapshot, stats = asyncio.run(collect(options))
        wall = time.monotonic() - started
    finally:
        served_text, _ = emulator.communicate("stop\n", timeout=60)
    served = json.loads(served_text.strip().splitlines()[-1])

    enabled = collections.Counter(u.id for u in truth.users if u.account_enabled)
    seen = collections.Counter(u.id for u in snapshot.users)
    lost = sum(abs(enabled[uid] - seen[uid]) for uid in enabled.keys() | seen.keys())
    failed = {u.id: u.collection.reason for u in snapshot.users if u.collection.state == CollectionState.FAILED}
    deliberate = {u.id for u in truth.users if u.account_enabled and u.collection.state == CollectionState.FAILED}
    expected = expected_collection(truth)
    matches = args.hostile or [to_dict(u) for u in snapshot.users] == [to_dict(u) for u in expected.users]
    unexpected = sorted(set(failed) - deliberate)

    rows = [
        ("users (enabled in the truth)", f"{sum(enabled.values()):,}"),
        ("users in the snapshot", f"{len(snapshot.users):,}"),
        ("lost users", str(lost)),
        (
            "users marked failed",
            f"{len(failed)} (deliberately failing in the truth: {len(deliberate)}; others: {len(unexpected)})",
        ),
        (
            "snapshot equals expected_collection(truth)",
            "not compared (--hostile)" if args.hostile else "yes" if matches else "NO",
        ),
        ("wall time", f"{wall:.1f} s"),
        ("HTTP requests (collector / emulator)", f"{stats.http_requests:,} / {served['http_requests']:,}"),
        (
            "Graph requests (collector: whole + batch steps; emulator: also each $batch)",
            f"{stats.graph_requests:,} / {served['graph_requests']:,}",
        ),
        (
            "429s seen by the collector / sent",
            f"{stats.throttled:,} / {served['throttled']:,} ({served['stormed']:,} of them in the storm)",
        ),
        ("retries", f"{stats.retries:,}"),
        ("injected faults (of them resets)", f"{served['faults']:,} ({served['resets']})"),
        ("malformed page bodies served", str(served["malformed"])),
    ]
    if args.hostile:
        eligibility = snapshot.tenant.source("role_eligibility")
        rows.append(("hostile answers given", ", ".join(f"{mode} {fired.get(mode, 0)}" for mode in HOSTILE_MODES)))
        rows.append(("role eligibility (endless pages)", f"{eligibility.state} ({eligibility.message})"))
    print(
        f"chaos run: {args.users:,} users, seed {args.seed}, {args.faults:.0%} faults, 429 storm of"
        f" {args.storm_seconds:g} s after {args.storm_after} requests, page {MALFORMED_PAGE} of"
        f" {MALFORMED_COLLECTION} malformed once, documented throttling, {args.latency_ms:g} ms latency"
    )
    width = max(len(name) for name, _ in rows)
    print("| " + "measure".ljust(width) + " | value |")
    print("|" + "-" * (width + 2) + "|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    for uid, reason in sorted(failed.items()):
        print(f"failed: {uid}: {reason}")
    missed = [
        name
        for name, count in (
            ("the storm", served["stormed"]),
            ("connection resets", served["resets"] or args.hostile),  # the proxy answers a reset with a 502
            ("the malformed page", served["malformed"]),
        )
        if not count
    ]
    if args.hostile:
        missed += [mode for mode in HOSTILE_MODES if not fired.get(mode)]
        if "past 50" not in (snapshot.tenant.source("role_eligibility").message or ""):
            missed.append("the page limit")
    if missed:
        print(f"the chaos mix missed {', '.join(missed)}: try another --seed or a later --storm-after")
    return 0 if lost == 0 and not unexpected and matches and not missed else 1


async def _collect_through_proxy(options: Any) -> tuple[Any, Any, dict[str, int]]:
    """Collect through the hostile proxy, with small bounds so that the run shows it does not hang."""
    from dataclasses import replace

    from hostile_proxy import HostileProxy

    from sspr_audit.collect.collector import collect

    proxy = HostileProxy(options.graph_url)
    runner = await proxy.start()
    try:
        hostile = replace(options, graph_url=proxy.url, max_retry_after=2.0, request_deadline=3.0, max_pages=50)
        snapshot, stats = await collect(hostile)
    finally:
        await proxy.close(runner)
    return snapshot, stats, dict(proxy.fired)


if __name__ == "__main__":
    main()
