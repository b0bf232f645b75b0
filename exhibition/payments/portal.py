"""What the exhibitor portal shows of a company's booth fees: each payment request with what is
still owed and, while it is, how to pay it (the bank details and the VietQR)."""

from dataclasses import dataclass

from ..exhibitors.models import Exhibitor
from . import reports, services
from .models import UNPAID, PaymentRequest
from .transfer import Transfer, transfer_of


@dataclass
class Owed:
    request: PaymentRequest
    transfer: Transfer | None  # while something is owed


def owed(exhibitor: Exhibitor) -> list[Owed]:
    requests = reports.requests_of(exhibitor)
    settings = services.settings_of(exhibitor.event) if requests else None
    return [
        Owed(
            request=request,
            transfer=transfer_of(request, settings)
            if settings and request.state in UNPAID and request.outstanding_vnd
            else None,
        )
        for request in requests
    ]
