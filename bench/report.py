"""Benchmark: render a large demo tenant to every report format.

    python bench/report.py [--users 100000] [--seed 7] [--copies 1]

Steps, each timed: generate the demo tenant, run the audit, then render each
format in a fresh process (so its peak memory is its own: the loaded audit
result plus what rendering needs). The baseline, measured in the same run, is
openpyxl's write-only mode alone writing exactly the cells of our workbook
(values only, no styles, no safety checks). The target is all four formats
together within 1.5x of that bare write, and peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import peak_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORMATS = ("html", "xlsx", "json", "csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per step; the median is shown")
    parser.add_argument("--copies", type=int, default=1, help="repeat the audited users this many times (new ids)")
    parser.add_argument("--render-one", choices=(*FORMATS, "all"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render_one:
        print(json.dumps(_render_one(args.render_one, args.result, args.out)))
        return
    _run(args.users, args.seed, args.repeat, args.copies)


def _run(users: int, seed: int, repeat: int, copies: int = 1) -> None:
    from sspr_audit.audit import engine
    from sspr_audit.demo import demo_policy_path
    from sspr_audit.demo.tenant import generate_tenant

    with tempfile.TemporaryDirectory(prefix="sspr-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        truth = generate_tenant(users=users, seed=seed)
        generated = time.perf_counter() - started
        gc.freeze()  # as the CLI does once the snapshot is loaded
        started = time.perf_counter()
        result = engine.run(truth, engine.load_policy(demo_policy_path(), truth))
        audited = time.perf_counter() - started
        if copies > 1:
            from browser import _copied

            del truth
            result = _copied(result, copies)
            users = len(result.users)
        result_path = work / "result.pickle"
        result_path.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        print(
            f"{users} users, {len(result.findings)} findings; generate {generated:.1f} s, audit {audited:.1f} s;"
            f" medians of {repeat} runs"
        )

        def measure(what: str, out: str) -> dict:
            """The median of ``repeat`` fresh processes (the machine's noise is large)."""
            runs = [
                json.loads(
                    subprocess.run(
                        [sys.executable, __file__, "--render-one", what, "--result", str(result_path), "--out", out],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                )
                for _ in range(repeat)
            ]
            return sorted(runs, key=lambda m: m["seconds"])[len(runs) // 2]

        baseline = measure("xlsx", "bare")
        rows = [("bare openpyxl write-only (baseline)", baseline)]
        rows += [(fmt, measure(fmt, str(work))) for fmt in FORMATS]
        together = measure("all", str(work))

    total = sum(m["seconds"] for name, m in rows[1:])
    print()
    print("| step | seconds | x baseline | peak RSS (MB) | output (MB) |")
    print("|---|---:|---:|---:|---:|")
    for name, m in rows:
        print(
            f"| {name} | {m['seconds']:.2f} | {m['seconds'] / baseline['seconds']:.2f} | {m['peak_mb']:.0f} |"
            f" {m['size_mb']:.1f} |"
        )
    print(
        f"| all four, one after another | {total:.2f} | {total / baseline['seconds']:.2f} |"
        f" {max(m['peak_mb'] for _, m in rows[1:]):.0f} | |"
    )
    print(
        f"| all four, as `sspr-audit report` writes them (the workbook in a second process up to 100,000 users) |"
        f" {together['seconds']:.2f} | {together['seconds'] / baseline['seconds']:.2f} | {together['peak_mb']:.0f} |"
        f" {together['size_mb']:.1f} |"
    )


def _render_one(fmt: str, result_path: Path, out: Path | str) -> dict:
    """Render one format in this (fresh) process; report time, peak RSS and size."""
    result = pickle.loads(result_path.read_bytes())
    gc.freeze()  # as the CLI does once the audit result is built
    if str(out) == "bare":
        return _bare_write(result, result_path.parent / "bare.xlsx")
    from sspr_audit.render import write_reports

    started = time.perf_counter()
    paths = write_reports(result, Path(out) / fmt, FORMATS if fmt == "all" else [fmt])
    seconds = time.perf_counter() - started
    # A forked workbook process counts in full: its pages become its own as it reads them (an upper bound).
    peak = peak_mb() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak, "size_mb": sum(p.stat().st_size for p in paths) / 2**20}


def _bare_write(result, path: Path) -> dict:
    """openpyxl write-only writing the same cells as our workbook: values only."""
    from openpyxl import Workbook

    sheets = _workbook_cells(result)
    gc.freeze()  # the recorded cells live to the end: keep the collector from rescanning them
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb(), "size_mb": path.stat().st_size / 2**20}


def _workbook_cells(result) -> list[tuple[str, list[list]]]:
    """The plain values of every row our workbook writes, recorded through the renderer's own sheet code."""
    from sspr_audit.render import xlsx
    from sspr_audit.render.summary import SEVERITY_LABELS, STATUS_LABELS, ordered_users, summarize

    class Recorder:
        def __init__(self, title: str) -> None:
            self.title = title
            self.rows = [[name for name, _ in xlsx.SHEETS[title]]]

        def append(self, values: list) -> None:
            self.rows.append([getattr(v, "value", v) for v in values])

        def text(self, value: str) -> str:
            return value

        def number(self, value, number_format: str):
            return value

        def status(self, value) -> str:
            return STATUS_LABELS[value]

        def severity(self, value) -> str:
            return SEVERITY_LABELS[value]

        def fit(self, rows: list) -> None:
            pass

        def close(self) -> None:
            pass

    summary = summarize(result)
    users = ordered_users(result)
    recorders: dict[str, Recorder] = {}

    def sheet(title: str) -> Recorder:
        return recorders.setdefault(title, Recorder(title))

    xlsx._summary_sheet(sheet("Summary"), result, summary)  # the sheets xlsx.render writes, in its order
    if result.timeline:
        xlsx._timeline_sheet(sheet("Timeline"), result, users)
    if result.reality is not None and result.reality.comparisons:
        xlsx._attempts_sheet(sheet("What users did"), result)
    xlsx._findings_sheet(sheet("Findings"), result, users)
    xlsx._users_sheet(sheet("Users"), users, result)
    xlsx._admins_sheet(sheet("Admins"), summary, users)
    xlsx._rules_sheet(sheet("Rules"), result, summary)
    return [(r.title, r.rows) for r in recorders.values()]


if __name__ == "__main__":
    main()
