"""Amounts of dong: read from statements as banks write them, and said in Vietnamese words."""

import pytest

from exhibition.payments.money import in_words, read_amount


@pytest.mark.parametrize(
    "text",
    ["33.000.000", "33,000,000", "33000000", "33000000 VND", "33.000.000 đ", "33.000.000,00",
     "33,000,000.00", " 33.000.000 VNĐ ", "33 000 000", "+33.000.000", "33.000.000₫"],
)  # fmt: skip
def test_statement_amounts_in_every_bank_style_read_as_whole_dong(text):
    assert read_amount(text) == 33_000_000


@pytest.mark.parametrize("text", ["-1.000.000", "(1.000.000)", "-1000000 VND"])
def test_debits_read_as_negative(text):
    assert read_amount(text) == -1_000_000


@pytest.mark.parametrize(
    "text",
    ["", "abc", "12,5", "1.000,50", "1.00.000", "1,000.000.000", "33.000.000.", "--5", "1e6"],
)
def test_what_is_not_a_whole_amount_of_dong_is_refused(text):
    with pytest.raises(ValueError):
        read_amount(text)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm linh năm đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (104_000, "Một trăm linh bốn nghìn đồng"),
        (1_020_000, "Một triệu không trăm hai mươi nghìn đồng"),
        (18_750_000, "Mười tám triệu bảy trăm năm mươi nghìn đồng"),
        (33_000_000, "Ba mươi ba triệu đồng"),
        (2_500_000_000, "Hai tỷ năm trăm triệu đồng"),
        (1_000_000_001, "Một tỷ không trăm linh một đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
    ],
)
def test_amounts_in_words_as_a_payment_request_writes_them(amount, words):
    assert in_words(amount) == words
