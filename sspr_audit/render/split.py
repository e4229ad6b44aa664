"""One workbook per department or per manager, and an index of them (``--split-by``).

Each manager receives only their own people, with a plain-language "What to
do" for every finding. Users are grouped in one pass and each file is written
once, so splitting a large tenant costs about as much as one full workbook.

Group names come from the directory and may hold anything; file names must
work on Windows and macOS alike. A name is reduced to letters, digits, ``-``,
``_`` and ``.``, cut at a length every file system accepts, and given a short
hash of the group's key when it was cut or when it would clash with another
group's file name ignoring case (two departments ``R&D`` and ``R/D``, or two
managers with the same name, stay in two files). People without a department
or manager land in one clearly named file.

By manager, only managers whose people have something to do (a finding, or a
status other than ready) get a workbook, in a folder of its own beside the
index; the others are listed in the index as "nothing to do". The index's
file names are relative hyperlinks to the files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from sspr_audit.audit.results import (
    AuditResult,
    Finding,
    Readiness,
    Severity,
    UserResult,
    regroup_timeline,
    share,
    tally,
)
from sspr_audit.errors import InputError
from sspr_audit.files import ensure_private_dir, is_windows_device_name
from sspr_audit.render import check_stem, default_stem
from sspr_audit.render.summary import NO_DEPARTMENT

SPLIT_BY = ("department", "manager")
NO_MANAGER = "(no manager)"
NAME_MAX_BYTES = 80  # of the group part of a file name, in UTF-8: well under the 255 every file system allows
_HASH_LENGTH = 8
_REHASH_ROUNDS = 8  # a clash after this many salted hashes is a bug, not a name
_BUCKETS = {"department": ("no-department", NO_DEPARTMENT), "manager": ("no-manager", NO_MANAGER)}
_LABELS = {"department": "Department", "manager": "Manager"}
_NOT_NAME = re.compile(r"[^\w.-]+")  # \w is Unicode-aware: accented and non-Latin letters are kept
NOTHING_TO_DO = "nothing to do"
_SETTLED = frozenset({Readiness.READY, Readiness.EXCLUDED, Readiness.OUT_OF_SCOPE, Readiness.SET_ASIDE})
_COUNT_COLUMNS = (
    ("Users", 10),
    ("In SSPR scope", 12),
    ("Ready", 10),
    ("Ready (%)", 12),
    *((s.value.capitalize(), 10) for s in Severity),
    ("File", 60),
)
_INDEX_COLUMNS = {
    "department": (("Group", 34), *_COUNT_COLUMNS),
    "manager": (("Group", 34), ("Manager id", 38), *_COUNT_COLUMNS),
}


@dataclass
class _Group:
    """The users of one department or manager, and the file they go to."""

    key: str  # department name, or manager id (name when the id is missing); "" for the bucket
    name: str  # shown in the workbook and the index
    manager_id: str | None
    users: list[UserResult]
    part: str = ""  # the group's part of the file name

    @property
    def bucket(self) -> bool:
        return self.key == ""


def write_split_workbooks(result: AuditResult, out_dir: Path, by: str, stem: str | None = None) -> list[Path]:
    """Write ``<stem>_<group>.xlsx`` per department or manager and ``<stem>_index.xlsx``; returns index first.

    Manager workbooks go into ``<stem>_managers/``, and only for managers whose people have something to do.
    """
    from sspr_audit.render import xlsx

    if by not in SPLIT_BY:
        raise InputError(f"cannot split by {by!r}; choose {' or '.join(SPLIT_BY)}")
    stem = default_stem(result) if stem is None else check_stem(stem)
    out_dir = ensure_private_dir(Path(out_dir))
    folder = f"{stem}_managers" if by == "manager" else ""
    groups = _groups(result.users, by)
    _name_files(groups, by)
    findings = _findings_by_user(result.findings)
    paths: list[Path] = []
    rows = []
    for g in groups:
        own = tuple(f for u in g.users for f in findings.get(u.user.id, ()))
        if by == "manager" and not _something_to_do(g, own):
            rows.append(_index_row(g, own, by, None))
            continue
        name = f"{stem}_{g.part}.xlsx"
        if not paths and folder:
            ensure_private_dir(out_dir / folder)
        path = out_dir / folder / name
        relative = f"{folder}/{name}" if folder else name
        people = tuple(g.users)
        timeline = regroup_timeline(result.timeline, people)
        xlsx.render_group(replace(result, users=people, findings=own, timeline=timeline), path, (_LABELS[by], g.name))
        paths.append(path)
        rows.append(_index_row(g, own, by, relative))
    index = out_dir / f"{stem}_index.xlsx"
    title = f"SSPR readiness by {by}: {result.tenant.label}"
    xlsx.render_table(index, title, "Groups", _INDEX_COLUMNS[by], rows, result.generated_at)
    return [index, *paths]


def _something_to_do(g: _Group, findings: tuple[Finding, ...]) -> bool:
    """Whether the group's people have a finding, or one of them is not plainly ready."""
    return bool(findings) or any(r.status not in _SETTLED for r in g.users)


