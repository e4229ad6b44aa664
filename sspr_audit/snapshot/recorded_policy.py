"""The policy a run used, kept beside the snapshot it wrote.

Graph cannot read the SSPR policy, so the numbers of an audit depend on the
policy file it was given. A copy of that file next to the snapshot
(``x.json.gz`` keeps ``x.policy.toml``) lets ``report``, ``diff`` and
``remediate`` judge the snapshot again the same way unless told otherwise.
"""

from __future__ import annotations

from pathlib import Path

from sspr_audit.errors import InputError, OutputError
from sspr_audit.files import write_atomic

SUFFIX = ".policy.toml"


def beside(snapshot_path: Path) -> Path:
    """Where the policy of the run that wrote ``snapshot_path`` is kept."""
    name = snapshot_path.name
    for ending in (".json.gz", ".json", ".gz"):
        if name.endswith(ending):
            name = name[: -len(ending)]
            break
    return snapshot_path.with_name(name + SUFFIX)


def record(snapshot_path: Path, policy_path: Path | None) -> Path | None:
    """Keep a copy of ``policy_path`` beside the snapshot; without one, remove a copy left by an earlier run."""
    kept = beside(snapshot_path)
    if policy_path is None:
        try:
            kept.unlink(missing_ok=True)
        except OSError as exc:
            raise OutputError(f"{kept}: cannot remove the policy of an earlier run ({exc.strerror})") from None
        return None
    if policy_path.resolve() == kept.resolve():
        return kept
    return write_atomic(kept, _text(policy_path))


def recorded(snapshot_path: Path) -> Path | None:
    """The policy kept beside ``snapshot_path``, if any."""
    kept = beside(snapshot_path)
    return kept if kept.is_file() else None


def policy_for(snapshot_path: Path, given: Path | None) -> Path | None:
    """The policy to judge ``snapshot_path`` with: the one given, else the one its run used."""
    return given if given is not None else recorded(snapshot_path)


def is_what_if(snapshot_path: Path, given: Path | None) -> bool:
    """Whether ``given`` differs from the policy the snapshot's run used: a what-if, not the tenant's real state."""
    kept = recorded(snapshot_path)
    if given is None or kept is None:
        return False
    return _text(given) != _text(kept)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such policy file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the policy file ({exc}); check the path") from None
