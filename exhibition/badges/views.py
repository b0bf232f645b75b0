"""QR images of a person's badge, behind their private link."""

from flask import Blueprint, Response, abort

from ..extensions import guess_limit, limiter  # noqa: E402
from ..qr import qr_png, qr_svg
from ..visitors.services import get_by_manage_token
from .printing import print_badges

bp = Blueprint("badges", __name__)

_PRIVATE = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"}


def _code(token: str) -> str:
    registration = get_by_manage_token(token=token)
    if registration.is_cancelled or registration.is_erased:
        abort(404)
    return registration.badge_code


@bp.get("/r/<token>/badge.svg")
@guess_limit
@limiter.limit("120 per minute")
def svg(token: str):
    """The badge's QR code as SVG."""
    return Response(qr_svg(_code(token)), mimetype="image/svg+xml", headers=_PRIVATE)


@bp.get("/r/<token>/badge.png")
@guess_limit
@limiter.limit("120 per minute")
def png(token: str):
    """The badge's QR code as PNG (download)."""
    return Response(
        qr_png(_code(token)),
        mimetype="image/png",
        headers={**_PRIVATE, "Content-Disposition": 'inline; filename="badge-qr.png"'},
    )


@bp.get("/r/<token>/badge.pdf")
@guess_limit
@limiter.limit("30 per minute")
def pdf(token: str):
    """The person's own badge as an A6 PDF, to print at home (not recorded as printed)."""
    registration = get_by_manage_token(token=token)
    if registration.is_cancelled or registration.is_erased:
        abort(404)
    data = print_badges(registrations=[registration], layout="a6", mark=False)
    return Response(
        data,
        mimetype="application/pdf",
        headers={**_PRIVATE, "Content-Disposition": 'inline; filename="badge.pdf"'},
    )
