"""Every GET page of the app, with the demo exhibition loaded, answers without a server error,
for an anonymous visitor and for a signed-in organiser."""

import sqlalchemy as sa

from exhibition.badges.models import Certificate
from exhibition.events.news_models import NewsPost
from exhibition.extensions import db
from exhibition.matchmaking.models import Meeting, MeetingSession, Participant
from exhibition.payments.models import BankTransaction, PaymentLine, PaymentRequest
from exhibition.programme.models import ConferenceSession, Invitation, Room, SessionBooking, Speaker
from tests.conftest import login_client


def demo_values(app):
    from exhibition.booths.models import Booth
    from exhibition.events.demo import seed_demo
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus
    from exhibition.mail.models import OutboxMessage
    from exhibition.payments.models import InvoiceTask
    from exhibition.visitors.addresses import address_proof
    from exhibition.visitors.models import Registration

    with app.app_context():
        event, _ = seed_demo(visitors=12)
        db.session.commit()
        registration = db.session.scalar(sa.select(Registration).order_by(Registration.id))
        exhibitor = db.session.scalar(
            sa.select(Exhibitor)
            .where(Exhibitor.status == ExhibitorStatus.CONFIRMED)
            .order_by(Exhibitor.id)
        )
        return {
            "slug": event.slug,
            "token": registration.manage_token,
            "proof": address_proof(registration=registration),
            "feed_token": registration.feed_token,
            "registration_id": registration.id,
            "exhibitor_id": exhibitor.id,
            "code": db.session.scalar(sa.select(Booth.code).order_by(Booth.id)),
            "message_id": db.session.scalar(sa.select(OutboxMessage.id)) or 1,
            "device_id": 1,
            "user_id": 1,
            "scan_id": 1,
            "lead_id": 1,
            "scanner_id": 1,
            "kind": "csv",
            "image": "png",
            "session_id": db.session.scalar(
                sa.select(ConferenceSession.id).order_by(ConferenceSession.id)
            ),
            "room_id": db.session.scalar(sa.select(Room.id).order_by(Room.id)),
            "category_id": registration.category_id,
            "speaker_id": db.session.scalar(sa.select(Speaker.id).order_by(Speaker.id)),
            "booking_id": db.session.scalar(sa.select(SessionBooking.id)) or 1,
            "invitation_id": db.session.scalar(sa.select(Invitation.id)) or 1,
            "action": "approve",
            "checkpoint_id": 1,
            "name": "0" * 32 + ".png",
            "request_id": db.session.scalar(
                sa.select(PaymentRequest.id).order_by(PaymentRequest.id)
            ),
            "line_id": db.session.scalar(sa.select(PaymentLine.id).order_by(PaymentLine.id)),
            "transaction_id": db.session.scalar(
                sa.select(BankTransaction.id).order_by(BankTransaction.id)
            ),
            "task_id": db.session.scalar(sa.select(InvoiceTask.id)) or 1,
            "import_id": 1,
            "profile_id": 1,
            # business matching (the demo may have none: then the pages answer 404)
            "meeting_session_id": db.session.scalar(
                sa.select(MeetingSession.id).order_by(MeetingSession.id)
            )
            or 1,
            "meeting_id": db.session.scalar(sa.select(Meeting.id).order_by(Meeting.id)) or 1,
            "participant_id": db.session.scalar(sa.select(Participant.id).order_by(Participant.id))
            or 1,
            "person_id": db.session.scalar(sa.select(Participant.id).order_by(Participant.id)) or 1,
            # certificates (the demo issues some only when it opens today)
            "certificate_id": db.session.scalar(sa.select(Certificate.id)) or 1,
            # lead retrieval (the portal's pages need its sign-in; the ids may not exist)
            "question_id": 1,
            # news (the demo's first post is the Department's announcement, published)
            "post_id": db.session.scalar(sa.select(NewsPost.id).order_by(NewsPost.id)) or 1,
            "post_slug": db.session.scalar(sa.select(NewsPost.slug).order_by(NewsPost.id)) or "x",
            "attachment_id": 1,
            "language": "vi",
        }


def get_urls(app, values):
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            args = {name: values[name] for name in rule.arguments}
            urls.append(url_for(rule.endpoint, **args))
    return urls


def test_every_get_page_answers_without_a_server_error(app):
    values = demo_values(app)
    urls = get_urls(app, values)
    assert len(urls) >= 40
    anonymous = app.test_client()
    organiser = login_client(app, app.test_client())
    for client in (anonymous, organiser):
        for url in urls:
            for lang in ("vi", "en"):
                response = client.get(url, query_string={"lang": lang})
                assert response.status_code < 500, (url, lang, response.status_code)
