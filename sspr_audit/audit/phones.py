"""Phone numbers as SSPR reads them, and as the numbering plan sees them.

Two questions are kept apart. *Format*: SSPR accepts ``+CC NNNN`` (a plus,
the country code, one space, digits, no extension); a format defect is decided
from the text. *Validity*: whether the country's numbering plan has such a
number (libphonenumber, through ``phonenumbers``). Microsoft's own example
``+1 4251234567`` passes the first and fails the second.

Decisions this module takes:

- ``00`` at the start is read as the international prefix whatever the region
  (the ITU-recommended prefix; no national number starts with it). Other
  international prefixes, such as ``011`` in North America, are understood
  only with a default region.
- A national number is normalised only with a ``default_region``; without
  one nothing is guessed.
- Letters are read as telephone-keypad digits (vanity numbers); a correction
  is offered only when that reading is a valid number.
- A number already in SSPR format needs no correction even when its plan
  says it is invalid. A number with a format defect that is possible but
  invalid still gets the format corrected, with a note that the number itself
  looks wrong; an impossible number (wrong length) gets no correction.
- Whitespace around the value counts as ``punctuation``: the stored value
  itself must be ``+CC digits``.
- A masked number (``+1 42XXXXXX67``, what Graph returns without full rights)
  has no defects: it cannot be judged.
"""

from __future__ import annotations

import re
import traceback
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType, ValidationResult

from sspr_audit.audit import number_types

MASKED_NUMBER_HINT = (
    "Phone numbers are masked because the signed-in account lacks the rights to read them in full; "
    "the application permission UserAuthenticationMethod.Read.All (app-only) or the Privileged "
    "Authentication Administrator role shows them in full."
)

# Defect codes are permanent; analyses list them in this order.
_DEFECTS: dict[str, str] = {
    "empty": "The number is empty.",
    "missing_plus": "The number does not start with + and the country code (a 00 prefix or a national number is "
    "not accepted).",
    "unknown_country_code": "What stands where the country code belongs is not an assigned country code.",
    "missing_space": "There is no space between the country code and the rest of the number.",
    "punctuation": "The number contains separators (spaces, dashes, dots, parentheses) other than the one space "
    "after the country code.",
    "trunk_zero": "A national trunk prefix (such as the 0 in +44 020…) follows the country code; it must be dropped.",
    "non_ascii_digits": "The number uses digits or a plus sign that are not plain ASCII (for example full-width "
    "digits).",
    "letters": "The number contains letters (for example a vanity number such as 1-800-FLOWERS).",
    "extension": "The number carries an extension; SSPR removes it and calls the main line.",
}
DEFECT_CODES: tuple[str, ...] = tuple(_DEFECTS)

_VALIDITIES: dict[str, str] = {
    "valid": "The number is valid in its country's numbering plan.",
    "invalid": "The number has a possible length but no such number exists in its country's numbering plan.",
    "impossible": "The number cannot exist: it has the wrong length, or is no number at all.",
    "unknown_country_code": "The number does not start with an assigned country code.",
    "unchecked": "The number could not be checked against a numbering plan.",
}
VALIDITIES: tuple[str, ...] = tuple(_VALIDITIES)

_TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

_NOTE_NO_REGION = (
    "National number without a country code; set default_region under [phones] in the policy "
    "or the user's usage location."
)
_NOTE_BLOCKED = {
    "impossible": "The digits have the wrong length for a number of this country; a correction needs the right digits.",
    "unknown_country_code": "The digits after the international prefix do not begin with an assigned country "
    "code; a correction needs the right country code.",
}
_NOTE_UNREADABLE_LETTERS = (
    "The number contains letters that are not on a telephone keypad; it cannot be read as digits."
)
_NOTE_LETTERS_INVALID = "Read on a telephone keypad the letters do not give a valid number; no correction is offered."
_NOTE_LETTERS = "Letters were read as telephone keypad digits (vanity number); confirm the number."
_NOTE_INVALID = "The format is corrected, but the number is not valid in its country's numbering plan; confirm it."
_NOTE_UNSTABLE = (
    "After the country code the digits start with a trunk prefix again, so any correction would be read as another "
    "number; a correction needs the right digits."
)

