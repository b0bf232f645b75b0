"""Organisers' programme: rooms, speakers, sessions, the schedule grid, conflicts, attendance."""

from flask import Blueprint

from ..admin.views import require_login

bp = Blueprint("programme", __name__, url_prefix="/admin/events/<slug>/programme")
bp.before_request(require_login)
