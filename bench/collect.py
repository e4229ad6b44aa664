"""Benchmark: collect demo tenants from the loopback Graph emulator under Microsoft's throttling.

    python bench/collect.py [--sizes 1000,10000,100000] [--latency-ms 100] [--sequential-sizes 1000,10000]
                            [--faults 0.01] [--fault-sizes 10000] [--sequential-sample N] [--seed 7]
                            [--throttle documented|reports] [--bucket-per-s N] [--repeat K]

``--throttle reports`` charges per-user methods calls to the reports budget (5 requests per 10 s), as
Graph's throttling page lists them; ``--bucket-per-s N`` replaces the identity bucket by a plain one of
N resource units per second (10 N per 10 s). ``--repeat K`` runs each size K times and shows medians.

For each size, a fresh emulator process serves ``generate_tenant(users, seed)`` with the documented
throttling and the given mean latency; a fresh collector process collects it (its peak RSS, VmHWM, is the
collector's own), and the snapshot it writes is compared with ``expected_collection(truth)``.

Two yardsticks, measured in the same run:

1. The floor the throttling allows. With L the mean latency, E enabled users, M of them needing the
   per-user call (their report row lists a phone or email), R_n the report rows up to the last enabled
   user's row, in Graph's order, and S_r the report's page size (999 as the emulator serves it):
     report pages   P_r = ceil(R_n / S_r)
     user pages     P_u = floor(E / 100) + 1               ($expand=manager caps pages at 100; a full last
                                                           page links to an empty one)
   A user whose calls always fail (the demo tenant has two) is given up only after the retry policy's
   attempts: T_retry = 2 L + (A - 1) L + sum of the least backoffs (A attempts, equal jitter: at least
   half of 0.5 s, 1 s, 2 s, ...), shown beside the floor: with A = 6 it is 8.45 s, on average 12.3 s.
     resource units RU  = 2 P_u + M + S                    (GET /users 2 RU; each per-user call 1 RU; S the
                                                           few tenant-level reads)
     T_report = (ceil(P_r / 5) - 1) * 10 s + L             (5 report requests per 10 s; the window starts full)
     T_ru     = max(0, RU - B) / (B / 10 s) + L            (bucket B = 8,000 RU per 10 s above 500 users)
     T_chain  = (P_u + 1) * L                              (nextLink pages one after another, then the last
                                                           users' $batch)
     floor    = max(T_report, T_ru, T_chain)
2. A plain sequential loop, as in Microsoft's sample scripts: list the enabled users ($select=id,
   $top=999), then for each user GET /users/{id}/authentication/methods, one after another, obeying
   Retry-After. ``--sequential-sample N`` times only the first N users and extrapolates (marked so).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from peak import peak_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPORT_REQUESTS, REPORT_WINDOW_S = 5, 10.0
TENANT_LEVEL_RU = 10  # organization, roles, policies, scope groups: a handful of 1-2 RU reads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--sequential-sizes", default="1000,10000")
    parser.add_argument(
        "--sequential-sample",
        type=int,
        default=0,
        help="time the sequential loop on this many users only and extrapolate (0: full run)",
    )
    parser.add_argument("--faults", type=float, default=0.01, help="fault rate of the extra run (0: none)")
    parser.add_argument("--fault-sizes", default="10000", help="sizes of the runs with faults")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--throttle", choices=("documented", "reports"), default="documented")
    parser.add_argument(
        "--bucket-per-s", type=int, default=0, help="a plain identity bucket of N RU/s (0: Microsoft's)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the table shows medians")
    parser.add_argument("--methods-detail", default="needed", help="the collector's --methods-detail")
    parser.add_argument("--max-minutes", type=float, default=0.0, help="the collector's --max-minutes (0: none)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: emulator process of N users
    parser.add_argument("--fault-rate", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--collect-from", help=argparse.SUPPRESS)  # internal: collector process
    parser.add_argument("--sequential-from", help=argparse.SUPPRESS)  # internal: sequential loop process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--groups", default="[]", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.seed, args.latency_ms, args.fault_rate, args.throttle, args.bucket_per_s)
    elif args.collect_from:
        print(json.dumps(_collect_one(args.collect_from, args.out, json.loads(args.groups), args)))
    elif args.sequential_from:
        print(json.dumps(_sequential_one(args.sequential_from, args.sequential_sample)))
    else:
        _run(args)


# -- the emulator process ----------------------------------------------------------------------------------------


def limits_of(users: int, bucket_per_s: int) -> Any:
    """The identity bucket the emulator applies: Microsoft's for the tenant's size, or a plain one."""
    from sspr_audit.emulator.throttling import BUCKET_WINDOW_S, ThrottleLimits

    if bucket_per_s:
        return ThrottleLimits(int(bucket_per_s * BUCKET_WINDOW_S))
    return ThrottleLimits.documented(users)


def _serve(users: int, seed: int, latency_ms: float, fault_rate: float, throttle: str, bucket_per_s: int) -> None:
    """Serve one tenant until a line arrives on stdin; then print what the emulator counted and spent."""
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.emulator.config import EmulatorConfig
    from sspr_audit.emulator.server import start_emulator

    truth = generate_tenant(users, seed)
    config = EmulatorConfig(
        latency_ms=latency_ms,
        throttle=throttle,
        fault_rate=fault_rate,
        seed=seed,
        limits=limits_of(len(truth.users), bucket_per_s),
    )

    async def main() -> dict[str, Any]:
        running = await start_emulator(truth, config)
        cpu_before = _cpu_seconds()
        print(running.url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        cpu = _cpu_seconds() - cpu_before
        stats = running.stats
        await running.close()
        return {
            "http_requests": stats.http_requests,
            "graph_requests": stats.graph_requests,
            "throttled": stats.throttled,
            "faults": stats.faults,
            "max_batch": stats.max_batch_size,
            "cpu_s": cpu,
            "peak_mb": peak_mb(),
            "refetched": sum(1 for n in stats.user_method_calls.values() if n > 1),
            "audit_pages": stats.by_route.get("GET /auditLogs/directoryAudits", 0),
        }

    print(json.dumps(asyncio.run(main())), flush=True)


class Emulator:
    """An emulator in its own process, for the duration of a ``with`` block."""

    def __init__(
        self,
        users: int,
        seed: int,
        latency_ms: float,
        fault_rate: float = 0.0,
        throttle: str = "documented",
        bucket: int = 0,
    ) -> None:
        self._args = [
            sys.executable,
            __file__,
            "--serve",
            str(users),
            "--seed",
            str(seed),
            "--latency-ms",
            str(latency_ms),
            "--fault-rate",
            str(fault_rate),
            "--throttle",
            throttle,
            "--bucket-per-s",
            str(bucket),
        ]
        self.stats: dict[str, Any] = {}

    def __enter__(self) -> str:
        self._process = subprocess.Popen(self._args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return self._process.stdout.readline().strip()

    def __exit__(self, *exc: object) -> None:
        out, _ = self._process.communicate("stop\n", timeout=120)
        self.stats = json.loads(out.strip().splitlines()[-1])


# -- the collector process ---------------------------------------------------------------------------------------


def _collect_one(url: str, out: Path, groups: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Collect in this fresh process as `sspr-audit collect` does, into the snapshot file; cost and peak memory."""
    from sspr_audit.collect.collector import collect_into
    from sspr_audit.collect.options import CollectOptions
    from sspr_audit.emulator.config import EmulatorConfig

    options = CollectOptions(
        access_token=EmulatorConfig().token,
        graph_url=url,
        quiet=True,
        scope_groups=tuple(groups),
        methods_detail=args.methods_detail,
        max_minutes=args.max_minutes or None,
    )
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    stats = asyncio.run(collect_into(out, options))
    finished = time.perf_counter()
    read_until = max((t for name, t in stats.phases.items() if name != "snapshot"), default=0.0)
    return {
        "seconds": finished - started,
        "write_s": finished - started - read_until,  # building and writing the snapshot, after the last read
        "cpu_s": _cpu_seconds() - cpu_before,
        "peak_mb": peak_mb(),
        "http_requests": stats.http_requests,
        "graph_requests": stats.graph_requests,
        "throttled": stats.throttled,
        "retries": stats.retries,
        "users_listed": stats.users_listed,
        "users_to_fetch": stats.users_to_fetch,
        "users_failed": stats.users_failed,
        "users_fetched": stats.users_fetched,
        "users_unread": stats.users_unread,
        "phases": stats.phases,
    }


