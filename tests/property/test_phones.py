"""Properties of the phone analysis over arbitrary text and generated numbers.

Generated, not listed: any string (control characters, lone surrogates,
10,000 characters) with any region gives an analysis and never an exception,
the same one each time; a suggested correction is in SSPR format and names the
same number; every number of the plan written ``+CC NSN`` is right as it stands.
"""

from __future__ import annotations

import re
import string

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from sspr_audit.audit.phones import (
    DEFECT_CODES,
    VALIDITIES,
    PhoneAnalysis,
    analyze,
    describe_defect,
    describe_validity,
    normalized_key,
)

# Derandomised: the same examples on every run, so CI cannot fail by chance; no example database is written.
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(PROPERTY, max_examples=40)

E164 = re.compile(r"\+[1-9][0-9]{1,19}")  # phonenumbers keeps up to 17 national digits
SSPR = re.compile(r"\+[0-9]{1,3} [0-9]+")

# Every code point Python's str can hold, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
PHONE_CHARS = "0123456789+ -./()\t\u00a0xX*#;=extEXTabcABCé٣８＋"  # noqa: RUF001 - look-alikes on purpose
any_text = st.one_of(
    st.text(ANY_CHAR, max_size=60),
    st.text(st.sampled_from(PHONE_CHARS), max_size=40),
    st.builds(lambda piece, n: (piece * n)[:10_000], st.text(ANY_CHAR, min_size=1, max_size=8), st.integers(1, 10_000)),
    st.text(ANY_CHAR, min_size=2_000, max_size=10_000),
)
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
any_region = st.one_of(
    st.none(), st.sampled_from(REGIONS), st.sampled_from(REGIONS).map(str.lower), st.text(ANY_CHAR, max_size=6)
)

TYPES = (
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
)
NON_GEO = sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)


def _example(region: str, kind: int) -> phonenumbers.PhoneNumber | None:
    return phonenumbers.example_number_for_type(region, kind)


# A real number of the plan: (region it was read in, or None for a non-geographic code; the number).
plan_numbers = st.one_of(
    st.tuples(st.sampled_from(REGIONS), st.sampled_from(TYPES))
    .map(lambda rk: (rk[0], _example(*rk)))
    .filter(lambda pair: pair[1] is not None),
    st.sampled_from(NON_GEO)
    .map(lambda cc: (None, phonenumbers.example_number_for_non_geo_entity(cc)))
    .filter(lambda pair: pair[1] is not None),
)

KEYPAD = {
    d: letters
    for d, letters in zip("23456789", ("ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"), strict=True)
}
FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")  # noqa: RUF001 - the look-alikes under test


def sspr_form(number: phonenumbers.PhoneNumber) -> str:
    return f"+{number.country_code} {phonenumbers.national_significant_number(number)}"


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str | None]:
    """A real or slightly wrong number written the many ways people write them; with the region to read it in."""
    region, number = draw(plan_numbers)
    cc, nsn = str(number.country_code), phonenumbers.national_significant_number(number)
    edit = draw(st.sampled_from(("none", "none", "replace", "insert", "delete")))
    if edit != "none" and nsn:
        i = draw(st.integers(0, len(nsn) - 1))
        digit = draw(st.sampled_from(string.digits))
        nsn = {
            "replace": nsn[:i] + digit + nsn[i + 1 :],
            "insert": nsn[:i] + digit + nsn[i:],
            "delete": nsn[:i] + nsn[i + 1 :],
        }[edit]
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(nsn) - 1)), max_size=4)))
    groups = [nsn[a:b] for a, b in zip([0, *cuts], [*cuts, len(nsn)], strict=True) if nsn[a:b]]
    separator = draw(st.sampled_from((" ", "-", ".", "", " - ", "/")))
    body = separator.join(groups)
    if draw(st.booleans()) and len(groups) > 1:
        body = f"({groups[0]}) " + separator.join(groups[1:])
    layout = draw(st.sampled_from(("sspr", "plus", "plus_joined", "00", "trunk", "national")))
    trunk = (phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix if region else None) or ""
    text = {
        "sspr": f"+{cc} {nsn}",
        "plus": f"+{cc} {body}",
        "plus_joined": f"+{cc}{body}",
        "00": f"00{cc} {body}",
        "trunk": f"+{cc} ({trunk}){body}" if trunk else f"+{cc}-{body}",
        "national": f"{trunk}{body}",
    }[layout]
    if draw(st.booleans()):
        marker = draw(st.sampled_from((" x", " ext. ", ";ext=", " #", "X")))
        text += marker + draw(st.from_regex(r"[0-9]{1,5}", fullmatch=True))
    if draw(st.integers(0, 9)) == 0:
        text = text.translate(FULLWIDTH)
    if draw(st.integers(0, 9)) == 0:  # a vanity number: some digits as keypad letters
        chars = list(text)
        for i in draw(st.sets(st.integers(0, len(chars) - 1), max_size=3)):
            if chars[i] in KEYPAD:
                chars[i] = draw(st.sampled_from(KEYPAD[chars[i]]))
        text = "".join(chars)
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.sampled_from((" ", "\t", "\u00a0"))) + text
    read_in = draw(st.sampled_from((region, region, None, "US")))
    return text, read_in


