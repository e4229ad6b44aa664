"""Phone analysis: SSPR format, numbering-plan validity, masking and corrections."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sspr_audit.audit.phones import (
    DEFECT_CODES,
    MASKED_NUMBER_HINT,
    VALIDITIES,
    PhoneAnalysis,
    analyze,
    describe_defect,
    describe_validity,
    fixed_line_in_mobile_slot,
    normalized_key,
)

# raw, default region, format defects, validity, number type, suggestion.
# Valid numbers come from phonenumbers' example numbers (pinned here as text);
# 020 7946 0xxx is the UK's range reserved for drama.
CASES = [
    # Microsoft's own examples: formatted right; 425-123 is not a NANP exchange.
    ("+1 4251234567", None, "", "invalid", "unknown", None),
    ("+1 4251234567X12345", None, "extension", "invalid", "unknown", "+1 4251234567"),
    ("+1 4255551234", None, "", "valid", "fixed_line_or_mobile", None),
    ("+1 4255551234X12345", None, "extension", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    # North America
    ("+14255551234", None, "missing_space", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+14251234567", None, "missing_space", "invalid", "unknown", "+1 4251234567"),
    ("+1 (425) 555-1234", None, "punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1-425-555-1234", None, "missing_space punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1.425.555.1234", None, "missing_space punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1 4255551234 ", None, "punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1  4255551234", None, "punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1\u00a04255551234", None, "missing_space punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("(425) 555-1234", "US", "missing_plus punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("(425) 555-1234", None, "missing_plus punctuation", "unchecked", None, None),
    ("425-555-1234", "CA", "missing_plus punctuation", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("4255551234", "us", "missing_plus", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("4255551234", "ZZ", "missing_plus", "unchecked", None, None),
    ("011 44 20 7946 0000", "US", "missing_plus punctuation", "valid", "fixed_line", "+44 2079460000"),
    ("+1 2015550123", None, "", "valid", "fixed_line_or_mobile", None),
    ("+1 5062345678", None, "", "valid", "fixed_line_or_mobile", None),
    ("+1 14255551234", None, "trunk_zero", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1 425", None, "", "impossible", None, None),
    # extensions
    ("+1 4255551234 ext. 123", None, "extension", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1 4255551234 x123", None, "extension", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1 4255551234;ext=123", None, "extension", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1 4255551234#123", None, "extension", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    ("+1 4255551234ext123", None, "extension", "valid", "fixed_line_or_mobile", "+1 4255551234"),
    # letters
    ("1-800-FLOWERS", "US", "missing_plus punctuation letters", "valid", "toll_free", "+1 8003569377"),
    ("+1 800 FLOWERS", None, "punctuation letters", "valid", "toll_free", "+1 8003569377"),
    ("+44 20 7946 0000 home", None, "punctuation letters", "impossible", None, None),
    ("mobile", None, "missing_plus letters", "unchecked", None, None),
    ("n/a", "GB", "missing_plus punctuation letters", "impossible", None, None),
    ("Tél: 01 23 45 67 89", "FR", "missing_plus punctuation letters", "unchecked", None, None),
    # United Kingdom
    ("+44 2079460000", None, "", "valid", "fixed_line", None),
    ("+44 20 7946 0000", None, "punctuation", "valid", "fixed_line", "+44 2079460000"),
    ("+44 020 7946 0000", None, "punctuation trunk_zero", "valid", "fixed_line", "+44 2079460000"),
    ("+44 02079460000", None, "trunk_zero", "valid", "fixed_line", "+44 2079460000"),
    ("+44 (0)20 7946 0000", None, "punctuation trunk_zero", "valid", "fixed_line", "+44 2079460000"),
    ("0044 20 7946 0000", None, "missing_plus punctuation", "valid", "fixed_line", "+44 2079460000"),
    ("00442079460000", None, "missing_plus missing_space", "valid", "fixed_line", "+44 2079460000"),
    ("020 7946 0000", "GB", "missing_plus punctuation", "valid", "fixed_line", "+44 2079460000"),
    ("020 7946 0000", None, "missing_plus punctuation", "unchecked", None, None),
    ("44 20 7946 0000", "GB", "missing_plus punctuation", "valid", "fixed_line", "+44 2079460000"),
    ("+44 7400123456", None, "", "valid", "mobile", None),
    ("+447400123456", None, "missing_space", "valid", "mobile", "+44 7400123456"),
    ("07400 123456", "GB", "missing_plus punctuation", "valid", "mobile", "+44 7400123456"),
    ("+44 20 7946 000", None, "punctuation", "invalid", "unknown", "+44 207946000"),
    ("+44 123", None, "", "impossible", None, None),
    ("+44 12 3", None, "punctuation", "impossible", None, None),
    # Germany
    ("+49 30123456", None, "", "valid", "fixed_line", None),
    ("+49 30 123456", None, "punctuation", "valid", "fixed_line", "+49 30123456"),
    ("+49 030 123456", None, "punctuation trunk_zero", "valid", "fixed_line", "+49 30123456"),
    ("+49 15123456789", None, "", "valid", "mobile", None),
    ("0151 23456789", "DE", "missing_plus punctuation", "valid", "mobile", "+49 15123456789"),
    ("+49 (0)151 23456789", None, "punctuation trunk_zero", "valid", "mobile", "+49 15123456789"),
    # France
    ("+33 612345678", None, "", "valid", "mobile", None),
    ("+33 6 12 34 56 78", None, "punctuation", "valid", "mobile", "+33 612345678"),
    ("+33 06 12 34 56 78", None, "punctuation trunk_zero", "valid", "mobile", "+33 612345678"),
    ("06 12 34 56 78", "FR", "missing_plus punctuation", "valid", "mobile", "+33 612345678"),
    ("+33 123456789", None, "", "valid", "fixed_line", None),
    ("+33.1.23.45.67.89", None, "missing_space punctuation", "valid", "fixed_line", "+33 123456789"),
    # Netherlands
    ("+31 612345678", None, "", "valid", "mobile", None),
    ("+31 (0)6 12345678", None, "punctuation trunk_zero", "valid", "mobile", "+31 612345678"),
    ("+31-10-1234567", None, "missing_space punctuation", "valid", "fixed_line", "+31 101234567"),
    # India: the plan cannot tell some ranges apart
    ("+91 8123456789", None, "", "valid", "mobile", None),
    ("+91 81234 56789", None, "punctuation", "valid", "mobile", "+91 8123456789"),
    ("+91 7410410123", None, "", "valid", "fixed_line_or_mobile", None),
    # Australia
    ("+61 412345678", None, "", "valid", "mobile", None),
    ("0412 345 678", "AU", "missing_plus punctuation", "valid", "mobile", "+61 412345678"),
    ("+61 0412345678", None, "trunk_zero", "valid", "mobile", "+61 412345678"),
    ("+61 212345678", None, "", "valid", "fixed_line", None),
    # Japan, including full-width digits
    ("+81 9012345678", None, "", "valid", "mobile", None),
    ("090-1234-5678", "JP", "missing_plus punctuation", "valid", "mobile", "+81 9012345678"),
    ("＋８１ ９０１２３４５６７８", None, "non_ascii_digits", "valid", "mobile", "+81 9012345678"),  # noqa: RUF001
    # Brazil, South Africa, Switzerland
    ("+55 11961234567", None, "", "valid", "mobile", None),
    ("+55 (11) 96123-4567", None, "punctuation", "valid", "mobile", "+55 11961234567"),
    ("+27 711234567", None, "", "valid", "mobile", None),
    ("+27 0711234567", None, "trunk_zero", "valid", "mobile", "+27 711234567"),
    ("+41 781234567", None, "", "valid", "mobile", None),
    ("+41 21 234 56 78", None, "punctuation", "valid", "fixed_line", "+41 212345678"),
    # Italy keeps its leading 0 after the country code: not a trunk zero
    ("+39 0212345678", None, "", "valid", "fixed_line", None),
    ("+39 02 1234 5678", None, "punctuation", "valid", "fixed_line", "+39 0212345678"),
    # a space inside the country code (+353 Ireland); Hungary's trunk prefix is 06
    ("+35 3861234567", None, "unknown_country_code", "valid", "mobile", "+353 861234567"),
    ("+36 06 1 234 5678", None, "punctuation trunk_zero", "valid", "fixed_line", "+36 12345678"),
    # unknown country codes
    ("+999 1234567", None, "unknown_country_code", "unknown_country_code", None, None),
    ("+0 123456", None, "unknown_country_code", "unknown_country_code", None, None),
    ("0099 1234567", None, "missing_plus unknown_country_code", "unknown_country_code", None, None),
    # masked by Graph: no defects, nothing checked
    ("+1 42XXXXXX67", None, "", "unchecked", None, None),
    ("+1 425XXXX567", None, "", "unchecked", None, None),
    ("+44 7*******12", None, "", "unchecked", None, None),
    ("+33 6xxxxxx78", None, "", "unchecked", None, None),
    # empty
    ("", None, "empty", "unchecked", None, None),
    ("   ", None, "empty", "unchecked", None, None),
    (None, None, "empty", "unchecked", None, None),
    ("\t", "GB", "empty", "unchecked", None, None),
]


def _case_id(case: tuple) -> str:
    return f"{case[0]!r}@{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_table(case: tuple) -> None:
    raw, region, defects, validity, number_type, suggestion = case
    a = analyze(raw, region)
    assert a.format_defects == tuple(defects.split())
    assert a.validity == validity
    assert a.number_type == number_type
    assert a.suggestion == suggestion


def test_table_covers_enough_countries() -> None:
    regions = {analyze(raw, region).region for raw, region, *_ in CASES} - {None}
    assert len(CASES) >= 60
    assert {"US", "CA", "GB", "DE", "FR", "NL", "IN", "AU", "JP", "BR", "ZA", "CH"} <= regions


@pytest.mark.parametrize(
    ("raw", "extension", "main"),
    [
        ("+1 4251234567X12345", "12345", "+1 4251234567"),
        ("+1 4255551234 ext. 123", "123", "+1 4255551234"),
        ("+1 4255551234 EXT123", "123", "+1 4255551234"),
        ("+1 4255551234;ext=9", "9", "+1 4255551234"),
        ("+44 20 7946 0000 #42", "42", "+44 2079460000"),
        ("+44 20 7946 0000 extension 7", "7", "+44 2079460000"),
    ],
)
def test_extension_is_kept_and_dropped_from_the_suggestion(raw: str, extension: str, main: str) -> None:
    a = analyze(raw)
    assert a.extension == extension
    assert "extension" in a.format_defects
    assert a.suggestion == main
    assert a.e164 == main.replace(" ", "")
    assert f"Extension {extension} dropped" in a.suggestion_note


@pytest.mark.parametrize(
    ("raw", "country_code", "region"),
    [
        ("+1 42XXXXXX67", 1, None),  # NANP spans many regions
        ("+44 7XXXXXXX12", 44, None),
        ("+1 425XXXX567", 1, None),
        ("+33 6XXXXXX78", 33, "FR"),
        ("+49 1** **** **89", 49, "DE"),
    ],
)
def test_masked_numbers_are_recognised_not_flagged(raw: str, country_code: int, region: str | None) -> None:
    a = analyze(raw)
    assert a.masked
    assert a.format_ok
    assert a.format_defects == ()
    assert (a.validity, a.number_type, a.e164, a.suggestion) == ("unchecked", None, None, None)
    assert (a.country_code, a.region) == (country_code, region)
    assert a.suggestion_note == MASKED_NUMBER_HINT
    assert normalized_key(a) is None


@pytest.mark.parametrize("raw", ["+1 4255551234x12", "+1 4255551234 X 99", "+1 4255551234x", "xxx", "+1 4255551234xx"])
def test_extension_or_letters_are_not_taken_for_a_mask(raw: str) -> None:
    # a mask stands for digits inside the number: Graph keeps the last digits visible
    a = analyze(raw)
    assert not a.masked
    assert a.format_defects != ()


def test_masked_hint_names_what_shows_full_numbers() -> None:
    assert "UserAuthenticationMethod.Read.All" in MASKED_NUMBER_HINT
    assert "Privileged Authentication Administrator" in MASKED_NUMBER_HINT
    assert "masked" in MASKED_NUMBER_HINT


def test_notes_explain_missing_suggestions_and_caveats() -> None:
    assert "default_region under [phones]" in analyze("020 7946 0000").suggestion_note
    assert "usage location" in analyze("020 7946 0000").suggestion_note
    assert "'ZZ' is not a known region code" in analyze("4255551234", "ZZ").suggestion_note
    assert "not valid in its country's numbering plan" in analyze("+14251234567").suggestion_note
    assert "wrong length" in analyze("+44 12 3").suggestion_note
    assert "country code" in analyze("+999 1234567").suggestion_note
    assert "keypad" in analyze("1-800-FLOWERS", "US").suggestion_note
    assert "keypad" in analyze("+44 20 7946 0000 home").suggestion_note
    assert "not on a telephone keypad" in analyze("Tél: 01 23 45 67 89", "FR").suggestion_note
    # a number already right needs neither correction nor note
    assert analyze("+44 2079460000").suggestion_note is None


def test_analysis_fields_for_a_national_number() -> None:
    a = analyze("020 7946 0000", "GB")
    assert (a.region, a.country_code, a.e164) == ("GB", 44, "+442079460000")
    assert not a.format_ok
    assert not a.is_empty
    assert not a.masked


def test_empty_values() -> None:
    for raw in ("", "  ", None):
        a = analyze(raw)
        assert a.is_empty
        assert not a.format_ok
        assert a.raw == (raw or "")
        assert normalized_key(a) is None


def test_fixed_line_in_mobile_slot() -> None:
    assert fixed_line_in_mobile_slot(analyze("+44 20 7946 0000"))
    assert fixed_line_in_mobile_slot(analyze("+49 30123456"))
    assert not fixed_line_in_mobile_slot(analyze("+44 7400123456"))
    # North America: the plan cannot tell a landline from a mobile
    assert not fixed_line_in_mobile_slot(analyze("+1 4255551234"))
    assert not fixed_line_in_mobile_slot(analyze("+1 42XXXXXX67"))
    assert not fixed_line_in_mobile_slot(analyze("+1 4251234567"))


def test_normalized_key_matches_the_same_number_however_written() -> None:
    keys = {
        normalized_key(analyze(raw, region))
        for raw, region in [
            ("+44 20 7946 0000", None),
            ("0044 20 7946 0000", None),
            ("020 7946 0000", "GB"),
            ("+44 (0)20 7946 0000 ext. 12", None),
            ("+442079460000", None),
        ]
    }
    assert keys == {"+442079460000"}
    assert normalized_key(analyze("020 7946 0000")) is None
    assert normalized_key(analyze("+999 1234567")) is None


def test_defect_and_validity_descriptions() -> None:
    assert DEFECT_CODES == (
        "empty", "missing_plus", "unknown_country_code", "missing_space", "punctuation", "trunk_zero",
        "non_ascii_digits", "letters", "extension",
    )  # fmt: skip
    sentences = [describe_defect(code) for code in DEFECT_CODES]
    assert all(s.endswith(".") for s in sentences)
    assert len(set(sentences)) == len(sentences)
    assert "space" in describe_defect("missing_space")
    assert "extension" in describe_defect("extension")
    assert {describe_validity(v) for v in VALIDITIES}
    with pytest.raises(ValueError, match="no_such_code"):
        describe_defect("no_such_code")
    with pytest.raises(ValueError, match="maybe"):
        describe_validity("maybe")


def test_defects_are_reported_in_code_order() -> None:
    for raw, region, *_ in CASES:
        defects = analyze(raw, region).format_defects
        assert list(defects) == sorted(defects, key=DEFECT_CODES.index)


def test_deterministic_and_cached() -> None:
    first = analyze("+44 (0)20 7946 0000 x5", "GB")
    assert analyze("+44 (0)20 7946 0000 x5", "GB") is first
    analyze.cache_clear()
    again = analyze("+44 (0)20 7946 0000 x5", "GB")
    assert again == first
    assert again is not first
    assert analyze.cache_info().maxsize >= 16_384  # a switchboard number, or one user's twice, analysed once


@pytest.mark.parametrize("case", [c for c in CASES if c[5]], ids=[_case_id(c) for c in CASES if c[5]])
def test_suggestion_reanalyses_without_defects(case: tuple) -> None:
    a = analyze(case[0], case[1])
    again = analyze(a.suggestion)
    assert again.format_defects == ()
    assert again.e164 == a.e164
    assert again.validity == a.validity


def test_every_example_number_of_the_plan() -> None:
    """phonenumbers' example numbers for every region: right in SSPR format; other layouts get that form back."""
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            sspr = f"+{example.country_code} {phonenumbers.national_significant_number(example)}"
            a = analyze(sspr)
            assert (a.format_defects, a.validity, a.suggestion) == ((), "valid", None), sspr
            international = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            if international != sspr:
                assert analyze(international).suggestion == sspr, international
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            assert analyze(national, region).suggestion == sspr, (region, national)
            checked += 1
    assert checked > 400


