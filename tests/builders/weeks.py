"""Two weekly audits of a pilot tenant, with a week of directory changes in between, for history tests."""

from __future__ import annotations

from pathlib import Path

from sspr_audit.audit import engine
from sspr_audit.audit.results import AuditResult
from tests.builders import snapshots as b

WEEK1_AT = "2026-11-20T09:00:00Z"
WEEK2_AT = "2026-11-27T09:00:00Z"
WEEK1_READ, WEEK2_READ = "2026-11-20T08:00:00Z", "2026-11-27T08:00:00Z"  # each week's data, read before it is judged
POLICY = """
[sspr]
scope = "selected"
groups = ["SSPR Pilot"]

[[exclude]]
upn = "breakglass*@*"
reason = "Emergency access account"
"""


def week(n: int, **tenant_changes) -> b.Snapshot:
    """The pilot tenant in week ``n`` (1 or 2); comments say what happens in between."""
    pilot = (b.PILOT.id,)
    dave_methods = (b.app(), b.phone("+1 4255550102"), b.email("dave@example.org"))
    judy = b.user("judy", methods=(b.app(),), groups=pilot, id="u-judy")
    users = [
        b.user("alice", methods=(b.app(),), groups=pilot, id="u-alice"),  # unchanged
        # bob removes his only method: not ready, a new finding
        b.user("bob", methods=(b.app(),) if n == 1 else (), groups=pilot, id="u-bob"),
        # carol registers the app: ready, her finding resolved
        b.user("carol", methods=() if n == 1 else (b.app(),), groups=pilot, id="u-carol"),
        # dave, a Global Administrator, loses his email method: still ready, one method fewer
        b.user(
            "dave", methods=dave_methods if n == 1 else dave_methods[:2], roles=(b.role(),), groups=pilot, id="u-dave"
        ),
        # erin leaves the company, frank joins it
        b.user("erin", methods=(b.app(),), groups=pilot, id="u-erin")
        if n == 1
        else b.user("frank", methods=(b.app(),), groups=pilot, id="u-frank"),
        # gina joins the pilot group, hank leaves it
        b.user("gina", methods=(b.app(),), groups=pilot if n == 2 else (), id="u-gina"),
        b.user("hank", methods=(b.app(),), groups=pilot if n == 1 else (), id="u-hank"),
        # ivan's mobilePhone is still not in SSPR format, with another number: the same finding
        b.user(
            "ivan",
            methods=(b.app(),),
            groups=pilot,
            id="u-ivan",
            mobile_phone="425 555 0199" if n == 1 else "425 555 0198",
        ),
        # judy's methods could not be read in week 2
        judy if n == 1 else b.failed(judy),
        # the break-glass account stays excluded
        b.user("breakglass1", methods=(), groups=pilot, id="u-breakglass"),
    ]
    tenant_changes.setdefault("collected_at", WEEK1_READ if n == 1 else WEEK2_READ)
    return b.snapshot(*users, **tenant_changes)


def audit(n: int, tmp_path: Path, policy: str = POLICY, **tenant_changes) -> AuditResult:
    snap = week(n, **tenant_changes)
    path = tmp_path / f"policy-{n}.toml"
    path.write_text(policy, encoding="utf-8")
    return engine.run(snap, engine.load_policy(path, snap), generated_at=WEEK1_AT if n == 1 else WEEK2_AT)