def safe_name(name: str, key: str | None = None) -> str:
    """``name`` as part of a file name valid on Windows and macOS; long names end in a hash of ``key`` (or name)."""
    text = unicodedata.normalize("NFC", name)
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")  # control and format (bidi) characters
    text = re.sub(r"-{2,}", "-", _NOT_NAME.sub("-", text)).strip("-._ ")
    if is_windows_device_name(text):
        head, dot, tail = text.partition(".")
        text = f"{head}_{dot}{tail}"
    if len(text.encode("utf-8")) > NAME_MAX_BYTES or not text:
        text = _with_hash(text, name if key is None else key)
    return text


def _with_hash(text: str, key: str) -> str:
    """``text`` cut to leave room for ``-<hash of key>``, then that hash."""
    room = NAME_MAX_BYTES - _HASH_LENGTH - 1
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip("-._ ")
    return f"{cut or 'group'}-{_hash(key)}"


def _groups(users: Iterable[UserResult], by: str) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for r in users:
        u = r.user
        if by == "department":
            name = (u.department or "").strip()
            key, manager_id = name, None
        else:
            manager_id = (u.manager_id or "").strip() or None
            name = (u.manager_name or "").strip() or (manager_id or "")
            key = manager_id or name
        group = groups.get(key)
        if group is None:
            label = name if key else _BUCKETS[by][1]
            group = groups[key] = _Group(key, label, manager_id, [])
        group.users.append(r)
    return sorted(groups.values(), key=lambda g: (g.bucket, g.name.casefold(), g.name, g.key))


def _name_files(groups: list[_Group], by: str) -> None:
    """Give each group a file name part, distinct from every other ignoring case (and from ``index``)."""
    bucket_part = _BUCKETS[by][0]
    for g in groups:
        g.part = bucket_part if g.bucket else safe_name(g.name, g.key)
    # A hashed name can clash again (departments "Sales", "sales" and "Sales-8de4e0ea"): hash the clashing
    # ones once more, salting the key with the round, until every name stands alone.
    for round_ in range(_REHASH_ROUNDS):
        taken = Counter(_fold(g.part) for g in groups)
        taken["index"] += 1
        clashing = [g for g in groups if not g.bucket and taken[_fold(g.part)] > 1]
        if not clashing:
            return
        for g in clashing:
            g.part = _with_hash(safe_name(g.name, g.key), g.key if round_ == 0 else f"{g.key}\0{round_}")
    raise InputError(f"two {by} groups have names too alike to write apart; rename one of them")


def _findings_by_user(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    by_user: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.user_id:
            by_user[f.user_id].append(f)
    return by_user


def _index_row(g: _Group, findings: tuple[Finding, ...], by: str, file: str | None) -> list:
    """The group's counts; its share of users in scope as the main workbook shows it; a link to its file."""
    from sspr_audit.render.sheet import Link, Percent

    in_scope, ready = tally(r.status for r in g.users)
    severities = Counter(f.severity for f in findings)
    shown = Link(file.rpartition("/")[2], file) if file else NOTHING_TO_DO
    head = [g.name, g.manager_id] if by == "manager" else [g.name]
    counts = [len(g.users), in_scope, ready, Percent(share(ready, in_scope))]
    return [*head, *counts, *(severities[s] for s in Severity), shown]


def _fold(part: str) -> str:
    return unicodedata.normalize("NFC", part).casefold()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
