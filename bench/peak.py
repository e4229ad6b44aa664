"""The peak resident memory every benchmark reports for its own process."""

from __future__ import annotations

from pathlib import Path


def peak_mb() -> float:
    """This process's peak RSS: VmHWM, not ru_maxrss, which on Linux keeps the spawning parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
