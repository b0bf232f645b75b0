"""Erasure of a person's personal data: by the person from their page, by organisers, and after
the exhibition's retention period (`flask purge-personal-data`). Nothing of the person is left in
any text column of any table nor in any file of the instance folder; the figures do not move;
the badge answers like a cancelled one."""

import re
import secrets
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from exhibition.accounts.audit import SELF
from exhibition.accounts.models import AuditEntry
from exhibition.admin.overview import event_overview
from exhibition.checkin.models import Scan
from exhibition.checkin.offline import badge_hash
from exhibition.checkin.stats import event_stats
from exhibition.dbtypes import utcnow
from exhibition.events.models import Event
from exhibition.events.services import get_event
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.mail.models import MessageStatus, OutboxAttachment, OutboxMessage
from exhibition.mail.worker import deliver_batch
from exhibition.phone import display_phone
from exhibition.programme import invitations, seats
from exhibition.programme.models import (
    BookingStatus,
    ConferenceSession,
    Invitation,
    InvitationStatus,
    SessionBooking,
)
from exhibition.text import fold
from exhibition.visitors import services as visitors
from exhibition.visitors.addresses import address_proof
from exhibition.visitors.erasure import AlreadyErased, erase_registration, purge_personal_data
from exhibition.visitors.models import Registration, RegistrationStatus
from tests.conftest import csrf_token, login_client, scan

NAME = "Nguyễn Thị Hồng Nhung"
EMAIL = "Nhung.Nguyen1987@congty-haian.vn"
PHONE = "+84987654321"
NEEDLES = [
    NAME,
    fold(NAME),  # "nguyen thi hong nhung", as searched
    EMAIL,
    EMAIL.split("@")[0],
    PHONE,
    "0987654321",
    display_phone(PHONE),  # "098 765 43 21", as shown in pages and e-mails
]


def _is_text(column) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False


