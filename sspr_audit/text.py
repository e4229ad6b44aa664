"""Text that every output can hold, whatever a directory value contains.

Graph's JSON may escape a lone surrogate (``\\ud800``) into a name: Python
holds it, but UTF-8 cannot, so every file writer would fail on it. XML (the
workbooks) cannot hold U+FFFE and U+FFFF either. Such characters are
replaced by U+FFFD, visibly, where text enters (Graph answers, snapshot and
checkpoint files) and again where it leaves (every file writer), so one bad
value never stops an audit. Text printed to a terminal loses its control
characters, and an error message shows only the start of a long value.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

REPLACEMENT = "\ufffd"
ENCODE_ERRORS = "sspr-audit-replace"  # codec error handler: what UTF-8 cannot encode becomes U+FFFD
_SURROGATES = re.compile("[\ud800-\udfff]")
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# JSON text that can decode into a lone surrogate, U+FFFE or U+FFFF: a \u escape of one, or U+FFFE/U+FFFF in UTF-8.
_RISKY_JSON = re.compile(rb"\\u[dD][89a-fA-F]|\\u[fF][fF][fF][eEfF]|\xef\xbf[\xbe\xbf]")
_RISKY_JSON_TEXT = re.compile(r"\\u[dD][89a-fA-F]|\\u[fF][fF][fF][eEfF]|[\ufffe\uffff]")  # the same, in decoded text
# C0 and C1 controls (escape sequences, bell, OSC 52 clipboard writes) but tab and line break; lone surrogates.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
SHOWN_CHARS = 60  # of a user-supplied value quoted in an error message
DISPLAY_CHARS = 20_000  # of one value shown in the HTML report (Entra allows 256): 200,000 stalls a browser


def _replace(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError) or error.encoding.replace("-", "").lower() != "utf8":
        raise error
    return REPLACEMENT.encode("utf-8") * (error.end - error.start), error.end  # UTF-8 takes only bytes here


codecs.register_error(ENCODE_ERRORS, _replace)


def encode(text: str) -> bytes:
    """``text`` as UTF-8, with what UTF-8 cannot hold (lone surrogates) replaced visibly."""
    return text.encode("utf-8", ENCODE_ERRORS)


def writable(text: str) -> str:
    """``text`` without lone surrogates (U+FFFD in their place): holdable by UTF-8, JSON, SQLite."""
    return _SURROGATES.sub(REPLACEMENT, text) if not text.isprintable() else text


def xml_writable(text: str) -> str:
    """``text`` without lone surrogates, U+FFFE or U+FFFF (U+FFFD in their place): holdable by XML."""
    return _NOT_XML.sub(REPLACEMENT, text) if not text.isprintable() else text


def clean_json(raw: bytes, value: Any) -> Any:
    """``value`` (parsed from the JSON ``raw``) with every string made :func:`writable`; cheap when clean."""
    if not _RISKY_JSON.search(raw):
        return value
    return _clean_tree(value)


def clean_json_text(text: str, start: int, end: int, value: Any) -> Any:
    """:func:`clean_json` for ``value`` parsed from ``text[start:end]``."""
    return _clean_tree(value) if _RISKY_JSON_TEXT.search(text, start, end) else value


def _clean_tree(value: Any) -> Any:
    if isinstance(value, str):
        return writable(value)
    if isinstance(value, list):
        return [_clean_tree(item) for item in value]
    if isinstance(value, dict):
        return {writable(key): _clean_tree(item) for key, item in value.items()}
    return value


def terminal_safe(text: str) -> str:
    """``text`` without terminal control characters (escape sequences, OSC 52 clipboard writes)."""
    return _TERMINAL_CONTROLS.sub("", text) if not text.isprintable() else text


def shorten(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters with a note of the full length: for error messages."""
    text = repr(value) if not isinstance(value, str) else repr(value[: limit + 1])
    if isinstance(value, str) and len(value) > limit:
        return f"{repr(value[:limit])[:-1]}…' ({len(value):,} characters)"
    return text if len(text) <= limit + 2 else text[:limit] + "…"


def capped(value: object, limit: int = DISPLAY_CHARS) -> object:
    """A plain string cut to ``limit`` characters with a visible note of its length; anything else as is."""
    if type(value) is not str or len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"
