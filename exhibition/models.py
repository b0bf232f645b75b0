"""Every domain's models, for Alembic and the shell."""

from .admin.models import User
from .checkin.models import Device, Scan, ScanResult, ScanType
from .events.models import Event
from .mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from .reference.models import Province, Sector
from .visitors.models import (
    Consent,
    ConsentPurpose,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    VisitorCategory,
    registration_sectors,
)

__all__ = [
    "Consent",
    "ConsentPurpose",
    "Device",
    "Event",
    "MessageStatus",
    "OutboxAttachment",
    "OutboxMessage",
    "Province",
    "Registration",
    "RegistrationSource",
    "RegistrationStatus",
    "Scan",
    "ScanResult",
    "ScanType",
    "Sector",
    "User",
    "VisitorCategory",
    "registration_sectors",
]
