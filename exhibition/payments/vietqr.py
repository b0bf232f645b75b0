"""The VietQR payload of a bank transfer (NAPAS 247, EMVCo merchant-presented QR): what a payer's
bank app reads to fill in the receiving account, the amount and the memo.

Each field is ID (2 digits), length (2 digits) and value; the last field, 63, is the CRC-16/
CCITT-FALSE of everything before it, "6304" included, in four upper-case hex digits.
"""

import re

NAPAS_GUID = "A000000727"  # field 38's "globally unique identifier" of NAPAS
SERVICE = "QRIBFTTA"  # a transfer to an account (QRIBFTTC would be to a card)
DONG = "704"  # ISO 4217
_BIN = re.compile(r"\d{6}")  # the receiving bank's NAPAS BIN, such as 970436
_ACCOUNT = re.compile(r"[0-9A-Z]{1,19}")
_PURPOSE = re.compile(r"[0-9A-Z]{1,25}")
MAX_AMOUNT = 10**13 - 1  # field 54 holds at most 13 characters


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def field(tag: str, value: str) -> str:
    """One ID-length-value field."""
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def payload(*, bin: str, account: str, amount: int | None, purpose: str) -> str:
    """The dynamic VietQR text for a transfer of `amount` dong (none: the payer types it) to
    `account` at the bank `bin`, with `purpose` (the payment reference) as the memo."""
    if not _BIN.fullmatch(bin) or not _ACCOUNT.fullmatch(account):
        raise ValueError("a bank BIN of 6 digits and an account of at most 19 letters or digits")
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("a memo of at most 25 upper-case letters or digits")
    if amount is not None and not 0 < amount <= MAX_AMOUNT:
        raise ValueError(f"an amount of 1 to {MAX_AMOUNT} dong")
    beneficiary = field("00", bin) + field("01", account)
    text = "".join(
        [
            field("00", "01"),  # payload format
            field("01", "12"),  # dynamic: for this one payment
            field("38", field("00", NAPAS_GUID) + field("01", beneficiary) + field("02", SERVICE)),
            field("53", DONG),
            field("54", str(amount)) if amount is not None else "",
            field("58", "VN"),
            field("62", field("08", purpose)),
            "6304",
        ]
    )
    return text + f"{crc16(text.encode('ascii')):04X}"