_KNOWN_CC = frozenset(str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
_NON_GEO_REGION = "001"

_SSPR_FORMAT = re.compile(r"\+([0-9]{1,3}) ([0-9]+)")
# A plus and a digit, digits and spaces, then X/x/* standing for digits, ending on a digit (Graph keeps the
# last digits visible); a run of two mask characters is required too, so an extension "x123" is no mask.
_MASKED = re.compile(r"\+[0-9][0-9 ]*[Xx*][0-9Xx* ]*[0-9]")
_MASK_RUN = re.compile(r"[Xx*]{2}")
_EXTENSION = re.compile(
    r"(?<![A-Za-z])(?:;\s*ext\s*=|ext(?:ension|n)?\s*[.:]?|[x#])\s*([0-9]{1,10})$", re.IGNORECASE | re.ASCII
)
_EXTENSION_TAIL = 40  # characters searched for an extension: bounds the regex cost on long strings
_DIGIT_RUN = re.compile(r"[0-9]+")
_FULLWIDTH_PLUS = frozenset("＋﹢")  # noqa: RUF001 - these look-alikes are what the code must recognise


@dataclass(frozen=True, slots=True)
class PhoneAnalysis:
    """What one phone value means for SSPR."""

    raw: str  # the value as read ("" for a missing one)
    masked: bool  # digits replaced by X or * (Graph without full rights): nothing else can be judged
    format_defects: tuple[str, ...]  # defect codes in DEFECT_CODES order; () when the SSPR format is right
    extension: str | None  # digits of an extension, which SSPR drops
    validity: str  # one of VALIDITIES
    number_type: str | None  # "mobile", "fixed_line", ... ("unknown" when invalid); None when not checked
    region: str | None  # ISO 3166 region of the number when known
    country_code: int | None
    e164: str | None  # "+14255550100" (no extension) when the digits parse
    suggestion: str | None  # SSPR-format correction; None when already right or not derivable
    suggestion_note: str | None  # why there is no suggestion, or a caveat about it

    @property
    def format_ok(self) -> bool:
        """True when SSPR accepts the format (a masked number counts as right: it cannot be judged)."""
        return not self.format_defects

    @property
    def is_empty(self) -> bool:
        """True for a missing, empty or whitespace-only value."""
        return "empty" in self.format_defects


def describe_defect(code: str) -> str:
    """The sentence explaining a format defect code; ValueError for an unknown code."""
    try:
        return _DEFECTS[code]
    except KeyError:
        raise ValueError(f"unknown phone format defect code {code!r}") from None


def describe_validity(code: str) -> str:
    """The sentence explaining a validity value; ValueError for an unknown value."""
    try:
        return _VALIDITIES[code]
    except KeyError:
        raise ValueError(f"unknown phone validity {code!r}") from None


def fixed_line_in_mobile_slot(a: PhoneAnalysis) -> bool:
    """True when the plan says the number is a landline, so SMS cannot reach it.

    ``fixed_line_or_mobile`` (North America, where the plan cannot tell) is not
    counted: flagging it would flag every NANP number.
    """
    return a.number_type == "fixed_line"


def normalized_key(a: PhoneAnalysis) -> str | None:
    """The key that finds the same number on several users: E.164 without extension.

    None for empty, masked or unreadable values, which must never be matched.
    """
    return None if a.masked else a.e164


# Numbers cached while judging: a user's contact field and authentication phone often hold the same number, and
# switchboard numbers recur; more would hold tens of megabytes for numbers seen once.
_CACHED = 16_384


def forget() -> None:
    """Drop the analyses kept while judging: once an audit is done, its numbers are not looked at again."""
    analyze.cache_clear()
    _plan_of.cache_clear()


@lru_cache(maxsize=_CACHED)
def analyze(raw: str | None, default_region: str | None = None) -> PhoneAnalysis:
    """Analyse one phone value; never raises for any string.

    ``default_region`` (ISO 3166 alpha-2, from the policy or the user's usage
    location) is used only for numbers written without a country code.
    """
    text = raw or ""
    stripped = text.strip()
    if not stripped:
        return _unchecked(text, ("empty",), None)
    if _MASKED.fullmatch(stripped) and _MASK_RUN.search(stripped):
        return _masked(text, stripped)
    if (m := _SSPR_FORMAT.fullmatch(text)) and m.group(1) in _KNOWN_CC:
        digits = m.group(1) + m.group(2)
        parsed = _direct(int(m.group(1)), m.group(2)) or _parse("+" + digits, None)
        return _finish(text, set(), None, parsed, letters=False, written=digits)
    return _analyze_slow(text, stripped, default_region)


def _analyze_slow(text: str, stripped: str, default_region: str | None) -> PhoneAnalysis:
    """The general path: anything that is not already ``+CC digits``."""
    defects: set[str] = set()
    if stripped != text:
        defects.add("punctuation")
    value, changed = _ascii_digits(stripped)
    if changed:
        defects.add("non_ascii_digits")
    main, extension = _split_extension(value)
    if extension:
        defects.add("extension")
    letters = any(c.isalpha() for c in main)
    if letters:
        defects.add("letters")
        main = phonenumbers.convert_alpha_characters_in_number(main)
    international = main.startswith(("+", "00"))
    if international:
        prefix_length = 1 if main.startswith("+") else 2
        if prefix_length == 2:
            defects.add("missing_plus")
        main = main[prefix_length:]
        defects |= _international_defects(main)
    else:
        defects.add("missing_plus")
        if _has_separators(main):
            defects.add("punctuation")
    if letters and any(c.isalpha() for c in main):
        return _unchecked(text, _ordered(defects), extension, _NOTE_UNREADABLE_LETTERS)
    digits = "".join(_DIGIT_RUN.findall(main))
    if international:
        return _finish(text, defects, extension, _parse("+" + digits, None), letters=letters, written=digits)
    region, region_note = _region(default_region)
    if region is None:
        return _unchecked(text, _ordered(defects), extension, region_note)
    return _finish(text, defects, extension, _parse(digits, region), letters=letters, written=None)


def _ascii_digits(value: str) -> tuple[str, bool]:
    """Replace non-ASCII digits and plus signs by ASCII ones; say whether any were found."""
    if value.isascii():
        return value, False
    out = []
    for c in value:
        if c in _FULLWIDTH_PLUS:
            out.append("+")
        elif not c.isascii() and c.isdecimal():
            out.append(str(unicodedata.decimal(c)))
        else:
            out.append(c)
    result = "".join(out)
    return result, result != value


def _split_extension(value: str) -> tuple[str, str | None]:
    """Split ``x123``, ``ext. 123``, ``#123``, ``;ext=123`` off the end of a number."""
    tail_start = max(0, len(value) - _EXTENSION_TAIL)
    m = _EXTENSION.search(value[tail_start:])
    if m is None:
        return value, None
    main = value[: tail_start + m.start()].rstrip()
    if not _DIGIT_RUN.search(main):
        return value, None
    return main, m.group(1)


def _has_separators(value: str) -> bool:
    return any(not ("0" <= c <= "9") for c in value)


def _international_defects(body: str) -> set[str]:
    """Format defects of what follows the international prefix (``+`` or ``00``)."""
    runs = list(_DIGIT_RUN.finditer(body))
    if not runs:
        return {"unknown_country_code"}
    defects: set[str] = set()
    if runs[0].start() > 0 or runs[-1].end() < len(body):
        defects.add("punctuation")
    gaps = [body[a.end() : b.start()] for a, b in pairwise(runs)]
    written = runs[0].group()
    if len(written) <= 3 and gaps:  # the writer set the country code apart
        if written not in _KNOWN_CC:
            defects.add("unknown_country_code")
        elif gaps[0] != " ":
            defects.add("punctuation")
            if " " not in gaps[0]:
                defects.add("missing_space")
        gaps = gaps[1:]
    elif not any(written[:n] in _KNOWN_CC for n in (1, 2, 3)):
        defects.add("unknown_country_code")
    else:
        defects.add("missing_space")
    if gaps:
        defects.add("punctuation")
    return defects


def _region(default_region: str | None) -> tuple[str | None, str]:
    """The usable default region and, when there is none, the note saying why."""
    region = (default_region or "").strip().upper()
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region, ""
    if region:
        return None, f"Default region {default_region!r} is not a known region code. {_NOTE_NO_REGION}"
    return None, _NOTE_NO_REGION


@dataclass(frozen=True)
class _Failed:
    """A parse that gave no number, with the validity that says why."""

    validity: str


def _parse(digits: str, region: str | None) -> phonenumbers.PhoneNumber | _Failed:
    """Parse bare digits (``+`` and digits for an international number): no text reaches phonenumbers."""
    try:
        return phonenumbers.parse(digits, region)
    except NumberParseException as e:
        failed = _Failed(
            "unknown_country_code" if e.error_type == NumberParseException.INVALID_COUNTRY_CODE else "impossible"
        )
        _drop_traceback(e)
        return failed


def _drop_traceback(error: BaseException | None) -> None:
    """Free the frames a parse error holds at once.

    phonenumbers keeps the error and its traceback in locals of the frame it
    passes through (a reference cycle), and that frame's callers hold the
    audit's working records. The cyclic collector is paused during an audit and what is alive
    at its end is frozen, so one such cycle would keep every user's records.
    """
    while error is not None:
        traceback.clear_frames(error.__traceback__)
        error.__traceback__ = None
        error = error.__context__


def _finish(
    text: str,
    defects: set[str],
    extension: str | None,
    parsed: phonenumbers.PhoneNumber | _Failed,
    *,
    letters: bool,
    written: str | None,
) -> PhoneAnalysis:
    """Complete an analysis from the format defects found and the parse result.

    ``written`` holds the digits after the international prefix as written
    (None for a national number), to spot a trunk prefix phonenumbers dropped.
    """
    if isinstance(parsed, _Failed):
        ordered = _ordered(defects)
        note = _blocker(parsed.validity, letters) if ordered else None
        return PhoneAnalysis(text, False, ordered, extension, parsed.validity, None, None, None, None, None, note)
    if written is not None and _has_trunk_prefix(written, parsed):
        defects.add("trunk_zero")
    validity, number_type, region = _plan(parsed)
    ordered = _ordered(defects)
    suggestion, note = _suggestion(ordered, parsed, validity, extension, letters)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return PhoneAnalysis(
        text, False, ordered, extension, validity, number_type, region, parsed.country_code, e164, suggestion, note
    )


def _has_trunk_prefix(written: str, parsed: phonenumbers.PhoneNumber) -> bool:
    """True when phonenumbers dropped a national prefix written after the country code."""
    national = written[len(str(parsed.country_code)) :]
    nsn = phonenumbers.national_significant_number(parsed)
    return bool(nsn) and national != nsn and national.endswith(nsn)


def _plan(parsed: phonenumbers.PhoneNumber) -> tuple[str, str | None, str | None]:
    """Validity, number type and region of a parsed number.

    Cached by the number itself: the same number written several ways (a
    contact field and the authentication phone) is judged once.
    """
    return _plan_of(
        parsed.country_code,
        parsed.national_number,
        bool(parsed.italian_leading_zero),
        parsed.number_of_leading_zeros or 1,
    )


@lru_cache(maxsize=_CACHED)
def _plan_of(
    country_code: int, national_number: int, leading_zero: bool, leading_zeros: int
) -> tuple[str, str | None, str | None]:
    parsed = phonenumbers.PhoneNumber(
        country_code=country_code,
        national_number=national_number,
        italian_leading_zero=leading_zero or None,
        number_of_leading_zeros=leading_zeros if leading_zero else None,
    )
    # phonenumbers.is_valid_number is exactly "number_type is not UNKNOWN"; one call does both.
    kind, region = _type_and_region(parsed)
    if region is None or region == _NON_GEO_REGION:
        region = _sole_region(parsed.country_code or 0)
    if kind != PhoneNumberType.UNKNOWN:
        return "valid", _TYPE_NAMES[kind], region
    if phonenumbers.is_possible_number_with_reason(parsed) == ValidationResult.IS_POSSIBLE:
        return "invalid", "unknown", region
    return "impossible", None, region


def _direct(country_code: int, national: str) -> phonenumbers.PhoneNumber | None:
    """Build a number already written as ``+CC digits`` without the general parser (a third of the cost).

    Only when parsing could not change it: no leading zero (Italian-style
    numbers) and nothing the region's national-prefix rule would strip;
    otherwise None, and the caller parses.
    """
    if national[:1] == "0" or not 2 <= len(national) <= 17:
        return None
    metadata = _main_metadata(country_code)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    if prefix and re.match(prefix, national):
        return None
    return phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))


