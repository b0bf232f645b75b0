"""Staff accounts, their roles per exhibition, and the audit log."""

import enum
import secrets
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..extensions import db


class Role(enum.Enum):
    """What a staff member may do in one exhibition (administrators may do everything everywhere)."""

    ORGANISER = "organiser"  # the whole exhibition
    CHECKIN = "checkin"  # check-in stations and the walk-in desk
    EXHIBITORS = "exhibitors"  # exhibitors, booths and the floor plan
    FINANCE = "finance"  # booth fees: payment requests, bank transactions, e-invoice data
    MATCHMAKING = "matchmaking"  # business matching: sessions, participants, the schedule
    EDITOR = "editor"  # news and announcements: writes, publishes and sends them


def new_session_token() -> str:
    return secrets.token_hex(16)


def hash_password(password: str) -> str:
    """A hash of `password` made with the method of PASSWORD_HASH_METHOD (werkzeug's scrypt at its
    full cost unless a test asks for a cheap one). The hash names its method and cost, so checking
    it needs no setting."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password, made like real ones: checked when there is no account to
    check, so that an unknown e-mail address takes as long to refuse as a known one."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one behind `password_hash`; with no hash, always False, after
    the same work."""
    if password_hash is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False
    return check_password_hash(password_hash, password)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Administrators manage accounts and create exhibitions; everyone else works through roles.
    administrator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the identity in every session and remember-me cookie of this account (get_id):
    # a new value ends them all. Sign-out, a new password and switching the account off do so.
    session_token: Mapped[str] = mapped_column(
        sa.String(32), default=new_session_token, server_default=""
    )

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def label(self) -> str:
        return self.name or self.email

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the account and its current session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every cookie this account was given so far stops working."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)


class Membership(db.Model):
    """One role of one staff member in one exhibition."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "event_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = parent_key("events")
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    event: Mapped["Event"] = relationship()  # noqa: F821 (events.models)


class AuditEntry(db.Model):
    """Who did what, when. Holds ids and business facts, never a visitor's personal data, so it
    survives the erasure of the person it concerns."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_event_id_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text so the entry still says who it was after the account is deleted.
    actor: Mapped[str] = mapped_column(sa.String(254))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32), default="")
    target_id: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    # The facts of the entry as codes and numbers ({"format": "xlsx", "rows": 73}); the log words
    # them in the reader's language (audit.describe). Names organisers typed are kept in both
    # languages ({"vi": ..., "en": ...}). Empty for entries whose summary says it all.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")

    user: Mapped[User | None] = relationship()
    event: Mapped["Event | None"] = relationship()  # noqa: F821
