"""Organisers' side of lead retrieval: the package choice per exhibitor (audited), the shared
fields and days kept, the figures per exhibitor and the alert for scanners with many invalid
codes."""

import re
from datetime import timedelta

import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry, Role
from exhibition.exhibitors.lead_models import Lead, LeadScanner
from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from tests.conftest import login_client
from tests.exhibitors.lead_data import NOW, PORTAL, make_scanner, signed_in
from tests.pages import form_posting_to

ADMIN = "/admin/events/expo-2026/leads"


def test_the_exhibitors_page_turns_lead_retrieval_on_and_off_audited(
    app, client, make_event, make_exhibitor
):
    make_event()
    exhibitor_id = make_exhibitor()
    login_client(app, client)
    url = f"/admin/events/expo-2026/exhibitors/{exhibitor_id}"
    action = f"{ADMIN}/exhibitors/{exhibitor_id}"
    page = client.get(url)
    assert "Turn lead retrieval on" in page.text
    form = form_posting_to(page.text, action, page_url=url)
    assert client.post(action, data=form.data()).headers["Location"] == url + "#leads"
    with app.app_context():
        assert db.session.get(Exhibitor, exhibitor_id).leads_enabled is True
    page = client.get(url)
    assert "Turn lead retrieval off" in page.text
    form = form_posting_to(page.text, action, page_url=url)
    client.post(action, data=form.data())
    with app.app_context():
        assert db.session.get(Exhibitor, exhibitor_id).leads_enabled is False
        entries = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "exhibitor.leads")
            .order_by(AuditEntry.id)
        ).all()
        assert [e.details["enabled"] for e in entries] == [True, False]
        assert {e.target_id for e in entries} == {exhibitor_id}
    log = client.get("/admin/events/expo-2026/audit")
    assert "Công ty TNHH Thử nghiệm 1: lead retrieval on" in log.text


def test_a_bad_enable_value_or_another_exhibitions_exhibitor_changes_nothing(
    app, client, make_event, make_exhibitor
):
    make_event()
    make_event(slug="other", name_vi="Khác")
    theirs = make_exhibitor(slug="other")
    ours = make_exhibitor()
    login_client(app, client)
    url = f"/admin/events/expo-2026/exhibitors/{ours}"
    page = client.get(url)
    form = form_posting_to(page.text, f"{ADMIN}/exhibitors/{ours}", page_url=url)
    assert client.post(f"{ADMIN}/exhibitors/{theirs}", data=form.data()).status_code == 404
    client.post(f"{ADMIN}/exhibitors/{ours}", data=form.data(enabled="yes"))
    with app.app_context():
        assert db.session.get(Exhibitor, ours).leads_enabled is False
        assert db.session.get(Exhibitor, theirs).leads_enabled is False


def test_settings_choose_the_shared_fields_and_days_and_a_dropped_field_leaves_every_lead(
    app, client, booth
):
    login_client(app, client)
    url = f"{ADMIN}/settings"
    page = client.get(url)
    form = form_posting_to(page.text, url, page_url=url)
    ticked = [c.value for c in form.controls if c.name == "fields" and c.checked]
    assert ticked == ["name", "organisation", "job_title", "email", "phone", "province", "sectors"]
    for days in ("0", "3651", "abc"):
        refused = client.post(url, data=form.data(retention_days=days))
        assert refused.status_code == 422
    response = client.post(
        url, data=form.data(fields=["name", "email", "sectors"], retention_days="30")
    )
    assert response.headers["Location"] == f"{ADMIN}/"
    with app.app_context():
        from exhibition.events.services import get_event

        event = get_event(slug="expo-2026")
        assert (event.lead_fields, event.lead_retention_days) == (["name", "email", "sectors"], 30)
        lead = db.session.get(Lead, booth["shared"])
        assert (lead.name, lead.organisation, lead.phone, lead.province_code) == (
            "<b>Trần</b> An",
            "",
            "",
            None,
        )
        assert lead.sector_codes == ["mechanical"]
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "leads.settings")
        )
        assert entry.details == {"fields": ["name", "email", "sectors"], "retention_days": 30}
    signed_in(app, client)
    page = client.get(f"{PORTAL}/leads")
    assert "Hải An" not in page.text


def test_figures_per_exhibitor_and_the_invalid_code_alert(app, client, booth):
    with app.app_context():
        scanner = db.session.scalar(sa.select(LeadScanner).where(LeadScanner.name == "Bình"))
        scanner.invalid_scans, scanner.last_invalid_at = 20, NOW + timedelta(hours=2)
        quiet = db.session.scalar(sa.select(LeadScanner).where(LeadScanner.name == "Khác"))
        quiet.invalid_scans = 19
        revoked = make_scanner(booth["exhibitor"], "Đã thu hồi")
        revoked.revoked_at = NOW
        db.session.commit()
    login_client(app, client)
    overview = client.get("/admin/events/expo-2026/dashboard")
    assert f'href="{ADMIN}/"' in overview.text
    page = client.get(f"{ADMIN}/")
    assert page.status_code == 200
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S):
        cells = [c.strip() for c in re.sub(r"<[^>]+>", "|", row).split("|") if c.strip()]
        rows[cells[0]] = cells[1:]
    # ours: 2+1, 1 and 3 scans; 3 visitors of whom 2 shared; 2 active scanners
    assert rows["Công ty TNHH Thử nghiệm 1"] == ["On", "7", "3", "2", "67 %", "2"]
    assert rows["Công ty TNHH Thử nghiệm 2"] == ["On", "1", "1", "1", "100 %", "1"]
    assert rows["Bình"] == ["Công ty TNHH Thử nghiệm 1", "20", "6 December 2026, 12:00"]
    assert "Khác" not in rows  # 19 is under the threshold


def test_exhibitor_managers_reach_the_pages_and_check_in_staff_do_not(
    app, make_event, make_exhibitor
):
    from exhibition.accounts.services import create_organiser, grant_role
    from exhibition.events.services import get_event

    make_event()
    make_exhibitor()
    with app.app_context():
        for email, role in (
            ("exh@example.com", Role.EXHIBITORS),
            ("door@example.com", Role.CHECKIN),
        ):
            user = create_organiser(email=email, password="mat-khau-dai", administrator=False)
            grant_role(user=user, event=get_event(slug="expo-2026"), role=role)
        db.session.commit()
    manager = login_client(app, app.test_client(), email="exh@example.com")
    door = login_client(app, app.test_client(), email="door@example.com")
    for url in (f"{ADMIN}/", f"{ADMIN}/settings"):
        assert manager.get(url).status_code == 200
        assert door.get(url).status_code == 403