def _phases(measured: dict[str, Any]) -> str:
    """The collector's phases in the order they ended, then the snapshot's writing."""
    ended = sorted((measured.get("phases") or {}).items(), key=lambda item: item[1])
    shown = [f"{name} {seconds:.1f}" for name, seconds in ended]
    return ", ".join([*shown, f"written {measured['seconds']:.1f}"])


# -- the sequential loop -----------------------------------------------------------------------------------------


def _sequential_one(url: str, sample: int) -> dict[str, Any]:
    """List the users, then one GET per user, one after another, obeying Retry-After (and retrying 5xx)."""
    import httpx

    from sspr_audit.collect.retry import RETRYABLE_STATUS, RetryPolicy, retry_after
    from sspr_audit.emulator.config import EmulatorConfig

    policy = RetryPolicy()
    counts = {"requests": 0, "throttled": 0}
    headers = {"Authorization": f"Bearer {EmulatorConfig().token}", "Accept": "application/json"}

    def get(client: httpx.Client, target: str) -> Any:
        failures = 0
        while True:
            counts["requests"] += 1
            response = client.get(target)
            if response.status_code == 429:
                counts["throttled"] += 1
                time.sleep(retry_after(response.headers) or 1.0)
                continue
            if response.status_code in RETRYABLE_STATUS and failures + 1 < policy.max_attempts:
                failures += 1
                time.sleep(policy.backoff(failures))
                continue
            return response.json() if response.status_code < 300 else None

    with httpx.Client(headers=headers, timeout=100.0) as client:
        started = time.perf_counter()
        ids: list[str] = []
        link: str | None = f"{url}/v1.0/users?$filter=accountEnabled%20eq%20true&$select=id&$top=999"
        while link:
            page = get(client, link)
            ids.extend(item["id"] for item in page["value"])
            link = page.get("@odata.nextLink")
        listed = time.perf_counter() - started
        chosen = ids[:sample] if sample else ids
        for user_id in chosen:
            get(client, f"{url}/v1.0/users/{user_id}/authentication/methods")
        looped = time.perf_counter() - started - listed
    return {
        "users": len(ids),
        "timed_users": len(chosen),
        "list_s": listed,
        "loop_s": looped,
        "seconds": listed + looped * len(ids) / max(1, len(chosen)),
        "extrapolated": len(chosen) < len(ids),
        "requests": counts["requests"],
        "throttled": counts["throttled"],
    }


