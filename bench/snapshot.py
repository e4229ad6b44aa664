"""Benchmark: the memory and time of generating, writing and reading large demo snapshots.

    python bench/snapshot.py [--sizes 100000,300000,1000000] [--seed 7] [--baseline DIR] [--baseline-sizes 100000]

Each step runs in a fresh process, whose peak resident memory (``VmHWM``) is its own:

* generate: ``generate_tenant(users, seed)``, the demo tenant in memory;
* write: generate, then ``snapshot.write`` to ``.json.gz`` (what ``demo`` and ``run`` write);
* read: ``snapshot.read`` of that file, what ``report``, ``diff`` and ``remediate`` begin with.

``--baseline DIR`` also reads the same files with the sspr-audit source tree in DIR (for example
``git archive <commit> | tar -x -C DIR``), in the same run, for the sizes in ``--baseline-sizes``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import peak_mb

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="another sspr-audit source tree to read the same files with")
    parser.add_argument("--baseline-sizes", default="100000")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: one step in this fresh process
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(_step(args)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    baseline_sizes = {int(s) for s in args.baseline_sizes.split(",") if s.strip()} if args.baseline else set()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sspr-bench-snapshot-") as tmp:
        for users in sizes:
            path = Path(tmp) / f"snapshot-{users}.json.gz"
            row = {"users": users, "generate": _run("generate", users, path, args)}
            row["write"] = _run("write", users, path, args)
            row["file_mb"] = path.stat().st_size / 1e6
            row["read"] = _run("read", users, path, args)
            if users in baseline_sizes:
                row["baseline_read"] = _run("read", users, path, args, root=args.baseline)
            path.unlink()
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(_markdown(rows, "python bench/snapshot.py " + " ".join(sys.argv[1:])))


def _run(step: str, users: int, path: Path, args: argparse.Namespace, root: Path = ROOT) -> dict:
    command = [sys.executable, __file__, "--step", step, "--users", str(users), "--seed", str(args.seed)]
    command += ["--path", str(path), "--root", str(root)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def _step(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(args.root))
    started = time.perf_counter()
    if args.step == "read":
        from sspr_audit.snapshot import read

        users = len(read(args.path).users)
    else:
        from sspr_audit.demo.tenant import generate_tenant

        tenant = generate_tenant(args.users, args.seed)
        users = len(tenant.users)
        if args.step == "write":
            from sspr_audit.snapshot import write

            write(tenant, args.path)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "users": users}


def _markdown(rows: list[dict], command: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        "| users | generate (s) | generate peak (MB) | generate and write .json.gz (s) | peak (MB) | file (MB) |"
        " read (s) | read peak (MB) | baseline read (s) | baseline read peak (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        g, w, r, b = row["generate"], row["write"], row["read"], row.get("baseline_read")
        base = f" {b['seconds']:.1f} | {b['peak_mb']:,.0f} |" if b else " | |"
        lines.append(
            f"| {row['users']:,} | {g['seconds']:.1f} | {g['peak_mb']:,.0f} | {w['seconds']:.1f} |"
            f" {w['peak_mb']:,.0f} | {row['file_mb']:.1f} | {r['seconds']:.1f} | {r['peak_mb']:,.0f} |{base}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
