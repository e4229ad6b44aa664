"""Atomic, owner-only file writes, and names that are files on every system.

Reports, snapshots and checkpoints hold personal data: each is written to a
temporary file in the target folder, flushed, given mode 0600 and renamed over
the target, so a reader never sees half a file and a failed write leaves the
previous file intact.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sspr_audit.errors import OutputError

FILE_MODE = 0o600
DIR_MODE = 0o700
# Windows device names (Microsoft's "Naming files, paths, and namespaces"): COM and LPT with 0-9 or a superscript
# digit, and the console devices.
_WINDOWS_DEVICE = re.compile(r"(?i)con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$")


def is_windows_device_name(name: str) -> bool:
    """Whether Windows opens a device instead of a file called ``name`` (``nul.txt``, ``Com1``, ``CON .csv``).

    Windows ignores the case, everything from the first dot, and trailing spaces
    and dots, so ``NUL``, ``nul.tar.gz`` and ``nul .txt`` all name the device.
    """
    return _WINDOWS_DEVICE.fullmatch(name.split(".")[0].rstrip(" .")) is not None


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) if missing; an existing folder is left as it is."""
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder ({exc.strerror})") from None
    if not os.access(path, os.W_OK):
        raise OutputError(f"{path}: the output folder is not writable; choose another with -o")
    return path


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "wb") -> Iterator[IO]:
    """Yield a file object whose content replaces ``path`` only on success."""
    path = Path(path)
    ensure_private_dir(path.parent)
    _remove_stale_temporaries(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        os.fchmod(fd, FILE_MODE)
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
        raise OutputError(f"{path}: cannot write ({reason}); the previous file is unchanged") from None
    except BaseException:
        _discard(tmp)
        raise


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically with owner-only permissions."""
    with atomic_writer(path, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return Path(path)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete what a killed earlier write of ``path`` left behind (never the target itself)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
