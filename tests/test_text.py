"""Text helpers: search folding, CSV safety, phone numbers, badge codes."""

import pytest

from exhibition.badges.services import new_badge_code, normalize_badge_code
from exhibition.phone import display_phone, normalize_phone
from exhibition.text import csv_safe, fold, normalize_name


def test_fold_removes_vietnamese_diacritics_and_case():
    assert fold("Nguyễn Thị Hồng Nhung") == "nguyen thi hong nhung"
    assert fold("ĐỖ ĐỨC  Anh") == "do duc anh"
    assert fold("Công ty TNHH Cơ khí Hải An") == "cong ty tnhh co khi hai an"


def test_normalize_name_is_nfc_with_single_spaces():
    decomposed = "Nguye\u0302\u0303n  Thi\u0323 "
    assert normalize_name(decomposed) == "Nguyễn Thị"


@pytest.mark.parametrize("cell", ["=1+1", "+84912", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_safe_neutralises_formulas(cell):
    assert csv_safe(cell) == "'" + cell


def test_csv_safe_keeps_ordinary_text():
    assert csv_safe("Công ty A") == "Công ty A"
    assert csv_safe(None) == ""
    assert csv_safe(12) == "12"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("0084912345678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0225 3842 345", "+842253842345"),
        ("+33 1 42 68 53 00", "+33142685300"),
    ],
)
def test_normalize_phone_accepts_vietnamese_and_international(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "091234", "abc", "0912345678901234", "+84 12", "1" * 40])
def test_normalize_phone_refuses_bad_numbers(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_display_phone_uses_national_form_for_vietnam():
    assert display_phone("+84912345678") == "0912 345 678"
    assert display_phone("+33142685300") == "+33 1 42 68 53 00"


def test_badge_codes_are_128_bit_base32_and_distinct():
    codes = {new_badge_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(code) == 26 and normalize_badge_code(code) == code for code in codes)
    assert normalize_badge_code("0" * 26) is None  # 0 is not in the base32 alphabet
    assert normalize_badge_code("A" * 25) is None
