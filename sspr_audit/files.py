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
from sspr_audit.text import ENCODE_ERRORS, encode

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
    """Create ``path`` and every missing folder above it with mode 0700, whatever the umask.

    An existing folder is left as it is: it may be shared on purpose.
    """
    path = Path(path)
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    try:
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):  # made meanwhile by another run
                folder.mkdir(mode=DIR_MODE)
                os.chmod(folder, DIR_MODE)  # mkdir's mode is masked by the umask; 0700 must hold anyway
    except OSError as exc:
        raise OutputError(f"{path}: cannot create the output folder ({exc.strerror})") from None
    if not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder; choose another with -o")
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
        errors = None if "b" in mode else ENCODE_ERRORS  # a lone surrogate becomes U+FFFD, never a crash
        with os.fdopen(fd, mode, encoding=encoding, newline=newline, errors=errors) as handle:
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


def tighten(path: Path) -> None:
    """Make an existing file of ours owner-only before personal data goes into it; refuse one we cannot."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot check its permissions ({exc.strerror})") from None
    if info.st_mode & 0o077 == 0:
        return
    try:
        os.chmod(path, FILE_MODE)
    except OSError:
        raise OutputError(
            f"{path}: readable by others (mode {info.st_mode & 0o777:o}) and cannot be made owner-only;"
            f" run 'chmod 600 {path}' as its owner, or choose another file"
        ) from None


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically with owner-only permissions."""
    with atomic_writer(path, "wb") as handle:
        handle.write(encode(data) if isinstance(data, str) else data)
    return Path(path)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete what a killed earlier write of ``path`` left behind (never the target itself)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