def rows_holding(needles) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text column of every table holding a needle."""
    found = []
    for table in db.metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        for column in table.columns:
            if not _is_text(column):
                continue
            for needle in needles:
                count = db.session.scalar(
                    sa.select(sa.func.count()).select_from(table).where(column.ilike(f"%{needle}%"))
                )
                if count:
                    found.append((table.name, column.name, needle))
    return found


def files_holding(folder: Path, needles) -> list[tuple[str, str]]:
    """(file, needle) for every file under `folder` holding a needle, e-mails decoded."""
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        texts = [raw.decode("utf-8", "replace")]
        if path.suffix == ".eml":
            message = message_from_bytes(raw, policy=policy.default)
            texts += [str(message["To"]), str(message["Subject"])]
            texts += [
                part.get_content()
                for part in message.walk()
                if part.get_content_maintype() == "text"
            ]
        text = "\n".join(texts).casefold()
        found += [(path.name, needle) for needle in needles if needle.casefold() in text]
    return found


def running_event(make_event, **overrides):
    """An exhibition open right now (started two hours ago), registration still open."""
    now = datetime.now(UTC)
    return make_event(
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(days=2),
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now + timedelta(days=1),
        **overrides,
    )


def get(model, row_id):
    return db.session.get(model, row_id)


def erase_on_the_page(client, token):
    page = client.get(f"/r/{token}/erase")
    assert page.status_code == 200
    return client.post(
        f"/r/{token}/erase", data={"csrf_token": csrf_token(page.text), "confirm": "y"}
    )


def figures(event, now):
    overview = event_overview(event=event)
    return event_stats(event=event, now=now), overview


def test_erasure_leaves_nothing_of_the_person_in_any_table_or_file_and_figures_stay(
    app, client, make_event, make_visitor, make_device, make_session, make_exhibitor
):
    running_event(make_event)
    make_exhibitor()
    opening = make_session(title="Phiên khai mạc", start_hours=0, hours=1)  # ended an hour ago
    afternoon = make_session(title="Hội thảo chiều", start_hours=6, hours=2)
    conference = make_session(
        title="Hội nghị cấp quận", room="Phòng 2", start_hours=4, hours=1, access="invitation"
    )
    person = make_visitor(
        full_name=NAME,
        email=EMAIL,
        phone=PHONE,
        organisation="Công ty TNHH Cơ khí Hải An",
        job_title="Trưởng phòng kỹ thuật",
    )
    other = make_visitor(full_name="Trần Văn Bình", email="binh@example.com", phone="+84911222333")
    device = make_device()
    assert scan(client, device, person["badge_code"], "n1").json["result"] == "ok"
    assert scan(client, device, other["badge_code"], "n2").json["result"] == "ok"
    with app.app_context():
        registration = get(Registration, person["id"])
        # The person followed the link in their confirmation e-mail: the address is theirs, so
        # the invitation they accept below joins this registration.
        proof = address_proof(registration=registration)
        assert visitors.prove_address(registration=registration, proof=proof)
        seats.book(
            session=get(ConferenceSession, opening),
            registration=registration,
            now=utcnow() - timedelta(hours=2),
        )
        seats.book(session=get(ConferenceSession, afternoon), registration=registration)
        csv = f"Họ và tên;Chức vụ;Đơn vị;Email;Điện thoại\n{NAME};Phó Giám đốc;Sở Công Thương;{EMAIL};0987 654 321\n"
        report = invitations.import_delegates(
            session=get(ConferenceSession, conference), data=csv.encode(), filename="d.csv"
        )
        assert report.errors == []
        invitations.accept(invitation=report.invitations[0])
        db.session.commit()
        messages = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        assert deliver_batch(limit=50)["sent"] == messages
        event = get_event(slug="expo-2026")
        now = utcnow()
        before_stats, before_overview = figures(event, now)
        # The checks below do find the person before the erasure.
        assert {n for _t, _c, n in rows_holding(NEEDLES)} == set(NEEDLES) - {display_phone(PHONE)}
        assert len({f for f, _n in files_holding(Path(app.instance_path), NEEDLES)}) == 3

    response = erase_on_the_page(client, person["manage_token"])
    assert response.status_code == 302
    assert response.headers["Location"] == f"/r/{person['manage_token']}"

    with app.app_context():
        assert rows_holding(NEEDLES) == []  # the audit log's table included
        assert files_holding(Path(app.instance_path), NEEDLES) == []
        # The erasure itself is in the audit log, by number, and stays there.
        log = db.session.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.target_id)
        ).all()
        assert log == [(SELF, "registration.erased", person["id"])]
        event = get_event(slug="expo-2026")
        after_stats, after_overview = figures(event, now)
        # The day's figures do not move; only seats in sessions still to come are given back.
        freed = (afternoon, conference)
        assert {k: v for k, v in after_stats.items() if k != "by_session"} == {
            k: v for k, v in before_stats.items() if k != "by_session"
        }
        assert after_stats["by_session"] == [
            {**line, "seated": line["seated"] - (line["id"] in freed)}
            for line in before_stats["by_session"]
        ]
        for part in ("registrations", "exhibitors", "booths", "mail"):
            assert after_overview[part] == before_overview[part]
        assert after_overview["sessions"] == [
            {**line, "seats_taken": line["seats_taken"] - (line["id"] in freed)}
            for line in before_overview["sessions"]
        ]
        registration = get(Registration, person["id"])
        assert registration.erased_at is not None
        assert registration.status is RegistrationStatus.CONFIRMED
        assert registration.checked_in_at is not None
        assert (registration.province_code, registration.category.code) == ("HP", "trade")
        assert [s.code for s in registration.sectors] == ["mechanical"]
        assert not registration.has_email
        bookings = {
            b.session_id: b.status
            for b in db.session.scalars(
                sa.select(SessionBooking).where(SessionBooking.registration_id == person["id"])
            )
        }
        assert bookings == {
            opening: BookingStatus.SEATED,
            afternoon: BookingStatus.CANCELLED,
            conference: BookingStatus.CANCELLED,
        }
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.status is InvitationStatus.ACCEPTED
        assert invitation.registration_id == person["id"]
        attachments = (
            sa.select(OutboxMessage.registration_id)
            .join(OutboxAttachment, OutboxAttachment.message_id == OutboxMessage.id)
            .distinct()
        )
        assert db.session.scalars(attachments).all() == [other["id"]]
        assert {m.status for m in db.session.scalars(sa.select(OutboxMessage))} == {
            MessageStatus.SENT
        }
        assert [s.code for s in db.session.scalars(sa.select(Scan).order_by(Scan.id))] == [
            "",
            other["badge_code"],
        ]

    # The link says only that the data was erased; nothing else of it answers.
    token = person["manage_token"]
    page = client.get(f"/r/{token}")
    assert page.status_code == 410
    assert "Personal data erased" in client.get(f"/r/{token}?lang=en").text
    assert NAME not in page.text and "Nhung" not in page.text
    for path in ("badge.png", "badge.svg", "badge.pdf"):
        assert client.get(f"/r/{token}/{path}").status_code == 404
    for path in ("event.ics", "my-data.json", "edit", "cancel", "erase"):
        assert client.get(f"/r/{token}/{path}").status_code == 410
    feed = f"/events/expo-2026/programme/my/{person['feed_token']}.ics"
    assert client.get(feed).status_code == 404

    # The badge answers like a cancelled one, with nothing about the person.
    answer = scan(client, device, person["badge_code"], "n3").json
    assert answer["result"] == "cancelled"
    assert "attendee" not in answer


def test_erased_seat_goes_to_the_first_waiting_and_they_are_emailed(
    app, make_event, make_visitor, make_session
):
    make_event()
    session_id = make_session(capacity=1)
    person = make_visitor(full_name=NAME)
    waiting = make_visitor(full_name="Trần Văn Bình")
    later = make_visitor(full_name="Lê Thị Cúc")
    with app.app_context():
        session = get(ConferenceSession, session_id)
        for visitor in (person, waiting, later):
            seats.book(session=session, registration=get(Registration, visitor["id"]))
        db.session.commit()
        report = erase_registration(registration=get(Registration, person["id"]), reason="person")
        db.session.commit()
        assert report.seats_given_up == 1
        statuses = {
            b.registration_id: b.status
            for b in db.session.scalars(
                sa.select(SessionBooking).where(SessionBooking.session_id == session_id)
            )
        }
        assert statuses == {
            person["id"]: BookingStatus.CANCELLED,
            waiting["id"]: BookingStatus.SEATED,
            later["id"]: BookingStatus.WAITING,
        }
        assert get(ConferenceSession, session_id).seats_taken == 1
        promoted = db.session.scalars(
            sa.select(OutboxMessage.to_address).where(OutboxMessage.kind == "session_promoted")
        ).all()
        assert promoted == [waiting["email"]]


def test_erasure_waiting_entries_are_dropped_and_past_bookings_kept(
    app, make_event, make_visitor, make_session
):
    running_event(make_event)
    past = make_session(title="Đã xong", start_hours=0, hours=1)
    full = make_session(title="Đã đầy", start_hours=5, capacity=1)
    person = make_visitor(full_name=NAME)
    seated = make_visitor(full_name="Trần Văn Bình")
    with app.app_context():
        registration = get(Registration, person["id"])
        seats.book(
            session=get(ConferenceSession, full), registration=get(Registration, seated["id"])
        )
        seats.book(session=get(ConferenceSession, full), registration=registration)
        seats.book(
            session=get(ConferenceSession, past),
            registration=registration,
            now=utcnow() - timedelta(hours=2),
        )
        db.session.commit()
        erase_registration(registration=registration, reason="organiser")
        db.session.commit()
        statuses = dict(
            db.session.execute(
                sa.select(SessionBooking.session_id, SessionBooking.status).where(
                    SessionBooking.registration_id == person["id"]
                )
            ).all()
        )
        assert statuses == {past: BookingStatus.SEATED, full: BookingStatus.CANCELLED}
        assert get(ConferenceSession, full).seats_taken == 1
        assert get(ConferenceSession, past).seats_taken == 1


def test_erase_page_changes_nothing_without_post_csrf_and_confirmation(
    app, client, make_event, make_visitor
):
    make_event()
    person = make_visitor()
    token = person["manage_token"]
    manage = client.get(f"/r/{token}?lang=en")
    assert f'href="/r/{token}/erase"' in manage.text
    page = client.get(f"/r/{token}/erase?lang=en")
    assert page.status_code == 200
    assert "This cannot be undone." in page.text
    assert client.post(f"/r/{token}/erase", data={"confirm": "y"}).status_code == 400
    unconfirmed = client.post(f"/r/{token}/erase", data={"csrf_token": csrf_token(page.text)})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm." in unconfirmed.text
    with app.app_context():
        registration = get(Registration, person["id"])
        assert (registration.erased_at, registration.full_name) == (None, NAME)
    assert erase_on_the_page(client, token).status_code == 302
    with app.app_context():
        assert get(Registration, person["id"]).erased_at is not None
    assert client.get(f"/r/{token}/erase").status_code == 410


def test_erasing_twice_raises_already_erased_and_changes_nothing(app, make_event, make_visitor):
    make_event()
    person = make_visitor()
    with app.app_context():
        registration = get(Registration, person["id"])
        erase_registration(registration=registration, reason="organiser")
        db.session.commit()
        erased_at = registration.erased_at
        with pytest.raises(AlreadyErased) as raised:
            erase_registration(registration=registration, reason="organiser")
        assert raised.value.code == "already_erased"
        db.session.rollback()
        assert get(Registration, person["id"]).erased_at == erased_at


def test_organiser_erases_from_the_registration_page_after_ticking_the_box(
    app, client, make_event, make_visitor
):
    make_event()
    person = make_visitor()
    login_client(app, client)
    url = f"/admin/events/expo-2026/registrations/{person['id']}"
    page = client.get(url + "?lang=en")
    assert f'action="{url}/erase"' in page.text
    response = client.post(url + "/erase", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    with app.app_context():
        assert get(Registration, person["id"]).erased_at is None
    assert "Tick “I understand that this cannot be undone”" in client.get(url).text
    response = client.post(
        url + "/erase", data={"csrf_token": csrf_token(page.text), "confirm": "y"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    detail = client.get(url)
    assert "personal data has been erased" in detail.text
    assert f'action="{url}/erase"' not in detail.text
    assert NAME not in detail.text and person["email"] not in detail.text
    client.post(url + "/erase", data={"csrf_token": csrf_token(page.text), "confirm": "y"})
    assert "already been erased" in client.get(url).text
    missing = client.post(
        "/admin/events/expo-2026/registrations/999/erase",
        data={"csrf_token": csrf_token(page.text), "confirm": "y"},
    )
    assert missing.status_code == 404


def test_organiser_erase_needs_a_signed_in_organiser(app, client, make_event, make_visitor):
    make_event()
    person = make_visitor()
    response = client.post(f"/admin/events/expo-2026/registrations/{person['id']}/erase")
    assert response.status_code in (302, 400, 401)
    with app.app_context():
        assert get(Registration, person["id"]).erased_at is None


def test_offline_badge_list_and_search_drop_the_erased_badge(
    app, client, make_event, make_visitor, make_device
):
    make_event()
    person = make_visitor(phone=PHONE)
    other = make_visitor(full_name="Trần Văn Bình")
    device = make_device()
    headers = {"Authorization": f"Bearer {device}"}

    def hashes():
        listing = client.get("/api/v1/checkpoint/badges", headers=headers)
        assert listing.status_code == 200
        return {b["h"] for b in listing.json["badges"]}

    def search():
        found = client.get(
            "/api/v1/checkpoint/search", query_string={"q": "0987654321"}, headers=headers
        )
        assert found.status_code == 200
        return [p["badge_hash"] for p in found.json["results"]]

    assert badge_hash(person["badge_code"]) in hashes()
    assert search() == [badge_hash(person["badge_code"])]
    with app.app_context():
        erase_registration(registration=get(Registration, person["id"]), reason="person")
        db.session.commit()
    assert hashes() == {badge_hash(other["badge_code"])}
    assert search() == []


def test_my_data_of_an_erased_person_is_gone(app, client, make_event, make_visitor):
    make_event()
    person = make_visitor()
    assert client.get(f"/r/{person['manage_token']}/my-data.json").status_code == 200
    with app.app_context():
        erase_registration(registration=get(Registration, person["id"]), reason="person")
        db.session.commit()
    response = client.get(
        f"/r/{person['manage_token']}/my-data.json", headers={"Accept": "application/json"}
    )
    assert response.status_code == 410
    assert response.json["error"]["code"] == "registration_erased"
    assert NAME not in response.text


def test_pending_mail_of_an_erased_person_is_never_sent(app, make_event, make_visitor):
    make_event()
    person = make_visitor()  # its confirmation waits in the outbox
    with app.app_context():
        report = erase_registration(registration=get(Registration, person["id"]), reason="person")
        db.session.commit()
        assert report.messages == 1
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.status is MessageStatus.FAILED
        assert message.to_address == f"erased-{person['id']}@erased.invalid"
        assert deliver_batch() == {"sent": 0, "retry": 0, "failed": 0}
        assert not (Path(app.instance_path) / "mail").exists()


def test_erased_exhibitor_staff_leave_the_staff_list(app, make_event, make_exhibitor):
    from exhibition.exhibitors import portal
    from exhibition.exhibitors.portal import exhibitor_category
    from exhibition.visitors.models import RegistrationSource
    from exhibition.visitors.services import Consents, VisitorData, register_visitor

    make_event()
    exhibitor_id = make_exhibitor()
    with app.app_context():
        event = get_event(slug="expo-2026")
        staff, _ = register_visitor(
            event=event,
            data=VisitorData(
                full_name=NAME,
                email=EMAIL,
                phone=PHONE,
                category_id=exhibitor_category(event=event).id,
                province_code="HP",
            ),
            consents=Consents(processing=True),
            source=RegistrationSource.EXHIBITOR,
            public_only=False,
            exhibitor_id=exhibitor_id,
        )
        db.session.commit()
        exhibitor = get(Exhibitor, exhibitor_id)
        assert portal.staff(exhibitor=exhibitor) == [staff]
        erase_registration(registration=staff, reason="organiser")
        db.session.commit()
        assert portal.staff(exhibitor=exhibitor) == []
        assert staff.exhibitor_id == exhibitor_id  # the company's figures keep the badge
        assert rows_holding([NAME, EMAIL, PHONE]) == []


# --- retention ----------------------------------------------------------------------------------


def past_event(make_event, slug, *, ended_days_ago, retention_days):
    now = datetime.now(UTC)
    return make_event(
        slug=slug,
        starts_at=now - timedelta(days=ended_days_ago + 3),
        ends_at=now - timedelta(days=ended_days_ago),
        registration_opens_at=now - timedelta(days=ended_days_ago + 60),
        registration_closes_at=now + timedelta(days=1),
        retention_days=retention_days,
    )


def lone_invitation(app, slug, email):
    """An invitation nobody answered (made directly: its session is over)."""
    with app.app_context():
        event = get_event(slug=slug)
        session = db.session.scalar(
            sa.select(ConferenceSession).where(ConferenceSession.event_id == event.id)
        )
        invitation = Invitation(
            event_id=event.id, session_id=session.id, number=1, full_name="Phạm Văn Dũng",
            email=email, email_key=email.casefold(), phone="+84933444555",
            token=secrets.token_urlsafe(32),
        )  # fmt: skip
        db.session.add(invitation)
        db.session.commit()


def snapshot(app):
    with app.app_context():
        return {
            "registrations": db.session.execute(
                sa.select(Registration.id, Registration.full_name, Registration.email).order_by(
                    Registration.id
                )
            ).all(),
            "exhibitors": db.session.execute(
                sa.select(Exhibitor.id, Exhibitor.contact_name, Exhibitor.contact_email).order_by(
                    Exhibitor.id
                )
            ).all(),
            "invitations": db.session.execute(
                sa.select(Invitation.id, Invitation.full_name, Invitation.email)
            ).all(),
            "messages": db.session.execute(
                sa.select(OutboxMessage.id, OutboxMessage.to_address, OutboxMessage.body_text)
            ).all(),
        }


def test_purge_anonymises_events_past_retention_and_leaves_the_others(
    app, runner, make_event, make_visitor, make_exhibitor, make_session
):
    past_event(make_event, "expo-2025", ended_days_ago=40, retention_days=30)
    past_event(make_event, "expo-recent", ended_days_ago=10, retention_days=30)
    past_event(make_event, "expo-kept", ended_days_ago=400, retention_days=None)
    old = make_visitor(slug="expo-2025", full_name=NAME, email=EMAIL, phone=PHONE)
    make_visitor(slug="expo-2025", full_name="Trần Văn Bình", email="binh@example.com")
    recent = make_visitor(slug="expo-recent", full_name="Lê Thị Cúc", email="cuc@example.com")
    kept = make_visitor(slug="expo-kept", full_name="Hoàng Văn Đức", email="duc@example.com")
    old_exhibitor = make_exhibitor(slug="expo-2025", contact_name="Lê Văn Hải")
    make_exhibitor(slug="expo-recent", contact_name="Vũ Thị Hà")
    make_session(slug="expo-2025", access="invitation")
    lone_invitation(app, "expo-2025", "dung@example.com")
    with app.app_context():
        assert deliver_batch(limit=50)["sent"] > 0  # every confirmation and application e-mail
    before = snapshot(app)

    dry = runner.invoke(args=["purge-personal-data", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output == "expo-2025\t4 would be anonymised\n"  # 2 people, 1 contact, 1 invitation
    assert snapshot(app) == before

    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert result.output == "expo-2025\t4 anonymised\n"
    with app.app_context():
        log = db.session.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.details)
        ).all()
        assert log == [("command line", "personal_data.purged", {"people": 4, "days": 30})]
    with app.app_context():
        event = get_event(slug="expo-2025")
        people = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event.id)
        ).all()
        assert all(r.erased_at is not None and r.full_name == "—" for r in people)
        exhibitor = get(Exhibitor, old_exhibitor)
        assert (exhibitor.contact_name, exhibitor.contact_phone) == ("—", "")
        assert exhibitor.company_name_vi.startswith("Công ty TNHH Thử nghiệm")
        assert "le van hai" not in exhibitor.search_text
        invitation = db.session.scalar(sa.select(Invitation))
        assert (invitation.full_name, invitation.phone) == ("—", "")
        assert rows_holding([NAME, EMAIL, PHONE, "binh@example.com", "Lê Văn Hải", "dung@"]) == []
        assert files_holding(Path(app.instance_path), [NAME, EMAIL, "binh@example.com"]) == []
        # The others are untouched.
        for visitor, name in ((recent, "Lê Thị Cúc"), (kept, "Hoàng Văn Đức")):
            registration = get(Registration, visitor["id"])
            assert (registration.erased_at, registration.full_name) == (None, name)
        assert rows_holding(["Vũ Thị Hà", "cuc@example.com", "duc@example.com"]) != []
        assert get(Registration, old["id"]).status is RegistrationStatus.CONFIRMED

    again = runner.invoke(args=["purge-personal-data"])
    assert again.output == "expo-2025\t0 anonymised\n"


def test_purge_counts_days_from_the_last_day_in_the_event_time_zone(app, make_event):
    make_event(
        starts_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),  # 17:00 on 27 November in Hai Phong
        registration_opens_at=datetime(2026, 9, 1, tzinfo=UTC),
        registration_closes_at=datetime(2026, 11, 27, tzinfo=UTC),
        retention_days=30,
    )
    with app.app_context():
        # 27 December, 23:59 in Hai Phong: the 30th day after the last day, still kept.
        assert purge_personal_data(now=datetime(2026, 12, 27, 16, 59, tzinfo=UTC)) == []
        # 28 December, 00:01 in Hai Phong (still 27 December in UTC): anonymised.
        results = purge_personal_data(now=datetime(2026, 12, 27, 17, 1, tzinfo=UTC), dry_run=True)
        assert [(event.slug, count) for event, count in results] == [("expo-2026", 0)]


def test_event_form_takes_retention_days_from_0_to_3650(app, client, make_event):
    make_event()
    login_client(app, client)
    page = client.get("/admin/events/expo-2026/edit")
    assert 'name="retention_days"' in page.text
    form = {
        "csrf_token": csrf_token(page.text),
        "slug": "expo-2026",
        "name_vi": "Triển lãm",
        "starts_at": "2026-11-24T09:00",
        "ends_at": "2026-11-27T17:00",
        "registration_opens_at": "2026-09-01T00:00",
        "registration_closes_at": "2026-11-27T12:00",
    }
    refused = client.post(
        "/admin/events/expo-2026/edit?lang=en", data={**form, "retention_days": "3651"}
    )
    assert refused.status_code == 422
    assert re.search(r'id="retention_days-error" role="alert">From 0 to 3650 days.<', refused.text)
    assert (
        client.post(
            "/admin/events/expo-2026/edit", data={**form, "retention_days": "90"}
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Event.retention_days)) == 90
    assert (
        client.post("/admin/events/expo-2026/edit", data={**form, "retention_days": ""}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(sa.select(Event.retention_days)) is None
