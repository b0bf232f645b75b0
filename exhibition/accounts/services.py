"""Organiser accounts and exports."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from .models import Membership, Role, User, hash_password, new_session_token, password_matches


class LoginFailed(DomainError):
    code = "login_failed"
    status = 401
    message = _l("The e-mail or password is not right.")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise DomainError(_l("The password needs at least 8 characters."), code="weak_password")


def create_organiser(
    *, email: str, password: str, name: str = "", administrator: bool = True
) -> User:
    """Create a staff account (an administrator unless told otherwise), or set a new password on
    an existing one."""
    email = email.strip().lower()
    _check_password(password)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, administrator=administrator)
        db.session.add(user)
    if name:
        user.name = name
    user.set_password(password)
    db.session.flush()
    return user


class LastAdministrator(DomainError):
    code = "last_administrator"
    status = 409
    message = _l("At least one active administrator must remain.")


class EmailTaken(DomainError):
    code = "email_taken"
    status = 409
    message = _l("Another account already uses this e-mail address.")


def create_staff(*, email: str, name: str, administrator: bool = False) -> User:
    """A new staff account with a password nobody knows: its owner sets one by the link of the
    invitation (password_link). Refused when the e-mail is already used."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise EmailTaken()
    return create_organiser(
        email=email, password=secrets.token_urlsafe(32), name=name, administrator=administrator
    )


PASSWORD_LINK_DAYS = 7  # how long a link to set one's password works


class InvalidPasswordLink(DomainError):
    code = "invalid_password_link"
    status = 410
    message = _l(
        "This link has expired or has been used already. Ask an administrator to send a new one."
    )


def _password_links() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="staff-password-link")


def _fingerprint(user: User) -> str:
    """Changes whenever the account's password or session token does: a link made before that
    (one that was used, or an account switched off since) no longer matches."""
    material = f"{user.id}:{user.session_token}:{user.password_hash}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def password_link(*, user: User, now: datetime | None = None) -> str:
    """The token of a link by which the account's owner sets their own password: signed, valid
    for PASSWORD_LINK_DAYS, and used once (setting the password changes the fingerprint)."""
    expires = (now or utcnow()) + timedelta(days=PASSWORD_LINK_DAYS)
    return _password_links().dumps(
        {"u": user.id, "f": _fingerprint(user), "x": int(expires.timestamp())}
    )


def password_link_user(*, token: str, now: datetime | None = None) -> User:
    """The active account a link is for, while it works; else InvalidPasswordLink."""
    try:
        data = _password_links().loads(token)
        user_id, fingerprint, expires = int(data["u"]), str(data["f"]), int(data["x"])
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidPasswordLink() from error
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.active
        or expires < (now or utcnow()).timestamp()
        or not hmac.compare_digest(_fingerprint(user), fingerprint)
    ):
        raise InvalidPasswordLink()
    return user


def set_own_password(*, token: str, password: str, now: datetime | None = None) -> User:
    """Set the password of the account a link is for; the link, and every session the account
    had, then stop working. Two uses of one link at once: one wins, the other is refused."""
    user = password_link_user(token=token, now=now)
    _check_password(password)
    done = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            User.session_token == user.session_token,
            User.password_hash == user.password_hash,
        )
        .values(password_hash=hash_password(password), session_token=new_session_token())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user)  # read again: the new hash and session token
    if done.rowcount != 1:
        raise InvalidPasswordLink()
    return user


def update_staff(
    *,
    user: User,
    name: str,
    active: bool,
    administrator: bool,
    roles: set[tuple[int, Role]],
) -> None:
    """Change an account: its name, whether it may sign in, administrator or not, and its roles
    as (event id, role) pairs. The last active administrator cannot be demoted or disabled."""
    if user.administrator and user.active and not (administrator and active):
        others = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.administrator.is_(True), User.active.is_(True), User.id != user.id)
        )
        if not others:
            raise LastAdministrator()
    if user.active and not active:
        user.end_sessions()  # switching it on again does not bring the old cookies back
    user.name = name
    user.active = active
    user.administrator = administrator
    held = {(m.event_id, m.role): m for m in user.memberships}
    for key, membership in held.items():
        if key not in roles:
            user.memberships.remove(membership)
    for event_id, role in sorted(roles - held.keys(), key=lambda pair: (pair[0], pair[1].value)):
        user.memberships.append(Membership(event_id=event_id, role=role))
    db.session.flush()


def sign_out(*, user: User) -> None:
    """End every session of this account: its cookies on every device stop working."""
    user.end_sessions()
    db.session.flush()


def grant_role(*, user: User, event, role: Role) -> None:
    """Give a staff member a role in an exhibition (nothing happens if they hold it already)."""
    if not any(m.event_id == event.id and m.role is role for m in user.memberships):
        user.memberships.append(Membership(event_id=event.id, role=role))
        db.session.flush()


def list_staff() -> list[User]:
    """Every staff account with its roles, administrators first."""
    return list(
        db.session.scalars(
            sa.select(User)
            .options(selectinload(User.memberships))
            .order_by(User.administrator.desc(), User.email)
        )
    )


def authenticate(*, email: str, password: str, now: datetime | None = None) -> User:
    """The active organiser with this e-mail and password, or LoginFailed.

    Every attempt checks one password hash (a dummy one when there is no such account), so the
    time of the answer does not tell which e-mail addresses have an account."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    matches = password_matches(user.password_hash if user is not None else None, password)
    if user is None or not user.active or not matches:
        raise LoginFailed()
    user.last_login_at = now or utcnow()
    return user
