"""The payment request's PDF for organisers and finance staff (what the exhibitor received)."""

from flask import Response, g, request

from ..accounts.access import allow, staff_blueprint
from ..accounts.models import Role
from ..events.services import get_event
from . import pdf, services

bp = staff_blueprint(
    "payment_documents", __name__, url_prefix="/admin/events/<slug>/payments/requests"
)


def pdf_response(payment_request, language: str | None) -> Response:
    """The PDF shown in the browser, named by its reference, kept in no shared cache."""
    language = language if language in pdf.LANGUAGES else payment_request.exhibitor.contact_language
    return Response(
        pdf.render(payment_request, language=language),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{pdf.filename(payment_request, language)}"',
            "Cache-Control": "private, no-store",
            "X-Robots-Tag": "noindex",
        },
    )


@bp.get("/<int:request_id>/pdf")
@allow(Role.ORGANISER, Role.FINANCE)
def request_pdf(slug: str, request_id: int):
    """The request as a PDF, in the contact's language unless ?language=vi|en asks otherwise."""
    g.event = event = get_event(slug=slug)
    payment_request = services.get_request(event=event, request_id=request_id)
    return pdf_response(payment_request, request.args.get("language"))
