"""How the audit log names a registration: by number and category, never by its personal data."""

from ..accounts.audit import both, record
from .models import Registration


def log_registration(*, actor, action: str, registration: Registration) -> None:
    """An entry for `action` on the registration, in the caller's transaction."""
    category = registration.category
    record(
        actor=actor,
        action=action,
        event=registration.event,
        target=registration,
        summary=category.code,
        details={"category": both(category.name_vi, category.name_en)},
    )
