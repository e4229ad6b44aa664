"""Benchmark helper: the peak memory of a command and every process it starts.

    python bench/tree_memory.py COMMAND [ARG ...]

Runs COMMAND, samples the resident set (VmRSS) and the proportional set size
(Pss, from /proc/PID/smaps_rollup) of it and of each of its descendants every
0.25 s, and prints the largest single RSS and the largest sum of Pss. Pss
counts a page two processes share half to each, so the sum is what the
processes hold together: ``/usr/bin/time``'s maximum RSS reports only the
largest single process, which hides a forked child's copies.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    started = time.monotonic()
    process = subprocess.Popen(sys.argv[1:])
    largest_rss = largest_pss = 0.0
    while process.poll() is None:
        tree = [(_kib(pid, "status", "VmRSS:"), _kib(pid, "smaps_rollup", "Pss:")) for pid in _tree(process.pid)]
        largest_rss = max(largest_rss, max((rss for rss, _ in tree), default=0))
        largest_pss = max(largest_pss, sum(pss for _, pss in tree))
        time.sleep(0.25)
    print(
        f"{time.monotonic() - started:.1f} s; largest process {largest_rss / 1024:,.0f} MiB;"
        f" all processes, Pss summed: {largest_pss / 1024:,.0f} MiB",
        file=sys.stderr,
    )
    return process.returncode


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _tree(int(child))
    return found


def _kib(pid: int, name: str, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            if line.startswith(key):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
