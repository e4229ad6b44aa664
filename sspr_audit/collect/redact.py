"""Keep secrets out of log records.

Client secrets and bearer tokens must never reach a log file or a terminal,
whatever logger (ours, httpx, azure-identity, kiota) wrote the record. A log
record factory installed for the length of a collection rewrites any record
that contains a known secret before a handler sees it, which covers every
logger and every handler, including ones added later.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_plus

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
        """Remember one more secret (an acquired token, say), with its URL-encoded and base64 forms."""
        if secret and len(secret) >= _MIN_SECRET_LENGTH:
            forms = {form for form in encoded_forms(secret) if len(form) >= _MIN_SECRET_LENGTH}
            with self._lock:
                self._secrets.update(forms)

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


def encoded_forms(secret: str) -> set[str]:
    """``secret`` as written, URL-encoded (a form body echoes ``client_secret=a%2Bb``) and in base64.

    Base64 inside a longer value (``client_id:secret`` in a Basic header) depends on where the secret
    starts within a 3-byte group: for each of the three offsets, the part of the encoding that only the
    secret's own bytes determine is a form to mask.
    """
    encoded = {quote(secret, safe=""), quote_plus(secret), quote(secret)}
    encoded |= {form.replace("~", "%7E") for form in encoded}  # older encoders escape "~" too
    encoded |= {re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), form) for form in encoded}  # %2b as well as %2B
    forms = {secret, *encoded}
    raw = secret.encode("utf-8")
    for offset in range(3):
        padded = b"\0" * offset + raw
        for encoder in (base64.b64encode, base64.urlsafe_b64encode):
            text = encoder(padded).decode("ascii").rstrip("=")
            start = 4 if offset else 0  # the first group mixes in the bytes before the secret
            end = len(padded) // 3 * 4  # the last, partial group mixes in the bytes after it
            forms.add(text[start:end])
            if offset == 0:
                forms.add(encoder(raw).decode("ascii"))  # the whole secret, padding included
    return {form for form in forms if form}


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
