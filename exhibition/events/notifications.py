"""The exhibition's e-mails of news: a post sent to everyone registered who agreed to news, in
their language, through the outbox (mail.services.queue_email)."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..errors import DomainError
from ..extensions import db
from ..mail.models import MessageKind
from ..mail.services import queue_email
from ..urls import public_url
from ..visitors.models import Consent, ConsentPurpose, Registration
from .news import listed, shown_body
from .news_models import NewsPost, NewsSend


class NotPublished(DomainError):
    code = "post_not_published"
    status = 409
    message = _l("Only a published post can be sent.")


class AlreadySent(DomainError):
    code = "post_already_sent"
    status = 409
    message = _l("This post has already been sent to the subscribers.")


class NotChanged(DomainError):
    code = "post_not_changed"
    status = 409
    message = _l("The post has not changed since it was sent: nothing new to send.")


def subscribers(*, event_id: int) -> sa.Select:
    """The registrations of an exhibition that take news: their latest answer to the news
    question is yes (not withdrawn since), confirmed, not erased, with an e-mail address."""
    latest = (
        sa.select(sa.func.max(Consent.id))
        .where(Consent.registration_id == Registration.id, Consent.purpose == ConsentPurpose.NEWS)
        .correlate(Registration)
        .scalar_subquery()
    )
    return (
        sa.select(Registration)
        .join(Consent, Consent.id == latest)
        .where(
            Registration.event_id == event_id,
            Registration.badge_works(),
            Consent.granted.is_(True),
            # Walk-ins without an address have a placeholder in the reserved ".invalid" domain.
            sa.not_(Registration.email_key.like("%.invalid")),
        )
        .order_by(Registration.id)
    )


def queue_news(*, post: NewsPost, registration: Registration) -> None:
    """The post as an e-mail to one subscriber, in their language, with the link to their own
    page (where the news consent is withdrawn)."""
    event = post.event
    language = registration.language
    queue_email(
        "news",
        {
            "post": post,
            "event": event,
            "registration": registration,
            "body": shown_body(post, language),
            "post_url": public_url(
                "news.post", slug=event.slug, post_slug=post.slug, lang=language
            ),
            "manage_url": public_url(
                "visitors.manage", token=registration.manage_token, lang=language
            ),
        },  # fmt: skip
        to=registration.email,
        subject=post.tr("title", language),
        kind=MessageKind.NEWS,
        language=language,
        registration_id=registration.id,
        **event.mail_fields(language),
    )


def send_to_subscribers(
    *, post: NewsPost, round: int, again: bool = False, sent_by_id: int | None = None
) -> NewsSend:
    """Queue the post to every subscriber, as sending `round` (1 the first time; the form
    carries it, so that a second press of the same button sends nothing: AlreadySent). `again`
    sends a post changed since its last sending once more (NotChanged when it is not)."""
    now = utcnow()
    if not db.session.scalar(sa.select(sa.exists().where(NewsPost.id == post.id, listed(now)))):
        raise NotPublished()
    sends = list(post.sends)
    if again:
        if not sends:
            raise InvalidRound()
        if sends[-1].post_version == post.version:
            raise NotChanged()
    if round != len(sends) + 1 or (not again and sends):
        raise AlreadySent()
    record = NewsSend(
        post_id=post.id, round=round, post_version=post.version, sent_by_id=sent_by_id
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError as error:  # the same round, pressed twice at once
        raise AlreadySent() from error
    count = 0
    for registration in db.session.scalars(subscribers(event_id=post.event_id)):
        if registration.has_email:
            queue_news(post=post, registration=registration)
            count += 1
    record.recipients = count
    db.session.flush()
    return record


class InvalidRound(AlreadySent):
    code = "post_not_sent_yet"
    message = _l("The post has not been sent yet: send it first.")
