"""Text helpers: search folding, CSV safety, phone numbers, badge codes."""

import unicodedata

import pytest

from exhibition.badges.services import new_badge_code, normalize_badge_code
from exhibition.phone import display_phone, normalize_phone
from exhibition.text import csv_safe, fold, name_problem, normalize_name


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


@pytest.mark.parametrize(
    "name",
    ["Nguyễn Thị Ánh Tuyết", "Phạm Ngọc Ệ", "José Müller", "李小龍", "Kim Min-jun", "O'Brien"],
)
def test_name_problem_accepts_real_names_in_nfc_and_nfd(name):
    assert name_problem(name) is None
    assert name_problem(unicodedata.normalize("NFD", name)) is None


@pytest.mark.parametrize(
    "name",
    ["\u115f\u1160", "\u3164", "\uffa0\uffa0", "\u200b\u200b", "\u200c\u200d", "\u2060", "- .", ""],
)
def test_name_problem_refuses_names_without_a_visible_letter(name):
    assert name_problem(name) == "no_visible_letter"


def test_name_problem_allows_three_marks_per_letter_and_refuses_four():
    assert name_problem("Lan" + "\u0301\u0323\u0302") is None
    assert name_problem("Lan" + "\u0301\u0323\u0302\u0306") == "too_many_marks"
    assert name_problem("a" + "\u0301" * 119) == "too_many_marks"
    assert name_problem("\u0301\u0301\u0301\u0301 An") == "too_many_marks"


def test_vietnamese_sort_key_orders_letters_and_tones_the_vietnamese_way():
    from exhibition.text import vietnamese_sort_key

    countries = ["Úc", "Đức", "Áo", "Ấn Độ", "Anh", "Ba Lan", "Bỉ", "Bahamas", "Đan Mạch", "Dominica"]  # fmt: skip
    assert sorted(countries, key=vietnamese_sort_key) == [
        "Anh", "Áo", "Ấn Độ", "Ba Lan", "Bahamas", "Bỉ", "Dominica", "Đan Mạch", "Đức", "Úc",
    ]  # fmt: skip
    assert sorted(["mạ", "má", "mã", "mả", "mà", "ma"], key=vietnamese_sort_key) == [
        "ma", "mà", "mả", "mã", "má", "mạ",
    ]  # fmt: skip
    assert sorted(["Cơ khí", "Công", "Cô", "Co"], key=vietnamese_sort_key) == [
        "Co", "Cô", "Công", "Cơ khí",
    ]  # fmt: skip
    # Decomposed input (as some keyboards send it) sorts like the composed form.
    assert (
        vietnamese_sort_key("Ấn Độ")[:2]
        == vietnamese_sort_key(unicodedata.normalize("NFD", "Ấn Độ"))[:2]
    )


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Công ty TNHH Cơ khí Chính xác Hải An", "Cơ khí Chính xác Hải An"),
        ("Công ty CP Khuôn mẫu Đông Á", "Khuôn mẫu Đông Á"),
        ("Công ty Cổ phần Nhựa Tiền Phong", "Nhựa Tiền Phong"),
        ("CÔNG TY TRÁCH NHIỆM HỮU HẠN Bao bì Kiến An", "Bao bì Kiến An"),
        ("Công ty TNHH MTV Cảng Hải Phòng", "Cảng Hải Phòng"),
        ("Chi nhánh Công ty TNHH Xăng dầu tại Hải Phòng", "Xăng dầu tại Hải Phòng"),
        ("Tập đoàn Hòa Phát", "Hòa Phát"),
        ("Doanh nghiệp tư nhân Minh Châu", "Minh Châu"),
        ("CTCP Vinamilk", "Vinamilk"),
        ("Hai An Precision Engineering Co., Ltd.", "Hai An Precision Engineering"),
        ("Dong A Mould JSC", "Dong A Mould"),
        ("Vietnam Steel Corp.", "Vietnam Steel"),
        ("Công ty", "Công ty"),
    ],
)
def test_company_short_name_drops_the_legal_form(name, short):
    from exhibition.text import company_short_name

    assert company_short_name(name) == short


def test_parse_day_reads_only_a_plain_day_of_sensible_years():
    from datetime import date

    from exhibition.text import parse_day

    assert parse_day("2026-05-20") == date(2026, 5, 20)
    assert parse_day("2000-01-01") == date(2000, 1, 1)
    assert parse_day("2100-12-31") == date(2100, 12, 31)
    for value in (None, "", "0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01", "2026-02-30",
                  "20260520", "2026-W21-3", "２０２６-05-20", "2026-05-20T00:00", " 2026-05-20"):  # fmt: skip
        assert parse_day(value) is None, value
