"""Every domain's models, for Alembic and the shell."""

from .accounts.models import AuditEntry, Membership, Role, User
from .booths.models import Booth, BoothAssignment, BoothStatus, BoothType, Hall
from .checkin.models import Checkpoint, Device, Presence, Scan, ScanResult, ScanType
from .events.models import Event
from .exhibitors.models import (
    BoothPreference,
    Exhibitor,
    ExhibitorStatus,
    ExhibitorStatusChange,
    exhibitor_sectors,
)
from .mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from .programme.models import (
    BookingStatus,
    ConferenceSession,
    Invitation,
    InvitationStatus,
    PersonRole,
    Room,
    RoomWindow,
    SessionAccess,
    SessionBooking,
    SessionPerson,
    SessionType,
    Speaker,
)
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
    "AuditEntry",
    "Membership",
    "Role",
    "Checkpoint",
    "Presence",
    "BookingStatus",
    "ConferenceSession",
    "Invitation",
    "InvitationStatus",
    "PersonRole",
    "Room",
    "RoomWindow",
    "SessionAccess",
    "SessionBooking",
    "SessionPerson",
    "SessionType",
    "Speaker",
    "Booth",
    "BoothAssignment",
    "BoothPreference",
    "BoothStatus",
    "BoothType",
    "Exhibitor",
    "ExhibitorStatus",
    "ExhibitorStatusChange",
    "Hall",
    "exhibitor_sectors",
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