# -- the floor ---------------------------------------------------------------------------------------------------


def floor_of(
    truth: Any, latency_s: float, bucket_per_s: int = 0, reports_calls: int = 0, audit_pages: int = 0
) -> dict[str, Any]:
    """The minimum requests a correct collection needs, and the least time the throttling lets them take.

    The SSPR audit events (``audit_pages``, as many as the emulator served) share the reports budget:
    Graph's throttling page lists directoryAudit under the identity and access reports limits.
    """
    from sspr_audit.collect.mapping import verdict_needs_methods as needs_methods
    from sspr_audit.collect.retry import RetryPolicy
    from sspr_audit.emulator.config import EmulatorConfig
    from sspr_audit.emulator.odata import MAX_TOP
    from sspr_audit.emulator.routes import EXPANDED_PAGE_CAP, REPORT_PAGE
    from sspr_audit.emulator.throttling import BUCKET_WINDOW_S

    report_page = min(REPORT_PAGE, MAX_TOP, EmulatorConfig().page_size_cap)
    enabled = [u for u in truth.users if u.account_enabled]
    needing = sum(1 for u in enabled if needs_methods(u.registration))
    rows = [u for u in truth.users if u.registration is not None]  # the report's rows, in Graph's order
    last_enabled = max((i for i, u in enumerate(rows) if u.account_enabled), default=-1)
    report_pages = max(1, math.ceil((last_enabled + 1) / report_page))
    user_pages = len(enabled) // EXPANDED_PAGE_CAP + 1
    policy = RetryPolicy()
    failing = sum(1 for u in enabled if u.collection.state == "failed" and needs_methods(u.registration))
    least_backoff = sum(policy.base_delay * 2 ** (k - 1) / 2 for k in range(1, policy.max_attempts))
    t_retry = (2 + policy.max_attempts - 1) * latency_s + least_backoff if failing else 0.0
    ru = 2 * user_pages + needing + TENANT_LEVEL_RU
    bucket = limits_of(len(truth.users), bucket_per_s).bucket_ru
    if reports_calls:  # the per-user calls made share the reports budget with the report's pages
        ru -= needing
    reports = report_pages + audit_pages + reports_calls
    t_report = (math.ceil(reports / REPORT_REQUESTS) - 1) * REPORT_WINDOW_S + latency_s
    t_ru = max(0.0, ru - bucket) / (bucket / BUCKET_WINDOW_S) + latency_s
    t_chain = (user_pages + 1) * latency_s
    parts = {"report": t_report, "resource units": t_ru, "nextLink chain": t_chain}
    binding = max(parts, key=parts.get)
    return {
        "enabled": len(enabled),
        "needing": needing,
        "report_pages": report_pages,
        "audit_pages": audit_pages,
        "user_pages": user_pages,
        "report_page": report_page,
        "failing": failing,
        "t_retry": t_retry,
        "floor_with_retry": max(parts[binding], t_retry),
        "ru": ru,
        "bucket": bucket,
        "t_report": t_report,
        "t_ru": t_ru,
        "t_chain": t_chain,
        "floor": parts[binding],
        "binding": binding,
        "sequential_floor": (len(enabled) // 999 + 1 + len(enabled)) * latency_s,
    }


# -- one size ----------------------------------------------------------------------------------------------------


NOT_IN_TIME = "not read within --max-minutes"  # in the reason of a user the time limit left unread

SOURCE_FIELDS = {  # the user field each per-tenant source fills
    "sspr_events": "activity",
    "registration_details": "registration",
    "mailbox_settings": "mailbox_purpose",
    "sign_in_activity": "last_sign_in",
}


def users_lost(snapshot_path: Path, truth: Any) -> tuple[int, int]:
    """(users missing or different from the expected collection, users marked failed).

    A user whose methods were left unread (the time limit, or ``--methods-detail``) is not lost when
    everything else equals the expected collection and the user is marked as judged on the report, or (no
    report row read in time either) marked failed with the time limit as the reason: unknown, and said so.
    """
    from sspr_audit.collect.assemble import ON_REPORT
    from sspr_audit.emulator.expected import expected_collection
    from sspr_audit.snapshot import read, to_dict
    from sspr_audit.snapshot.models import CollectionState, SourceState

    snapshot = read(snapshot_path)
    # A source the run did not read in its time is stated as not read: its fields are not compared.
    statuses = {field: snapshot.tenant.source(source) for source, field in SOURCE_FIELDS.items()}
    not_read = {f for f, status in statuses.items() if status is None or status.state != SourceState.READ}
    in_part = {f for f, status in statuses.items() if status is not None and status.message}  # "N of M not read"

    def same(got: Any, want: Any) -> bool:
        unread = not_read | {f for f in in_part if getattr(got, f) is None}
        if got.methods is None and got.collection.reason and ON_REPORT in got.collection.reason:
            unread |= {"methods", "collection"}
        if got.methods is None and got.collection.reason and NOT_IN_TIME in got.collection.reason:
            unread |= {"methods", "collection"}  # marked unknown, with the time limit as its reason: said, not lost
        return {k: v for k, v in to_dict(got).items() if k not in unread} == {
            k: v for k, v in to_dict(want).items() if k not in unread
        }

    got = {u.id: u for u in snapshot.users}
    # The events window ends at the collection: the expected activity is that of the same window.
    expected = expected_collection(truth, collected_at=snapshot.tenant.collected_at).users
    lost = sum(1 for u in expected if u.id not in got or not same(got[u.id], u))
    lost += len(got.keys() - {u.id for u in expected})
    failed = sum(1 for u in got.values() if u.collection.state == CollectionState.FAILED)
    return lost, failed


def run_size(users: int, args: argparse.Namespace, fault_rate: float, work: Path) -> dict[str, Any]:
    """Collect one size ``--repeat`` times; the run of median wall time, with every run's time and 429 share."""
    from sspr_audit.demo.tenant import generate_tenant

    truth = generate_tenant(users, args.seed)
    runs = [_run_once(users, truth, args, fault_rate, work) for _ in range(max(1, args.repeat))]
    runs.sort(key=lambda row: row["collector"]["seconds"])
    row = runs[len(runs) // 2]
    row["runs"] = [(r["collector"]["seconds"], _share(r["collector"])) for r in runs]
    return row


def _share(measured: dict[str, Any]) -> float:
    """The share of Graph requests (inner ones counted one by one) answered 429."""
    return measured["throttled"] / max(1, measured["graph_requests"])


def _run_once(users: int, truth: Any, args: argparse.Namespace, fault_rate: float, work: Path) -> dict[str, Any]:
    groups = json.dumps([g.display_name for g in truth.tenant.groups])
    out = work / f"snapshot-{users}-{fault_rate}.json"
    emulator = Emulator(users, args.seed, args.latency_ms, fault_rate, args.throttle, args.bucket_per_s)
    with emulator as url:
        measured = json.loads(
            subprocess.run(
                [
                    *(sys.executable, __file__, "--collect-from", url, "--out", str(out), "--groups", groups),
                    *("--methods-detail", args.methods_detail, "--max-minutes", str(args.max_minutes)),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    lost, failed = users_lost(out, truth)
    out.unlink()
    # on the reports profile, the floor of the per-user calls this run made (all it was to make, with no limit)
    made = measured["users_fetched"] + measured["users_failed"]
    reports_calls = (made if args.max_minutes else measured["users_to_fetch"]) if args.throttle == "reports" else 0
    floor = floor_of(truth, args.latency_ms / 1000, args.bucket_per_s, reports_calls, emulator.stats["audit_pages"])
    row = {
        "users": users,
        "fault_rate": fault_rate,
        "floor": floor,
        "collector": measured,
        "emulator": emulator.stats,
        "lost": lost,
        "failed": failed,
    }
    print(
        f"  {users} users, faults {fault_rate}: {measured['seconds']:.1f} s (floor {floor['floor']:.1f} s,"
        f" {floor['binding']}), 429s {measured['throttled']} of {measured['graph_requests']}"
        f" ({_share(measured):.1%}), peak {measured['peak_mb']:.0f} MB, lost {lost};"
        f" phases ended at (s): {_phases(measured)}",
        file=sys.stderr,
        flush=True,
    )
    return row


def run_sequential(users: int, args: argparse.Namespace) -> dict[str, Any]:
    emulator = Emulator(users, args.seed, args.latency_ms, 0.0, args.throttle, args.bucket_per_s)
    with emulator as url:
        measured = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--sequential-from",
                    url,
                    "--sequential-sample",
                    str(args.sequential_sample),
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    note = " (extrapolated)" if measured["extrapolated"] else ""
    print(f"  sequential {users} users: {measured['seconds']:.1f} s{note}", file=sys.stderr, flush=True)
    return measured


# -- the whole run -----------------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> None:
    sizes = _ints(args.sizes)
    sequential_sizes = _ints(args.sequential_sizes)
    fault_sizes = _ints(args.fault_sizes) if args.faults > 0 else []
    command = "python bench/collect.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="sspr-bench-collect-") as tmp:
        work = Path(tmp)
        rows = [run_size(n, args, 0.0, work) for n in sizes]
        rows += [run_size(n, args, args.faults, work) for n in fault_sizes]
        sequential = {n: run_sequential(n, args) for n in sequential_sizes}
    print(_markdown(rows, sequential, args, command.strip()))


def _markdown(
    rows: list[dict[str, Any]], sequential: dict[int, dict[str, Any]], args: argparse.Namespace, command: str
) -> str:
    lines = [
        f"Command: `{command}`  ",
        f"Machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}; emulator in its own process, {args.latency_ms:g} ms mean"
        f" latency, throttling profile {args.throttle!r}"
        f"{f', identity bucket {args.bucket_per_s} RU/s' if args.bucket_per_s else ''}; load {os.getloadavg()[0]:.1f}.",
        "",
        "| users | faults | wall (s) | of which writing the snapshot (s) | throttling floor (s) | binding limit |"
        " x floor | floor with retry tail (s) |"
        " x that | HTTP requests | Graph requests | 429s | share 429 | runs (s, share 429) |"
        " collector peak (MB) | emulator peak (MB) |"
        " emulator CPU (s) | users lost | sequential loop (s) | x faster than sequential |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        m, f, e = row["collector"], row["floor"], row["emulator"]
        seq = sequential.get(row["users"]) if row["fault_rate"] == 0 else None
        seq_text = "" if seq is None else f"{seq['seconds']:.0f}{' (extrapolated)' if seq['extrapolated'] else ''}"
        speedup = "" if seq is None else f"{seq['seconds'] / m['seconds']:.0f}x"
        lines.append(
            f"| {row['users']:,} | {row['fault_rate']:g} | {m['seconds']:.1f} | {m['write_s']:.1f} | {f['floor']:.1f} |"
            f" {f['binding']} |"
            f" {m['seconds'] / f['floor']:.2f} | {f['floor_with_retry']:.1f} |"
            f" {m['seconds'] / f['floor_with_retry']:.2f} |"
            f" {m['http_requests']:,} | {m['graph_requests']:,} | {m['throttled']:,} | {_share(m):.1%} |"
            f" {', '.join(f'{t:.1f} ({q:.1%})' for t, q in row['runs'])} | {m['peak_mb']:.0f} |"
            f" {e['peak_mb']:.0f} | {e['cpu_s']:.1f} | {row['lost']} ({row['failed']} failed as expected;"
            f" {m['users_fetched']:,} read, {m['users_unread']:,} judged on the report) |"
            f" {seq_text} | {speedup} |"
        )
    lines += [
        "",
        "Floor, per size (L = mean latency): T_report = (ceil(P_r/5) - 1) x 10 s + L;"
        " T_ru = max(0, RU - B) / (B / 10 s) + L; T_chain = (P_u + 1) x L; floor = the largest."
        " T_retry = 2 L + 5 L + (0.25 + 0.5 + 1 + 2 + 4) s: the least time to give up a user whose calls always fail"
        " (6 attempts, equal-jitter backoff from 0.5 s).",
        "",
        "| users | enabled | per-user calls needed (M) | report pages (P_r, rows a page) | user pages (P_u) |"
        " RU = 2 P_u + M + 10 | T_report (s) | T_ru (s) | T_chain (s) | failing users | T_retry (s) |"
        " collector CPU (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row["fault_rate"]:
            continue
        f = row["floor"]
        lines.append(
            f"| {row['users']:,} | {f['enabled']:,} | {f['needing']:,} |"
            f" {f['report_pages']} ({f['report_page']}) | {f['user_pages']} | {f['ru']:,} |"
            f" {f['t_report']:.1f} | {f['t_ru']:.1f} | {f['t_chain']:.1f} | {f['failing']} |"
            f" {f['t_retry']:.2f} | {row['collector']['cpu_s']:.1f} |"
        )
    if sequential:
        lines += [
            "",
            "| sequential loop | users timed | listing (s) | loop (s) | total (s) | requests | 429s |"
            " least possible ((pages + E) x L, s) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        floors = {row["users"]: row["floor"]["sequential_floor"] for row in rows}
        for users, seq in sequential.items():
            least = f"{floors[users]:.0f}" if users in floors else ""
            note = " (extrapolated)" if seq["extrapolated"] else ""
            lines.append(
                f"| {users:,} | {seq['timed_users']:,} of {seq['users']:,} | {seq['list_s']:.1f} |"
                f" {seq['loop_s']:.1f} | {seq['seconds']:.1f}{note} | {seq['requests']:,} |"
                f" {seq['throttled']} | {least} |"
            )
    return "\n".join(lines)


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
