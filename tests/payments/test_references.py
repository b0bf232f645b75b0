"""Payment references: the memo code a payer types, read forgivingly and checked."""

import re

import pytest

from exhibition.payments.references import (
    ALPHABET,
    MAX_LENGTH,
    check_character,
    new_reference,
    read_reference,
    references_in,
)


def test_new_reference_is_the_prefix_six_characters_and_a_check_character():
    references = {new_reference("HP26") for _ in range(200)}
    assert len(references) == 200
    for reference in references:
        assert re.fullmatch(r"HP26[0-9A-HJKMNP-TV-Z]{7}", reference), reference
        assert len(reference) <= MAX_LENGTH
        assert read_reference(reference, "HP26") == reference


@pytest.mark.parametrize("prefix", ["", "hp26", "H", "HP-26", "26HP", "HP26ABCDE"])
def test_new_reference_refuses_a_prefix_that_is_not_short_upper_case_letters_and_digits(prefix):
    with pytest.raises(ValueError):
        new_reference(prefix)


def test_reading_tolerates_lower_case_and_o_for_zero_and_i_or_l_for_one():
    body = "10K7Q0"
    reference = "HP26" + body + check_character(body)
    typed = reference.lower().replace("0", "o").replace("1", "l", 1)
    assert read_reference(typed, "HP26") == reference
    assert read_reference(reference.replace("1", "I"), "HP26") == reference


def test_every_single_mistyped_character_is_caught():
    reference = "HP26" + "K7Q2M9" + check_character("K7Q2M9")
    caught = 0
    for position in range(4, len(reference)):
        for other in ALPHABET:
            if other == reference[position]:
                continue
            typo = reference[:position] + other + reference[position + 1 :]
            assert read_reference(typo, "HP26") is None, typo
            caught += 1
    assert caught == 7 * 31


def test_another_prefix_or_length_is_not_a_reference():
    reference = new_reference("HP26")
    assert read_reference(reference, "HN26") is None
    assert read_reference(reference + "0", "HP26") is None
    assert read_reference(reference[:-1], "HP26") is None


def test_references_are_found_anywhere_in_a_bank_memo():
    reference = new_reference("HP26")
    spaced = f"{reference[:4]} {reference[4:8]}-{reference[8:]}".lower()
    memos = [
        f"MBVCB.5321098765.{reference}.CT tu 0011004326789 CONG TY TNHH CO KHI HAI AN",
        f"IBFT {spaced} thanh toán gian hàng",
        f"{reference}",
    ]
    for memo in memos:
        assert references_in(memo, "HP26") == [reference], memo


def test_a_memo_with_two_references_gives_both_and_one_without_gives_none():
    first, second = new_reference("HP26"), new_reference("HP26")
    assert references_in(f"{first} va {second} va {first}", "HP26") == [first, second]
    assert references_in("Thanh toan phi gian hang HP26", "HP26") == []
    assert references_in("", "HP26") == []
