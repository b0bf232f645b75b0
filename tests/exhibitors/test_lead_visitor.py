"""The visitor's side of lead retrieval: the lead QR on the badge, the sharing consent naming the
organiser's fields, the exhibitors that scanned the badge with share / take back, and "my data"."""

import io
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from exhibition.badges.pdf import BadgeData, render
from exhibition.badges.services import lead_qr_text
from exhibition.events.services import get_event
from exhibition.exhibitors import leads
from exhibition.exhibitors.lead_models import (
    Lead,
    LeadAnswer,
    LeadNote,
    LeadQuestion,
    LeadRating,
    LeadScan,
    LeadScanner,
    ShareSource,
)
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from exhibition.mail.worker import run as run_worker
from exhibition.qr import qr_svg_data_uri
from exhibition.visitors.models import ConsentPurpose, Registration
from tests.conftest import use_smtp
from tests.pages import form_posting_to

SCANNED = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)  # 09:30 in Hai Phong
ENTRY = "ABCDEFGHJKMNPQRSTVWXYZ2345"
LEAD = "L-QRSTVWXYZ2345ABCDEFGHJKMN"


def _decoded(data: bytes, scale: float = 4) -> list:
    document = pdfium.PdfDocument(data)
    try:
        return [zxingcpp.read_barcodes(page.render(scale=scale).to_pil()) for page in document]
    finally:
        document.close()


def _width(result) -> int:
    position = result.position
    return abs(position.top_right.x - position.top_left.x)


def _badge(**overrides) -> BadgeData:
    values = dict(
        name="Nguyễn Thị Hồng Nhung",
        job_title="Trưởng phòng Kinh doanh",
        organisation="Công ty TNHH Sản xuất Linh kiện Cơ khí Chính xác Hải Phòng 1",
        category="Khách thương mại",
        color="#1f6feb",
        code=ENTRY,
        booth="Gian A12",
        event_name="Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ",
        event_dates="23/11/2021 – 26/11/2021",
        lead_text=LEAD,
        lead_label="Dành cho đơn vị trưng bày",
    )
    values.update(overrides)
    return BadgeData(**values)


@pytest.mark.parametrize("layout", ["a6", "card"])
def test_badge_pdf_has_both_qr_codes_and_the_entry_one_is_the_larger(layout):
    ((entry, lead),) = [
        sorted(results, key=lambda r: r.text.startswith("L-"))
        for results in _decoded(render([_badge()], layout=layout))
    ]
    assert (entry.text, lead.text) == (ENTRY, LEAD)
    assert _width(entry) > 1.5 * _width(lead)


def test_badge_pdf_prints_the_lead_code_and_its_label():
    document = pdfium.PdfDocument(render([_badge()], layout="a6"))
    text = "".join(document[0].get_textpage().get_text_range().split())
    document.close()
    assert "Dànhchođơnvịtrưngbày" in text
    assert LEAD in text


def test_four_up_sheet_decodes_every_entry_and_lead_code():
    badges = [_badge(code=f"{ENTRY[:-1]}{n}", lead_text=f"{LEAD[:-1]}{n}") for n in range(2, 6)]
    (results,) = _decoded(render(badges, layout="a4"))
    assert sorted(r.text for r in results) == sorted(
        [b.code for b in badges] + [b.lead_text for b in badges]
    )


def test_a_persons_own_badge_pdf_carries_their_lead_code(app, client, make_event, make_visitor):
    make_event()
    visitor = make_visitor()
    with app.app_context():
        lead_code = db.session.get(Registration, visitor["id"]).lead_code
    response = client.get(f"/r/{visitor['manage_token']}/badge.pdf?lang=en")
    (results,) = _decoded(response.data)
    by_text = {r.text: r for r in results}
    assert set(by_text) == {visitor["badge_code"], lead_qr_text(lead_code)}
    assert _width(by_text[visitor["badge_code"]]) > 1.5 * _width(by_text[lead_qr_text(lead_code)])


# ------------------------------------------------------------------ visits and shares


