"""Benchmark: the HTML report of large demo tenants in headless Chromium.

    python bench/browser.py [--users 10000 100000] [--seed 7] [--runs 3] [--chromium PATH] [--copies 1] [--distinct]
    python bench/browser.py --html REPORT.html --search UPN [--runs 3]

For each size the demo tenant is generated, audited and rendered to HTML once
(slow at 100,000 users: tens of seconds). ``--copies 10`` repeats the audited
users and their findings ten times under new ids and names before rendering:
a million users in a minute, without auditing a million. ``--html`` measures a
report already written instead, such as the one ``demo --users 1000000``
writes, searching for ``--search`` (a UPN in one of its findings). The copies share
their phone numbers, which a real tenant's users would not: ``--distinct`` ends
every number in a copy's findings (their messages, values and suggestions) with
the copy's number, so a message that names a number is the copy's own.
Then the report is opened from its
file:// URL in a fresh page, ``--runs`` times, and each measure is the median:

- first render: from navigation start to the first frame that shows a row of
  the findings table (a requestAnimationFrame loop installed before the page
  loads notices the row); its first page is written in the HTML, so this
  comes before the embedded data is read;
- interactive: from navigation start to the end of the document's parse
  (``domInteractive``), after the report's script has read the data and drawn
  the tables: from then on search, filters and sort answer;
- tab memory: the peak resident memory (VmHWM) of the page's renderer
  process, and the JavaScript heap in use once the page has loaded;
- search, filter, sort: from running the action to the frame after the table
  is redrawn. Search is the first one of the page (it builds the search
  index), run without the 200 ms pause the search box waits for typing to stop;
  filter picks severity "high"; sort clicks the User header of the whole table.

Needs Playwright (``pip install -e '.[test]'``) and a Chromium executable.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Installed before the report's own script: records the first frame in which a findings row is laid out.
FIRST_ROW = """(() => {
  const tick = () => {
    const row = document.querySelector("#ft tbody tr");
    if (row && row.getClientRects().length) window.__firstRow = performance.now();
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""

# Runs one action synchronously and waits for the next frame to be drawn; returns milliseconds.
TIMED = """async ([action, arg]) => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const q = document.getElementById("ft-q");
  const sev = document.getElementById("ft-sev");
  const reset = () => { q.value = ""; sev.value = ""; sev.dispatchEvent(new Event("change")); };
  reset();
  await frame();
  const started = performance.now();
  if (action === "search") { q.value = arg; sev.dispatchEvent(new Event("change")); }
  if (action === "filter") { sev.value = arg; sev.dispatchEvent(new Event("change")); }
  if (action === "sort") document.querySelectorAll("#ft thead th button")[arg].click();
  await frame();
  const ms = performance.now() - started;
  const rows = document.querySelectorAll("#ft tbody tr").length;
  reset();
  return [ms, rows];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1, help="repeat the audited users this many times")
    parser.add_argument("--distinct", action="store_true", help="give each copy's findings numbers of their own")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    parser.add_argument("--html", type=Path, help="measure this report (e.g. a demo's) instead of making one")
    parser.add_argument("--search", help="with --html: the text the search step looks for, e.g. a UPN in a finding")
    args = parser.parse_args()
    if args.html and not args.search:
        sys.exit("--html needs --search TEXT: a UPN the report holds")
    if not args.chromium:
        sys.exit("no Chromium executable found: pass --chromium PATH")
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="sspr-bench-browser-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        print(f"Chromium {browser.version}", file=sys.stderr)
        if args.html:
            runs = [_measure(browser, args.html.resolve(), args.search) for _ in range(args.runs)]
            medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            rows.append((args.html.name, args.html.stat().st_size / 2**20, medians))
        for users in [] if args.html else args.users:
            path, upn, shown = _report(users, args.seed, Path(tmp) / str(users), args.copies, args.distinct)
            runs = [_measure(browser, path, upn) for _ in range(args.runs)]
            medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            rows.append((f"{shown:,}", path.stat().st_size / 2**20, medians))
            path.unlink()
        browser.close()

    print()
    print(
        "| users | HTML (MB) | first render (ms) | interactive (ms) | tab peak RSS (MB) | JS heap (MB)"
        " | search (ms) | filter (ms) | sort (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for users, size, m in rows:
        print(
            f"| {users} | {size:.1f} | {m['first']:.0f} | {m['ready']:.0f} | {m['tab']:.0f} | {m['heap']:.0f} |"
            f" {m['search']:.0f} | {m['filter']:.0f} | {m['sort']:.0f} |"
        )


def _report(users: int, seed: int, out: Path, copies: int, distinct: bool) -> tuple[Path, str, int]:
    """Generate, audit and render the demo tenant; returns the HTML path, a UPN to search for and the user count."""
    import resource

    from sspr_audit.audit import engine
    from sspr_audit.demo import demo_policy_path
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.render import write_reports

    started = time.perf_counter()
    truth = generate_tenant(users, seed)
    result = _copied(engine.run(truth, engine.load_policy(demo_policy_path(), truth)), copies, distinct)
    del truth
    rendering = time.perf_counter()
    [path] = write_reports(result, out, ["html"])
    rendered = time.perf_counter() - rendering
    upn = next(
        u.user.user_principal_name for u in result.users if any(f.user_id == u.user.id for f in result.findings[:50])
    )
    print(
        f"{len(result.users):,} users, {len(result.findings):,} findings: generate, audit and render"
        f" {time.perf_counter() - started:.1f} s (HTML {rendered:.1f} s); peak RSS so far"
        f" {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
        file=sys.stderr,
    )
    return path, upn, len(result.users)


def _copied(result, copies: int, distinct: bool = False):
    """``result`` with its users and findings repeated ``copies`` times, each copy under new ids and names.

    With ``distinct`` every run of six or more digits in a copy's findings (a phone number, never a date or a
    count) ends with the copy's number.
    """
    from dataclasses import replace

    if copies <= 1:
        return result
    users, findings = list(result.users), list(result.findings)
    for k in range(1, copies):
        for u in result.users:
            user = replace(u.user, id=f"{u.user.id}-{k}", user_principal_name=f"c{k}.{u.user.user_principal_name}")
            users.append(replace(u, user=user))
        for f in result.findings:
            if f.user_id is not None:
                f = replace(f, user_id=f"{f.user_id}-{k}", upn=f"c{k}.{f.upn}" if f.upn else None)
                if distinct:
                    f = replace(f, message=_own(f.message, k), value=_own(f.value, k), suggestion=_own(f.suggestion, k))
                findings.append(f)
    return replace(result, users=tuple(users), findings=tuple(findings))


def _own(text: str | None, copy: int) -> str | None:
    """``text`` with each run of six or more digits ended by ``copy``."""
    import re

    return text and re.sub(r"\d{6,}", lambda m: m.group() + str(copy), text)


def _measure(browser, path: Path, upn: str) -> dict[str, float]:
    """One fresh page: first render, then search, filter and sort, each timed in the page."""
    from sspr_audit.audit.results import Severity

    before = _renderers()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(120_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(FIRST_ROW)
    page.goto(path.as_uri(), wait_until="commit")
    page.wait_for_function("() => window.__firstRow !== undefined")
    measured = {"first": page.evaluate("window.__firstRow")}
    page.wait_for_load_state("load")
    measured["ready"] = page.evaluate("performance.getEntriesByType('navigation')[0].domInteractive")
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    measured["heap"] = metrics["JSHeapUsedSize"] / 2**20
    high = str(list(Severity).index(Severity.HIGH))
    for name, arg in (("search", upn), ("filter", high), ("sort", 2)):
        ms, shown = page.evaluate(TIMED, [name, arg])
        if not shown:
            raise SystemExit(f"{name} showed no rows: the benchmark measured nothing")
        measured[name] = ms
    measured["tab"] = max((_peak_mb(pid) for pid in _renderers() - before), default=float("nan"))
    context.close()
    if errors:
        raise SystemExit(f"the report's script failed: {errors[0]}")
    return measured


def _renderers() -> set[int]:
    """Chromium renderer processes descended from this process (other Chromiums on the machine are not ours)."""
    import os

    ours = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"--type=renderer" not in (entry / "cmdline").read_bytes():
                continue
            pid = int(entry.name)
            while pid > 1:
                pid = int(_status(pid)["PPid"])
                if pid == os.getpid():
                    ours.add(int(entry.name))
                    break
        except (OSError, KeyError, ValueError):
            continue
    return ours


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def _peak_mb(pid: int) -> float:
    try:
        return int(_status(pid)["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return float("nan")


if __name__ == "__main__":
    main()
