"""What a payer needs to pay a request: the bank, the account and its holder, the amount still
owed, the memo, and the VietQR of all of it (for pages, e-mails and the PDF alike)."""

from dataclasses import dataclass

from ..qr import qr_png, qr_svg, qr_svg_data_uri
from . import banks, vietqr
from .models import PaymentRequest, PaymentSettings


@dataclass(frozen=True)
class Transfer:
    bank: banks.Bank
    account_number: str
    account_holder: str
    amount_vnd: int  # what is still owed
    memo: str  # the request's reference

    @property
    def payload(self) -> str:
        """The VietQR text: the outstanding amount and the reference (none when nothing is owed)."""
        return vietqr.payload(
            bin=self.bank.bin,
            account=self.account_number,
            amount=self.amount_vnd or None,
            purpose=self.memo,
        )

    def svg(self) -> bytes:
        return qr_svg(self.payload)

    def svg_data_uri(self) -> str:
        return qr_svg_data_uri(self.payload)

    def png(self) -> bytes:
        return qr_png(self.payload, box_size=8)


def transfer_of(request: PaymentRequest, settings: PaymentSettings) -> Transfer:
    return Transfer(
        bank=banks.bank_of(settings.bank_bin)
        or banks.Bank(settings.bank_bin, settings.bank_bin, ""),
        account_number=settings.account_number,
        account_holder=settings.account_holder,
        amount_vnd=request.outstanding_vnd,
        memo=request.reference,
    )