@pytest.fixture
def visited(app, make_event, make_visitor, make_exhibitor, make_floor):
    """A visitor whose badge two exhibitors scanned (one with a booth), and one exhibitor that
    did not: ids and the manage token."""
    make_event()
    make_floor(count=2)
    visitor = make_visitor(full_name="Trần <i>An</i>")
    scanned = make_exhibitor(company_name_vi='Công ty <script>alert("x")</script> Hải An')
    other = make_exhibitor(company_name_vi="Công ty CP Khuôn mẫu Đông Á")
    never = make_exhibitor(company_name_vi="Công ty Chưa Ghé")
    with app.app_context():
        from exhibition.booths.assignment import assign_booth
        from exhibition.booths.models import Booth

        event = get_event(slug="expo-2026")
        booth = db.session.scalar(sa.select(Booth).where(Booth.code == "A01"))
        assign_booth(booth=booth, exhibitor=db.session.get(Exhibitor, scanned))
        registration = db.session.get(Registration, visitor["id"])
        for number, exhibitor_id in enumerate((scanned, other)):
            db.session.add(
                Lead(
                    event=event,
                    exhibitor_id=exhibitor_id,
                    registration=registration,
                    first_scanned_at=SCANNED + timedelta(hours=number),
                    last_scanned_at=SCANNED + timedelta(hours=number),
                )
            )
        db.session.commit()
    return {**visitor, "scanned": scanned, "other": other, "never": never}


def _trade(app) -> str:
    from exhibition.visitors.models import VisitorCategory

    with app.app_context():
        return str(
            db.session.scalar(sa.select(VisitorCategory.id).where(VisitorCategory.code == "trade"))
        )


def _lead(visited, exhibitor: str) -> Lead:
    return db.session.scalar(
        sa.select(Lead).where(
            Lead.registration_id == visited["id"], Lead.exhibitor_id == visited[exhibitor]
        )
    )


def test_manage_page_shows_the_lead_qr_apart_labelled_for_exhibitors(app, client, visited):
    with app.app_context():
        lead_code = db.session.get(Registration, visited["id"]).lead_code
    page = client.get(f"/r/{visited['manage_token']}?lang=en").text
    assert '<p class="badge-lead-label">For exhibitors</p>' in page
    assert f'<p class="badge-code">{lead_qr_text(lead_code)}</p>' in page
    assert f'class="badge-lead-qr" src="{qr_svg_data_uri(lead_qr_text(lead_code))}"' in page
    assert page.index('class="badge-qr"') < page.index('class="badge-lead-qr"')


def test_exhibitors_that_scanned_are_listed_escaped_with_their_booth_and_first_visit(
    app, client, visited
):
    page = client.get(f"/r/{visited['manage_token']}?lang=en").text
    section = page[page.index('id="exhibitors"') :]
    assert "Công ty &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Hải An" in section
    assert "<script>alert" not in page
    assert "Booth A01" in section
    assert "Công ty CP Khuôn mẫu Đông Á" in section
    assert "Công ty Chưa Ghé" not in section
    assert "First visit: 6 December 2026, 09:30" in section
    assert section.count("Has not received your details") == 2


def test_sharing_with_one_exhibitor_and_taking_it_back_with_the_pages_buttons(app, client, visited):
    url = f"/r/{visited['manage_token']}"
    page = client.get(url + "?lang=en")
    action = f"/exhibitors/{visited['scanned']}/share"
    form = form_posting_to(page.text, action, url)
    (button,) = form.buttons
    shared = client.post(form.action, data=form.data(button), follow_redirects=True)
    assert "Hải An now receives your details." in shared.text
    with app.app_context():
        lead = _lead(visited, "scanned")
        assert (lead.share_source, lead.name, lead.organisation) == (
            ShareSource.VISITOR,
            "Trần <i>An</i>",
            "Công ty TNHH Cơ khí Hải An",
        )
        assert not _lead(visited, "other").is_shared
    form = form_posting_to(shared.text, f"/exhibitors/{visited['scanned']}/unshare", url)
    taken = client.post(form.action, data=form.data(), follow_redirects=True)
    assert "no longer receives your details; it only knows that you visited its booth." in (
        taken.text
    )
    with app.app_context():
        lead = _lead(visited, "scanned")
        assert (lead.shared_at, lead.name, lead.email) == (None, "", "")
        assert lead.first_scanned_at == SCANNED  # the visit stays


