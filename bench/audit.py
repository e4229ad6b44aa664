"""Benchmark: the audit of a large demo tenant, with and without the readiness timeline.

    python bench/audit.py [--users 100000] [--seed 7] [--repeat 3]

The demo tenant is generated once; then the audit runs ``--repeat`` times as
of its collection date (each user judged on that day and again on every
announced change after it: the timeline), and as many times as of 2027-07-02,
when every announced change has passed (no timeline: the baseline, measured in
the same run). Medians are shown, with the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sspr_audit.audit import engine
from sspr_audit.demo import demo_policy_path
from sspr_audit.demo.tenant import generate_tenant

AFTER_EVERY_CHANGE = "2027-07-02"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tenant = generate_tenant(users=args.users, seed=args.seed)
    policy = engine.load_policy(demo_policy_path(), tenant)
    gc.freeze()
    timings: dict[str, list[float]] = {"baseline": [], "timeline": []}
    cpu: dict[str, list[float]] = {"baseline": [], "timeline": []}
    result = None
    for _ in range(args.repeat):
        for name, as_of in (("baseline", AFTER_EVERY_CHANGE), ("timeline", None)):
            started, used = time.perf_counter(), time.process_time()
            result = engine.run(tenant, policy, as_of=as_of)
            timings[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - used)
    base, timed = statistics.median(timings["baseline"]), statistics.median(timings["timeline"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.users:,} users, {len(result.findings) if result else 0:,} findings, median of {args.repeat} runs")
    print(f"  audit as of {AFTER_EVERY_CHANGE} (no timeline, baseline): {base:6.2f} s")
    print(f"  audit as of the collection date, with the timeline: {timed:6.2f} s = {timed / base:.2f}x")
    print(
        f"  CPU time (steadier than wall time on a shared machine): {statistics.median(cpu['baseline']):.2f} s"
        f" baseline, {statistics.median(cpu['timeline']):.2f} s with the timeline"
    )
    print(f"  timeline: {[(p.date, p.share) for p in result.timeline] if result else []}")
    print(f"  peak resident memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
