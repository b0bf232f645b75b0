"""Invitations to invitation-only sessions: organisers import and send; delegates answer."""

from flask import Blueprint

admin_bp = Blueprint("invitations", __name__, url_prefix="/admin/events/<slug>/programme")
bp = Blueprint("invitation", __name__, url_prefix="/invitations")
