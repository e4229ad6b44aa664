"""Keep secrets out of log records.

Client secrets and bearer tokens must never reach a log file or a terminal,
whatever logger (ours, httpx, azure-identity, kiota) wrote the record. A log
record factory installed for the length of a collection rewrites any record
that contains a known secret before a handler sees it, which covers every
logger and every handler, including ones added later.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    """The secret values of one collection and the text with them masked."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember one more secret (an acquired token, say)."""
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            with self._lock:
                self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """``text`` with every known secret replaced by ``***``."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def scrub(self, record: logging.LogRecord) -> logging.LogRecord:
        """Rewrite ``record`` in place when its message or exception text holds a secret."""
        try:
            message = record.getMessage()
        except Exception:  # a record whose args do not fit its format: keep the raw text
            message = f"{record.msg} {record.args}"
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return record


@contextlib.contextmanager
def redacting_logs(redactor: Redactor) -> Iterator[Redactor]:
    """Scrub every log record created while the block runs."""
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        return redactor.scrub(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    try:
        yield redactor
    finally:
        logging.setLogRecordFactory(previous)