def check_invariants(a: PhoneAnalysis, raw: str | None) -> None:
    """What holds for every analysis, whatever went in."""
    assert isinstance(a, PhoneAnalysis)
    assert a.raw == (raw or "")
    assert list(a.format_defects) == [c for c in DEFECT_CODES if c in a.format_defects]
    assert a.validity in VALIDITIES
    assert a.format_ok is (not a.format_defects)
    for code in a.format_defects:
        assert describe_defect(code)
    assert describe_validity(a.validity)
    if a.masked or a.is_empty:
        assert normalized_key(a) is None
    if a.masked:
        assert a.format_defects == () and a.e164 is None and a.suggestion is None
    if a.e164 is not None:
        assert E164.fullmatch(a.e164), a.e164
        assert a.e164.startswith(f"+{a.country_code}")
        assert normalized_key(a) == a.e164
    if a.suggestion is not None:
        assert a.format_defects and SSPR.fullmatch(a.suggestion), a.suggestion
    if a.extension is not None:
        assert "extension" in a.format_defects and a.extension.isdigit()


def check_suggestion(a: PhoneAnalysis) -> None:
    """A suggested correction, analysed again, needs no correction and names the same number."""
    if a.suggestion is None:
        return
    again = analyze(a.suggestion)
    assert again.format_ok, (a.raw, a.suggestion, again.format_defects)
    assert again.e164 == a.e164, (a.raw, a.suggestion)
    assert again.suggestion is None
    assert again.validity == a.validity


@PROPERTY
@given(raw=st.none() | any_text, region=any_region)
@example(raw="\ud800\udfff" * 5_000, region="\udc00")
@example(raw="+" + "9" * 9_999, region=None)
@example(raw="\x00+1 425\u2028555 1234\x1b[0m", region="us")
def test_any_text_and_region_give_an_analysis(raw: str | None, region: str | None) -> None:
    a = analyze(raw, region)
    check_invariants(a, raw)
    check_suggestion(a)


@SLOW
@given(raw=st.none() | any_text, region=any_region)
def test_analysis_is_deterministic_and_independent_of_the_cache(raw: str | None, region: str | None) -> None:
    first = analyze(raw, region)
    assert analyze(raw, region) == first
    analyze.cache_clear()
    again = analyze(raw, region)
    assert again == first and again is not first
    assert analyze.__wrapped__(raw, region) == first


@PROPERTY
@given(written=written_numbers())
@example(written=("＋６２ ０００１２３４５６７", "ID"))  # noqa: RUF001 - full-width digits on purpose
def test_written_numbers_get_suggestions_that_need_none(written: tuple[str, str | None]) -> None:
    raw, region = written
    a = analyze(raw, region)
    check_invariants(a, raw)
    check_suggestion(a)


@PROPERTY
@given(number=plan_numbers)
def test_every_number_of_the_plan_in_sspr_format_is_right(number: tuple[str | None, phonenumbers.PhoneNumber]) -> None:
    region, parsed = number
    a = analyze(sspr_form(parsed))
    assert (a.format_defects, a.suggestion, a.validity) == ((), None, "valid")
    assert a.e164 == e164(parsed) and normalized_key(a) == a.e164
    assert a.country_code == parsed.country_code
    if region is not None and len(phonenumbers.region_codes_for_country_code(parsed.country_code)) == 1:
        assert a.region == region


@PROPERTY
@given(number=plan_numbers, layout=st.sampled_from(("INTERNATIONAL", "NATIONAL", "E164")))
def test_a_number_of_the_plan_however_written_is_the_same_number(
    number: tuple[str | None, phonenumbers.PhoneNumber], layout: str
) -> None:
    region, parsed = number
    assume(layout != "NATIONAL" or region is not None)  # a non-geographic number has no national form to read
    text = phonenumbers.format_number(parsed, getattr(phonenumbers.PhoneNumberFormat, layout))
    a = analyze(text, region)
    assert a.e164 == e164(parsed), (text, region)
    assert a.suggestion in (None, sspr_form(parsed))
    assert a.format_ok is (text == sspr_form(parsed)), (text, a.format_defects)


@PROPERTY
@given(
    cc=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    national=st.from_regex(r"0{0,3}[0-9]{1,17}", fullmatch=True),
    region=any_region,
)
@example(cc=62, national="0001234567", region=None)  # the trunk 0 once stripped, the next 0 is one again
def test_sspr_shaped_text_has_at_most_a_trunk_prefix_defect(cc: int, national: str, region: str | None) -> None:
    a = analyze(f"+{cc} {national}", region)
    check_invariants(a, f"+{cc} {national}")
    assert set(a.format_defects) <= {"trunk_zero"}, (cc, national, a.format_defects)
    check_suggestion(a)


@PROPERTY
@given(
    cc=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    head=st.from_regex(r"[0-9 ]{0,4}", fullmatch=True),
    mask=st.from_regex(r"[Xx*]{2,10}", fullmatch=True),
    tail=st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    region=any_region,
)
def test_masked_numbers_are_never_judged_nor_matched(
    cc: int, head: str, mask: str, tail: str, region: str | None
) -> None:
    raw = f"+{cc} {head}{mask}{tail}"
    a = analyze(raw, region)
    check_invariants(a, raw)
    assert a.masked and a.format_ok and normalized_key(a) is None


@PROPERTY
@given(
    raw=st.none() | st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u2028\u3000\u1680"), max_size=50), region=any_region
)
def test_empty_values_are_empty_and_never_matched(raw: str | None, region: str | None) -> None:
    a = analyze(raw, region)
    check_invariants(a, raw)
    assert a.format_defects == ("empty",) and a.is_empty and normalized_key(a) is None


@SLOW
@given(code=st.text(ANY_CHAR, max_size=20).filter(lambda c: c not in DEFECT_CODES))
def test_describe_defect_names_every_code_and_only_those(code: str) -> None:
    assert all(describe_defect(c) for c in DEFECT_CODES)
    with pytest.raises(ValueError, match="unknown phone format defect code"):
        describe_defect(code)
