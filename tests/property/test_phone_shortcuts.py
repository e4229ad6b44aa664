"""The phone analysis's shortcuts give exactly what libphonenumber's public path gives.

Two shortcuts, each held against the slow path over generated numbers of
every country code: a number already written ``+CC digits`` is built without
the general parser; a number's type and region are matched from tables
compiled once per region rather than through ``phonenumbers.number_type`` and
``region_code_for_number``.
"""

from __future__ import annotations

import string

import phonenumbers
from hypothesis import example, given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType, ValidationResult
from phonenumbers.phonenumberutil import _number_type_helper

from sspr_audit.audit import phones
from sspr_audit.audit.number_types import number_type
from tests.property.test_phones import PROPERTY, REGIONS, TYPES, plan_numbers

COUNTRY_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@st.composite
def numbers(draw: st.DrawFn) -> tuple[int, str]:
    """A country code and national digits: a real number of the plan, one digit off it, or any digits."""
    kind = draw(st.sampled_from(("plan", "edited", "digits")))
    if kind == "digits":
        return draw(st.sampled_from(COUNTRY_CODES)), draw(st.from_regex(r"0{0,2}[0-9]{1,17}", fullmatch=True))
    _, number = draw(plan_numbers)
    nsn = phonenumbers.national_significant_number(number)
    if kind == "edited":
        i = draw(st.integers(0, len(nsn) - 1))
        nsn = nsn[:i] + draw(st.sampled_from(string.digits)) + nsn[i + 1 :]
    return number.country_code, nsn


def public_plan(number: phonenumbers.PhoneNumber) -> tuple[str, str | None, str | None]:
    """Validity, type and region through phonenumbers' public calls only."""
    region = phonenumbers.region_code_for_number(number)
    if region is None or region == "001":
        regions = phonenumbers.region_codes_for_country_code(number.country_code)
        region = regions[0] if len(regions) == 1 and regions[0] != "001" else None
    kind = phonenumbers.number_type(number)
    if kind != PhoneNumberType.UNKNOWN:
        assert phonenumbers.is_valid_number(number)
        return "valid", phones._TYPE_NAMES[kind], region
    if phonenumbers.is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE:
        return "invalid", "unknown", region
    return "impossible", None, region


@PROPERTY
@given(number=numbers())
@example(number=(1, "4255550100"))  # NANP: +1 is shared by two dozen regions
@example(number=(44, "7400123456"))  # a UK mobile: +44 is shared with the Channel Islands and Man
@example(number=(39, "0612345678"))  # an Italian leading zero
@example(number=(800, "12345678"))  # non-geographic
def test_type_and_region_are_those_of_the_public_calls(number: tuple[int, str]) -> None:
    cc, national = number
    parsed = phones._parse(f"+{cc}{national}", None)
    if isinstance(parsed, phonenumbers.PhoneNumber):
        assert phones._plan_of.__wrapped__(
            parsed.country_code,
            parsed.national_number,
            bool(parsed.italian_leading_zero),
            parsed.number_of_leading_zeros or 1,
        ) == public_plan(parsed)


@PROPERTY
@given(number=numbers(), region=st.none() | st.sampled_from(REGIONS))
@example(number=(1, "4251234567"), region=None)  # Microsoft's example: right format, no such number
@example(number=(62, "0001234567"), region=None)
@example(number=(1, "12015550123"), region=None)  # the digits start with a national prefix: the parser strips it
@example(number=(86, "113123456789"), region="CN")
@example(number=(370, "861234567"), region=None)
def test_a_number_in_sspr_format_is_judged_as_the_general_parser_judges_it(
    number: tuple[int, str], region: str | None
) -> None:
    text = f"+{number[0]} {number[1]}"
    assert phones.analyze.__wrapped__(text, region) == phones._analyze_slow(text, text, region)


def test_every_region_types_numbers_as_phonenumbers_does() -> None:
    """Each region's table against phonenumbers' own matching: every example number, with each last digit."""
    compared = 0
    for region in REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            nsn = phonenumbers.national_significant_number(example)
            for national in (nsn, nsn[:-1], nsn + "0", *(nsn[:-1] + d for d in string.digits)):
                assert number_type(national, metadata) == _number_type_helper(national, metadata), (region, national)
                compared += 1
    assert compared > 14_000  # about 245 regions, 1,400 example numbers
