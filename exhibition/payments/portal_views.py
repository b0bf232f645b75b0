"""What the exhibitor portal shows of booth fees: the company's own payment requests as PDF."""

from flask import Blueprint, request

from ..exhibitors.portal_views import signed_in
from . import services
from .document_views import pdf_response

bp = Blueprint("payment_portal", __name__, url_prefix="/events/<slug>/portal/payments")


@bp.get("/<int:request_id>.pdf")
@signed_in
def request_pdf(event, exhibitor, request_id: int):
    """One of the company's payment requests as a PDF; another company's is not found (404)."""
    payment_request = services.get_request(event=event, request_id=request_id)
    if payment_request.exhibitor_id != exhibitor.id:
        raise services.RequestNotFound()
    return pdf_response(payment_request, request.args.get("language"))