HOSTILE = [
    "9" * 10_000,
    "+" + "1 " * 5_000,
    "+1" + "XX" * 5_000 + "a",
    " " * 10_000 + "1",
    "\x00\x01\x02+1 425\x7f",
    "\u202e+1 4255551234\u202c",  # right-to-left override
    "+972 \u05d0\u05d1 3 1234567",  # Hebrew letters
    "\U0001f4de +44 20 7946 0000 \U0001f600",
    "+" * 500,
    "x" * 10_000,
    "ext" * 3_000 + "1",
    "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits
    "+1 4255551234\n+1 4255559876",
    ";ext=",
    "#",
    "()",
    "00",
    "+",
    "\ud800",  # lone surrogate
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_never_raise(raw: str) -> None:
    for region in (None, "GB", "zz"):
        a = analyze(raw, region)
        assert isinstance(a, PhoneAnalysis)
        assert a.masked or a.format_defects
        assert a.validity in VALIDITIES


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.text(alphabet=st.sampled_from("0123456789+ -().xX*#;ext=ABCé٣８"), max_size=30) | st.text(max_size=40),  # noqa: RUF001
    region=st.sampled_from([None, "US", "GB", "FR", "JP", "xx"]),
)
def test_any_text_gives_an_analysis_and_suggestions_are_clean(raw: str, region: str | None) -> None:
    a = analyze(raw, region)
    assert a.validity in VALIDITIES
    assert set(a.format_defects) <= set(DEFECT_CODES)
    if a.suggestion is not None:
        assert analyze(a.suggestion).format_defects == ()
    if a.masked:
        assert a.format_defects == ()
