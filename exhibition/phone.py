"""Phone numbers: Vietnamese formats (0... or +84...) and international numbers with +."""

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
