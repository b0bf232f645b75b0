"""VietQR payloads, read back by a decoder written here from the EMVCo layout (not the one that
built them), their CRC checked with the standard library's CRC-CCITT, and the QR image read by a
real decoder (zxing-cpp)."""

import binascii
import io

import pytest
import zxingcpp
from PIL import Image

from exhibition.payments.vietqr import crc16, payload
from exhibition.qr import qr_png


def decode(text: str) -> dict[str, str]:
    """ID-length-value fields, in order, as a dict (nested ones are decoded by the caller)."""
    fields, position = {}, 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        fields[tag] = text[position + 4 : position + 4 + length]
        position += 4 + length
    assert position == len(text)
    return fields


def crc_is_right(text: str) -> bool:
    body, crc = text[:-4], text[-4:]
    return body.endswith("6304") and f"{binascii.crc_hqx(body.encode(), 0xFFFF):04X}" == crc


def test_crc_is_crc16_ccitt_false():
    assert crc16(b"123456789") == 0x29B1  # the catalogue's check value
    assert crc16(b"") == 0xFFFF


def test_payload_holds_the_account_amount_and_reference_and_a_right_crc():
    text = payload(bin="970436", account="0011004326789", amount=33_000_000, purpose="HP26K7Q2M9X")
    assert crc_is_right(text)
    fields = decode(text)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert (fields["00"], fields["01"], fields["53"], fields["58"]) == ("01", "12", "704", "VN")
    assert fields["54"] == "33000000"
    merchant = decode(fields["38"])
    assert merchant == {"00": "A000000727", "01": merchant["01"], "02": "QRIBFTTA"}
    assert decode(merchant["01"]) == {"00": "970436", "01": "0011004326789"}
    assert decode(fields["62"]) == {"08": "HP26K7Q2M9X"}


def test_payload_without_an_amount_leaves_it_to_the_payer():
    text = payload(bin="970415", account="113366668888", amount=None, purpose="HP26K7Q2M9X")
    assert crc_is_right(text)
    assert "54" not in decode(text)


@pytest.mark.parametrize(
    "arguments",
    [
        {"bin": "97043", "account": "1", "amount": 1, "purpose": "HP26K7Q2M9X"},
        {"bin": "970436", "account": "", "amount": 1, "purpose": "HP26K7Q2M9X"},
        {"bin": "970436", "account": "1" * 20, "amount": 1, "purpose": "HP26K7Q2M9X"},
        {"bin": "970436", "account": "1", "amount": 0, "purpose": "HP26K7Q2M9X"},
        {"bin": "970436", "account": "1", "amount": -5, "purpose": "HP26K7Q2M9X"},
        {"bin": "970436", "account": "1", "amount": 10**13, "purpose": "HP26K7Q2M9X"},
        {"bin": "970436", "account": "1", "amount": 1, "purpose": "hp26 k7q2"},
        {"bin": "970436", "account": "1", "amount": 1, "purpose": "X" * 26},
    ],
)
def test_payload_refuses_what_a_bank_app_could_not_read(arguments):
    with pytest.raises(ValueError):
        payload(**arguments)


def test_the_qr_image_reads_back_as_the_payload():
    text = payload(bin="970436", account="0011004326789", amount=12_345_678, purpose="HP26K7Q2M9X")
    image = Image.open(io.BytesIO(qr_png(text)))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [text]


@pytest.mark.parametrize(
    ("bank", "account", "amount"),
    [
        ("970436", "0031000888666", 16_200_000),  # Vietcombank
        ("970415", "113366668888", 1),  # VietinBank, one dong
        ("970418", "21510001234567", 999_999_999_999),  # BIDV, nearly a thousand billion
        ("970422", "0901234567", 5_400_000),  # MB, a phone-number account
        ("970407", "19036688991012", 33_000_000),  # Techcombank
        ("970416", "ABC123456", 7_777_777),  # ACB, letters in the account
    ],
)
def test_payloads_of_several_banks_and_amounts_decode_and_a_tampered_one_fails(
    bank, account, amount
):
    from exhibition.payments.banks import BY_BIN

    assert bank in BY_BIN
    text = payload(bin=bank, account=account, amount=amount, purpose="HP26K7Q2M9X")
    assert crc_is_right(text)
    fields = decode(text)
    assert fields["54"] == str(amount)
    assert decode(decode(fields["38"])["01"]) == {"00": bank, "01": account}
    image = Image.open(io.BytesIO(qr_png(text)))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [text]
    # One character changed anywhere before the CRC (the amount, the account, the memo) is caught.
    for position in (text.index(str(amount)), text.index(account), text.index("HP26K7Q2M9X") + 4):
        changed = "1" if text[position] != "1" else "2"
        tampered = text[:position] + changed + text[position + 1 :]
        assert not crc_is_right(tampered), position
