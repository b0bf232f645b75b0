"""Phone numbers: Vietnamese formats (0... or +84...) and international numbers with +."""

import re

import phonenumbers


def normalize_phone(raw: str) -> str:
    """Return the number in E.164 form (+84912345678), or raise ValueError."""
    text = (raw or "").strip()
    if not text or len(text) > 30:
        raise ValueError("phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException as error:
        raise ValueError("phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """A stored number as people write it: national form for Vietnam, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 84:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_SEPARATORS = str.maketrans("", "", " .-()")
_VN_NUMBER = re.compile(r"(?:0|\+84)([1-9][0-9]{8,9})")


def fast_phone(text: str) -> str:
    """normalize_phone() with a shortcut for Vietnamese numbers written 0... or +84...: parsing
    is most of its time (a large import checks thousands), and for these the national number is
    plain to see. Same answers."""
    match = _VN_NUMBER.fullmatch(text.translate(_SEPARATORS)) if len(text) <= 30 else None
    if match is not None:
        number = phonenumbers.PhoneNumber(country_code=84, national_number=int(match[1]))
        if phonenumbers.is_valid_number(number):
            return "+84" + match[1]
    return normalize_phone(text)
