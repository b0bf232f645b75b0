"""Amounts of Vietnamese dong: read as banks' statements write them, and said in words as a
payment request does ("Ba mươi ba triệu đồng")."""

import re

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu")  # then tỷ, which starts over: nghìn tỷ, triệu tỷ
_CURRENCY = re.compile(r"(vnđ|vnd|đồng|dong|đ|₫)", re.IGNORECASE)
_GROUPED = re.compile(r"\d+|\d{1,3}([.,])\d{3}(?:\1\d{3})*")  # 1000, or 1.000 / 1,000


def read_amount(text: str) -> int:
    """Whole dong from a statement's cell: 33.000.000, 33,000,000, 33000000 VND and
    33.000.000,00 all read 33000000; a minus sign or brackets make it negative (a debit).
    ValueError for anything else, a non-zero fraction of a dong included."""
    cleaned = _CURRENCY.sub("", text).replace(" ", "").replace("\u00a0", "").strip()
    negative = cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")"))
    if cleaned[:1] in ("-", "+"):
        cleaned = cleaned[1:]
    elif negative:
        cleaned = cleaned[1:-1]
    whole, fraction = cleaned, ""
    match = re.fullmatch(r"(.+)[.,](\d{1,2})", cleaned)
    if match and not _GROUPED.fullmatch(cleaned):
        whole, fraction = match.groups()
    if not whole or not _GROUPED.fullmatch(whole) or (fraction and int(fraction) != 0):
        raise ValueError(f"not an amount of dong: {text!r}")
    value = int(re.sub(r"[.,]", "", whole))
    return -value if negative else value


def _hundreds(number: int, *, leading: bool) -> list[str]:
    """Up to 999 in words; a group after the first says its hundreds even when there are none
    (một triệu không trăm linh năm)."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words = []
    if hundreds or not leading:
        words += [DIGITS[hundreds], "trăm"]
    if tens > 1:
        words += [DIGITS[tens], "mươi"]
    elif tens == 1:
        words.append("mười")
    elif units and words:
        words.append("linh")
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 5 and tens:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _words(number: int) -> list[str]:
    if number >= 10**9:
        billions, rest = divmod(number, 10**9)
        return [*_words(billions), "tỷ", *(_below_billion(rest, leading=False) if rest else [])]
    return _below_billion(number, leading=True)


def _below_billion(number: int, *, leading: bool) -> list[str]:
    groups = [(number // 1000**i) % 1000 for i in (2, 1, 0)]
    words: list[str] = []
    for group, scale in zip(groups, reversed(SCALES), strict=True):
        if group:
            words += _hundreds(group, leading=leading and not words)
            words += [scale] if scale else []
    return words


def in_words(amount: int) -> str:
    """A whole amount of dong in Vietnamese words, as payment requests and invoices write it."""
    if amount < 0:
        raise ValueError("an amount of dong is not negative")
    words = _words(amount) if amount else [DIGITS[0]]
    text = " ".join([*words, "đồng"])
    return text[0].upper() + text[1:]