@lru_cache(maxsize=512)
def _main_metadata(country_code: int) -> PhoneMetadata | None:
    """Metadata of a country code's main region, when the region lookup can start there.

    ``region_code_for_number`` tries the regions of a shared code in order and
    takes the first whose leading digits or number types match; the main
    region without a leading-digits rule is therefore decided by its number
    types alone.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if not regions or regions[0] == _NON_GEO_REGION:
        return None
    metadata = PhoneMetadata.metadata_for_region(regions[0])
    if metadata is None or metadata.leading_digits is not None:
        return None
    return metadata


def _type_and_region(parsed: phonenumbers.PhoneNumber) -> tuple[int, str | None]:
    """``number_type`` and ``region_code_for_number`` with one region look-up, none where the main region decides.

    The same steps as the two public calls (each of which looks the region up,
    the costliest step for shared country codes such as +1 and +44), with the
    type matched by :mod:`number_types`.
    """
    national = phonenumbers.national_significant_number(parsed)
    metadata = _main_metadata(parsed.country_code)
    if metadata is not None:
        kind = number_types.number_type(national, metadata)
        if kind != PhoneNumberType.UNKNOWN:
            return kind, metadata.id
    region = phonenumbers.region_code_for_number(parsed)
    if region is None:
        return PhoneNumberType.UNKNOWN, None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(parsed.country_code or 0, region)
    if metadata is None:
        return PhoneNumberType.UNKNOWN, region
    return number_types.number_type(national, metadata), region


def _suggestion(
    defects: tuple[str, ...], parsed: phonenumbers.PhoneNumber, validity: str, extension: str | None, letters: bool
) -> tuple[str | None, str | None]:
    """The SSPR-format correction and its note, following the decisions in the module docstring."""
    if not defects:
        return None, None
    blocker = _blocker(validity, letters)
    if blocker:
        return None, blocker
    notes = []
    if validity == "invalid":
        notes.append(_NOTE_INVALID)
    if letters:
        notes.append(_NOTE_LETTERS)
    if extension:
        notes.append(f"Extension {extension} dropped: SSPR calls only the main line.")
    national = phonenumbers.national_significant_number(parsed)
    if not _reads_back(parsed.country_code or 0, national):
        return None, _NOTE_UNSTABLE
    suggestion = f"+{parsed.country_code} {national}"
    return suggestion, " ".join(notes) or None


def _reads_back(country_code: int, national: str) -> bool:
    """True when ``+CC national`` is read as this very number again.

    Not so when the national number itself starts with a trunk prefix (``+62 0001234567`` gives ``001234567``,
    which is read as ``01234567``): such a correction would itself need correcting.
    """
    if _direct(country_code, national) is not None:
        return True
    again = _parse(f"+{country_code}{national}", None)
    return not isinstance(again, _Failed) and phonenumbers.national_significant_number(again) == national


def _blocker(validity: str, letters: bool) -> str | None:
    """Why no correction can be derived, or None when one can."""
    if letters and validity != "valid":
        return _NOTE_LETTERS_INVALID
    return _NOTE_BLOCKED.get(validity)


def _sole_region(country_code: int) -> str | None:
    """The region of a country code that has exactly one (none for shared or non-geographic codes)."""
    regions = phonenumbers.region_codes_for_country_code(country_code)
    return regions[0] if len(regions) == 1 and regions[0] != _NON_GEO_REGION else None


def _ordered(defects: set[str]) -> tuple[str, ...]:
    return tuple(c for c in DEFECT_CODES if c in defects)


def _unchecked(text: str, defects: tuple[str, ...], extension: str | None, note: str | None = None) -> PhoneAnalysis:
    return PhoneAnalysis(text, False, defects, extension, "unchecked", None, None, None, None, None, note)


def _masked(text: str, stripped: str) -> PhoneAnalysis:
    """A masked number: only the country code, when written apart, can be read."""
    head = stripped[1:].split(" ", 1)[0]
    cc = int(head) if head.isdigit() and head in _KNOWN_CC else None
    region = _sole_region(cc) if cc else None
    return PhoneAnalysis(text, True, (), None, "unchecked", None, region, cc, None, None, MASKED_NUMBER_HINT)