def test_share_forms_refuse_without_their_token_and_for_an_exhibitor_that_never_scanned(
    app, client, visited
):
    url = f"/r/{visited['manage_token']}"
    page = client.get(url + "?lang=en")
    assert client.post(url + f"/exhibitors/{visited['scanned']}/share").status_code == 400
    with app.app_context():
        assert not _lead(visited, "scanned").is_shared  # no CSRF token, nothing done
    form = form_posting_to(page.text, f"/exhibitors/{visited['scanned']}/share", url)
    never = client.post(
        url + f"/exhibitors/{visited['never']}/share", data=form.data(), follow_redirects=True
    )
    assert "This exhibitor has not scanned your badge." in never.text
    assert client.post(url + "/exhibitors/999999/share", data=form.data()).status_code == 404
    assert client.post(url + "/exhibitors/99999999999999999999/share").status_code == 404


def test_consent_given_on_my_registration_shares_with_all_and_the_page_says_so(
    app, client, visited
):
    url = f"/r/{visited['manage_token']}"
    page = client.get(url + "?lang=en")
    form = form_posting_to(page.text, "/consents", url)
    client.post(form.action, data=form.data(share_exhibitors="y"))
    with app.app_context():
        assert {_lead(visited, "scanned").share_source, _lead(visited, "other").share_source} == {
            ShareSource.CONSENT
        }
    page = client.get(url + "?lang=en")
    assert "all these exhibitors already receive them" in page.text
    assert f"/exhibitors/{visited['scanned']}/share" not in page.text
    assert f"/exhibitors/{visited['scanned']}/unshare" not in page.text
    form = form_posting_to(page.text, "/consents", url)
    client.post(form.action, data=form.data(share_exhibitors=None))
    with app.app_context():
        assert not _lead(visited, "scanned").is_shared and not _lead(visited, "other").is_shared
        registration = db.session.get(Registration, visited["id"])
        assert [
            c.granted for c in registration.consents if c.purpose is ConsentPurpose.SHARE_EXHIBITORS
        ] == [False, True, False]


def test_consent_wording_names_the_organisers_fields_and_its_version_says_which(
    app, client, make_event
):
    make_event()
    with app.app_context():
        get_event(slug="expo-2026").lead_fields = ["province", "email", "name"]
        db.session.commit()
    page = client.get("/events/expo-2026/register?lang=en")
    assert (
        "I agree that exhibitors who scan my badge at their booth receive these details of mine: "
        "Full name, E-mail address, Province or city."
    ) in page.text
    form = form_posting_to(page.text, "/events/expo-2026/register", "/events/expo-2026/register")
    data = form.data(
        full_name="Lê Văn Bình",
        email="binh@example.com",
        category=_trade(app),
        province="HP",
        phone="0912 345 678",
        consent_processing="y",
        consent_share_exhibitors="y",
    )
    assert client.post(form.action, data=data).status_code == 302
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        versions = {c.purpose: c.wording_version for c in registration.consents}
        assert versions[ConsentPurpose.SHARE_EXHIBITORS] == "2026-01+NEP"
        assert versions[ConsentPurpose.PROCESSING] == "2026-01"
        token = registration.manage_token
    manage = client.get(f"/r/{token}?lang=en").text
    assert (
        "may receive these details of mine: Full name, E-mail address, Province or city." in manage
    )
    vi = client.get("/events/expo-2026/register?lang=vi").text
    assert "Họ và tên, " in vi and ", Tỉnh/thành phố." in vi  # the fields in Vietnamese


def test_default_fields_keep_the_plain_consent_version(app, make_event, make_visitor):
    from exhibition.visitors.changes import change_consents

    make_event()
    visitor = make_visitor()
    with app.app_context():
        registration = db.session.get(Registration, visitor["id"])
        change_consents(registration=registration, share_exhibitors=True, news=False)
        db.session.commit()
        assert registration.consent_for(ConsentPurpose.SHARE_EXHIBITORS).wording_version == (
            "2026-01"
        )


