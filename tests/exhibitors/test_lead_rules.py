"""Lead retrieval's core rules: lead codes apart from entry codes, what a lead shows under which
share, and how withdrawal and erasure take it back."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from exhibition.badges.services import lead_qr_text, normalize_badge_code, normalize_lead_code
from exhibition.exhibitors import leads
from exhibition.exhibitors.lead_models import Lead, LeadNote, LeadRating, ShareSource
from exhibition.extensions import db

NOW = datetime(2026, 12, 6, 3, tzinfo=UTC)


def test_lead_codes_and_entry_codes_are_told_apart_by_their_form():
    code = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert lead_qr_text(code) == "L-" + code
    assert normalize_lead_code("l-" + code.lower()) == code
    assert normalize_lead_code(" L-ABCDE FGHIJ KLMNO PQRST UVWXYZ ") == code
    assert normalize_lead_code(code) is None  # an entry code
    assert normalize_badge_code(lead_qr_text(code)) is None  # never a door's code
    assert normalize_lead_code("L-" + code[:-1]) is None


@pytest.fixture
def visit(app, make_event, make_visitor, make_exhibitor):
    """A visitor (no sharing consent) whose lead code one exhibitor scanned: ids."""
    from exhibition.events.services import get_event
    from exhibition.visitors.models import Registration

    make_event()
    person = make_visitor(full_name="<b>Trần</b> An")
    exhibitor_id = make_exhibitor()
    with app.app_context():
        registration = db.session.get(Registration, person["id"])
        lead = Lead(
            event=get_event(slug="expo-2026"),
            exhibitor_id=exhibitor_id,
            registration=registration,
            first_scanned_at=NOW,
            last_scanned_at=NOW,
        )
        db.session.add(lead)
        db.session.commit()
        return {"registration": person["id"], "lead": lead.id, "exhibitor": exhibitor_id}


def _lead(visit) -> Lead:
    return db.session.get(Lead, visit["lead"])


def test_a_lead_code_finds_its_registration_and_an_entry_code_is_not_a_lead_code(app, visit):
    from exhibition.events.services import get_event
    from exhibition.visitors.models import Registration

    with app.app_context():
        event = get_event(slug="expo-2026")
        registration = db.session.get(Registration, visit["registration"])
        found = leads.registration_for_lead_code(
            event=event, text=lead_qr_text(registration.lead_code)
        )
        assert found.id == registration.id
        assert registration.lead_code != registration.badge_code
        with pytest.raises(leads.NotALeadCode):
            leads.registration_for_lead_code(event=event, text=registration.badge_code)
        with pytest.raises(leads.InvalidLeadCode):
            leads.registration_for_lead_code(event=event, text="L-" + "A" * 26)
        with pytest.raises(leads.InvalidLeadCode):
            leads.registration_for_lead_code(event=event, text="<script>")


def test_a_cancelled_registrations_lead_code_is_invalid(app, visit):
    from exhibition.events.services import get_event
    from exhibition.visitors.changes import cancel_registration
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        cancel_registration(registration=registration)
        db.session.commit()
        with pytest.raises(leads.InvalidLeadCode):
            leads.registration_for_lead_code(
                event=get_event(slug="expo-2026"), text=lead_qr_text(registration.lead_code)
            )


def test_giving_the_consent_fills_the_leads_with_the_chosen_fields_and_withdrawing_blanks_them(
    app, visit
):
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        registration.event.lead_fields = ["name", "email", "sectors"]
        change_consents(registration=registration, share_exhibitors=True, news=False, now=NOW)
        db.session.commit()
        lead = _lead(visit)
        assert (lead.name, lead.email, lead.organisation, lead.phone, lead.sector_codes) == (
            "<b>Trần</b> An",
            registration.email,
            "",
            "",
            ["mechanical"],
        )
        assert (lead.shared_at, lead.share_source) == (NOW, ShareSource.CONSENT)

        change_consents(registration=registration, share_exhibitors=False, news=False, now=NOW)
        db.session.commit()
        lead = _lead(visit)
        assert (lead.name, lead.email, lead.sector_codes, lead.shared_at) == ("", "", [], None)
        assert len(db.session.scalars(sa.select(Lead)).all()) == 1  # the visit stays


def test_a_share_with_one_exhibitor_fills_that_lead_and_withdrawing_the_consent_blanks_it(
    app, visit
):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        exhibitor = db.session.get(Exhibitor, visit["exhibitor"])
        leads.share_with(registration=registration, exhibitor=exhibitor, now=NOW)
        db.session.commit()
        lead = _lead(visit)
        assert (lead.name, lead.share_source) == ("<b>Trần</b> An", ShareSource.VISITOR)
        assert lead.phone == "+84912345678"

        # Given and then withdrawn: every exhibitor loses the details, this one too.
        change_consents(registration=registration, share_exhibitors=True, news=False, now=NOW)
        change_consents(registration=registration, share_exhibitors=False, news=False, now=NOW)
        db.session.commit()
        assert _lead(visit).name == ""


def test_sharing_with_an_exhibitor_that_never_scanned_the_badge_is_refused(
    app, visit, make_exhibitor
):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.visitors.models import Registration

    other = make_exhibitor()
    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        with pytest.raises(leads.NotVisited):
            leads.share_with(registration=registration, exhibitor=db.session.get(Exhibitor, other))


def test_erasure_blanks_the_lead_and_deletes_what_exhibitors_wrote(app, visit):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.visitors.erasure import erase_registration
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        leads.share_with(
            registration=registration, exhibitor=db.session.get(Exhibitor, visit["exhibitor"])
        )
        lead = _lead(visit)
        lead.rating, lead.tags = LeadRating.HOT, ["quote"]
        db.session.add(LeadNote(lead=lead, text="Anh An cần báo giá"))
        db.session.commit()
        erase_registration(registration=registration, reason="person")
        db.session.commit()
        lead = _lead(visit)
        assert (lead.name, lead.phone, lead.rating, lead.tags, lead.shared_at) == (
            "",
            "",
            None,
            [],
            None,
        )
        assert db.session.scalars(sa.select(LeadNote)).all() == []


def test_a_stale_qualification_is_a_conflict_and_the_first_save_stays(app, visit):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.qualification import (
        LeadConflict,
        Qualification,
        add_question,
        qualify,
    )

    with app.app_context():
        exhibitor = db.session.get(Exhibitor, visit["exhibitor"])
        question = add_question(
            exhibitor=exhibitor, text_vi="Quy mô đơn hàng?", choices=["Nhỏ", "Lớn"]
        )
        lead = _lead(visit)
        first = Qualification(
            rating=LeadRating.HOT,
            tags=[" báo giá ", "Báo giá", "mẫu"],
            answers={question.id: "Lớn"},
        )
        qualify(lead=lead, version=1, change=first)
        db.session.commit()
        with pytest.raises(LeadConflict):
            qualify(lead=lead, version=1, change=Qualification(rating=LeadRating.COLD))
        db.session.rollback()
        lead = _lead(visit)
        assert (lead.version, lead.rating, lead.tags) == (2, LeadRating.HOT, ["báo giá", "mẫu"])
        assert [(a.question_id, a.answer) for a in lead.answers] == [(question.id, "Lớn")]


def test_an_answer_outside_the_choices_and_an_eleventh_question_are_refused(app, visit):
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.exhibitors.qualification import (
        InvalidQualification,
        Qualification,
        TooManyQuestions,
        add_question,
        qualify,
    )

    with app.app_context():
        exhibitor = db.session.get(Exhibitor, visit["exhibitor"])
        questions = [add_question(exhibitor=exhibitor, text_vi=f"Câu {n}") for n in range(9)]
        choice = add_question(exhibitor=exhibitor, text_vi="Chọn", choices=["Có", "Không"])
        with pytest.raises(TooManyQuestions):
            add_question(exhibitor=exhibitor, text_vi="Câu 11")
        with pytest.raises(InvalidQualification):
            qualify(
                lead=_lead(visit),
                version=1,
                change=Qualification(rating=None, answers={choice.id: "Có lẽ"}),
            )
        assert len(questions) == 9 and _lead(visit).version == 1


def test_a_field_the_organisers_add_after_the_consent_is_not_shared_under_it(app, visit):
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        change_consents(registration=registration, share_exhibitors=True, news=False, now=NOW)
        registration.event.lead_fields = ["name", "email", "province", "sectors"]
        db.session.commit()
        leads.consent_changed(registration=registration, now=NOW)
        db.session.commit()
        lead = _lead(visit)
        assert (lead.name, lead.email, lead.province_code, lead.sector_codes) == (
            "<b>Trần</b> An",
            registration.email,
            None,
            [],
        )
        # Given again under words naming them: shared.
        change_consents(registration=registration, share_exhibitors=False, news=False, now=NOW)
        change_consents(registration=registration, share_exhibitors=True, news=False, now=NOW)
        db.session.commit()
        assert registration.consent_for(leads.ConsentPurpose.SHARE_EXHIBITORS).wording_version == (
            registration.event.consent_version + "+NEPS"
        )
        assert (_lead(visit).province_code, _lead(visit).sector_codes) == ("HP", ["mechanical"])


def _scanner_of(registration_id: int, exhibitor_id: int):
    from exhibition.exhibitors.lead_models import LeadScanner

    scanner = LeadScanner(
        exhibitor_id=exhibitor_id,
        registration_id=registration_id,
        name="Nhân viên <i>A</i>",
        token_hash="f" * 64,
    )
    db.session.add(scanner)
    db.session.commit()
    return scanner.id


def test_cancelling_blanks_the_persons_leads_and_stops_their_booth_scanners(app, visit):
    from exhibition.exhibitors.lead_models import LeadScanner
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.visitors.changes import cancel_registration
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, visit["registration"])
        leads.share_with(
            registration=registration, exhibitor=db.session.get(Exhibitor, visit["exhibitor"])
        )
        scanner_id = _scanner_of(registration.id, visit["exhibitor"])
        cancel_registration(registration=registration, now=NOW)
        db.session.commit()
        assert (_lead(visit).name, _lead(visit).shared_at) == ("", None)
        scanner = db.session.get(LeadScanner, scanner_id)
        assert (scanner.revoked_at, scanner.name) == (NOW, "Nhân viên <i>A</i>")


def test_erasing_a_staff_member_revokes_their_scanner_and_takes_their_name_off_it(app, visit):
    from exhibition.exhibitors.lead_models import LeadScanner
    from exhibition.visitors.erasure import ERASED_NAME, erase_registration
    from exhibition.visitors.models import Registration

    with app.app_context():
        scanner_id = _scanner_of(visit["registration"], visit["exhibitor"])
        erase_registration(
            registration=db.session.get(Registration, visit["registration"]), reason="person"
        )
        db.session.commit()
        scanner = db.session.get(LeadScanner, scanner_id)
        assert scanner.revoked_at is not None and scanner.name == ERASED_NAME