# ------------------------------------------------------------------ my data, e-mail


def test_my_data_holds_the_leads_with_what_exhibitors_received_and_wrote(app, client, visited):
    with app.app_context():
        registration = db.session.get(Registration, visited["id"])
        exhibitor = db.session.get(Exhibitor, visited["scanned"])
        leads.share_with(registration=registration, exhibitor=exhibitor, now=SCANNED)
        lead = _lead(visited, "scanned")
        scanner = LeadScanner(exhibitor=exhibitor, name="Quầy 1", token_hash="a" * 64)
        question = LeadQuestion(exhibitor=exhibitor, text_vi="Nhu cầu?", choices=["Khuôn"])
        lead.scans.append(LeadScan(scanner=scanner, nonce="n1", scanned_at=SCANNED))
        lead.notes.append(
            LeadNote(scanner=scanner, text="Cần báo giá <b>gấp</b>", created_at=SCANNED)
        )
        lead.answers.append(LeadAnswer(question=question, answer="Khuôn"))
        lead.rating, lead.tags = LeadRating.HOT, ["FDI"]
        db.session.commit()
    data = client.get(f"/r/{visited['manage_token']}/my-data.json").json
    first, second = data["exhibitor_leads"]
    assert first == {
        "exhibitor": 'Công ty <script>alert("x")</script> Hải An',
        "booths": ["A01"],
        "first_scanned_at": "2026-12-06T02:30:00Z",
        "last_scanned_at": "2026-12-06T02:30:00Z",
        "scans": ["2026-12-06T02:30:00Z"],
        "shared_at": "2026-12-06T02:30:00Z",
        "share": "visitor",
        "shared_details": {
            "full_name": "Trần <i>An</i>",
            "organisation": "Công ty TNHH Cơ khí Hải An",
            "job_title": "Trưởng phòng",
            "email": visited["email"],
            "phone": "+84912345678",
            "province": None,
            "sectors": [],
        },
        "rating": "hot",
        "tags": ["FDI"],
        "notes": [{"text": "Cần báo giá <b>gấp</b>", "written_at": "2026-12-06T02:30:00Z"}],
        "answers": [{"question": "Nhu cầu?", "answer": "Khuôn"}],
    }
    assert (second["exhibitor"], second["shared_details"], second["notes"]) == (
        "Công ty CP Khuôn mẫu Đông Á",
        None,
        [],
    )


def test_confirmation_email_carries_the_smaller_lead_qr(app, client, make_event, smtp_server):
    use_smtp(app, smtp_server)
    make_event()
    page = client.get("/events/expo-2026/register?lang=en")
    form = form_posting_to(page.text, "/events/expo-2026/register", "/events/expo-2026/register")
    data = form.data(
        full_name="Lê <b>Văn</b> Bình",
        email="binh@example.com",
        category=_trade(app),
        province="HP",
        phone="0912 345 678",
        consent_processing="y",
    )
    assert client.post(form.action, data=data).status_code == 302
    with app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        badge_code, lead_text = registration.badge_code, lead_qr_text(registration.lead_code)
    run_worker(app, once=True)
    (message,) = smtp_server.wait_for(1)
    images = {
        part.get("Content-ID"): part.get_content()
        for part in message.walk()
        if part.get("Content-ID")
    }
    decoded = {
        cid: zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0] for cid, png in images.items()
    }
    assert {cid: r.text for cid, r in decoded.items()} == {
        "<badge-qr>": badge_code,
        "<lead-qr>": lead_text,
    }
    html = message.get_body(("html",)).get_content()
    assert 'src="cid:lead-qr"' in html and 'width="100"' in html and 'width="200"' in html
    assert "For exhibitors" in html and lead_text in html
    assert "Lê &lt;b&gt;Văn&lt;/b&gt; Bình" in html
    text = message.get_body(("plain",)).get_content()
    assert f"For exhibitors: {lead_text}" in text
