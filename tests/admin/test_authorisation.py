"""The URL-map authorisation sweep: every route of the app, every method, for anonymous visitors
and for each role, reaches exactly what that role should.

The table below is written out by hand, independently of the `@allow` declarations in the code,
and must name every endpoint: a new route fails this test until someone decides who may use it.
"""

import re

import pytest
import sqlalchemy as sa

from exhibition.extensions import db
from tests.conftest import _empty_tables, make_app
from tests.test_url_map import demo_values

PUBLIC = "public"  # anyone, including anonymous visitors (some need a secret token in the URL)
SIGNED_IN = "signed_in"  # any staff account, whatever its roles
DEVICE = "device"  # a check-in device's bearer token (the JSON API)
SCANNER = "scanner"  # a booth scanner's bearer token (the booth API), never a door device's
WEBHOOK = "webhook"  # an exhibition's webhook key (Authorization: Apikey), for no person's account
ADMIN, ORG, CHECKIN, EXH, FIN = "administrator", "organiser", "checkin", "exhibitors", "finance"
MM = "matchmaking"
ED = "editor"

EXPECTED = {
    # public site
    "static": PUBLIC,
    "events.index": PUBLIC,
    "events.detail": PUBLIC,
    "events.calendar": PUBLIC,
    "events.image": PUBLIC,
    "plan.hall": PUBLIC,
    "events.privacy": PUBLIC,
    "visitors.register": PUBLIC,
    "visitors.sent_again": PUBLIC,
    "visitors.manage": PUBLIC,
    "visitors.prove_address": PUBLIC,
    "visitors.cancel": PUBLIC,
    "visitors.consents": PUBLIC,
    "visitors.share_with_exhibitor": PUBLIC,
    "visitors.unshare_with_exhibitor": PUBLIC,
    "visitors.edit": PUBLIC,
    "visitors.calendar": PUBLIC,
    "visitors.my_data": PUBLIC,
    "visitors.join_session": PUBLIC,
    "visitors.leave_session": PUBLIC,
    "visitors.erase": PUBLIC,
    "badges.pdf": PUBLIC,
    "certificates.exhibition": PUBLIC,
    "certificates.session": PUBLIC,
    "certificates.verify": PUBLIC,
    "badges.png": PUBLIC,
    "badges.svg": PUBLIC,
    "exhibitors.apply": PUBLIC,
    "exhibitors.applied": PUBLIC,
    "exhibitors.directory": PUBLIC,
    "exhibitors.profile": PUBLIC,
    "exhibitors.logo": PUBLIC,
    "portal.home": PUBLIC,  # the exhibitor portal has its own sign-in by e-mailed link
    "portal.login": PUBLIC,
    "portal.sign_in": PUBLIC,
    "portal.logout": PUBLIC,
    "portal.profile": PUBLIC,
    "portal.add_staff": PUBLIC,
    "portal.remove_staff": PUBLIC,
    # lead retrieval in the portal: its own sign-in; only the company's own leads and questions
    "lead_portal.leads": PUBLIC,
    "lead_portal.export": PUBLIC,
    "lead_portal.lead": PUBLIC,
    "lead_portal.add_note": PUBLIC,
    "lead_portal.questions": PUBLIC,
    "lead_portal.edit_question": PUBLIC,
    "lead_portal.move_question": PUBLIC,
    "lead_portal.delete_question": PUBLIC,
    "portal_scanners.index": PUBLIC,  # the portal's sign-in; only the company's own staff
    "portal_scanners.make": PUBLIC,
    "portal_scanners.revoke": PUBLIC,
    "booth.station": PUBLIC,  # the page itself; everything it does needs a scanner's token
    "booth.setup": PUBLIC,  # a one-time set-up code is the secret
    "payment_portal.request_pdf": PUBLIC,  # the portal's sign-in; only the company's own requests
    "agenda.agenda": PUBLIC,
    "matchmaking_agenda.agenda_pdf": PUBLIC,  # behind the person's manage link
    # business matching for participants: behind the person's manage link, pages and JSON
    "matching.directory": PUBLIC,
    "matching.person": PUBLIC,
    "matching.ask": PUBLIC,
    "matching.accept": PUBLIC,
    "matching.decline": PUBLIC,
    "matching.withdraw": PUBLIC,
    "matching.cancel": PUBLIC,
    "matching.block": PUBLIC,
    "matching.profile": PUBLIC,
    "matching.leave": PUBLIC,
    "news.index": PUBLIC,
    "news.post": PUBLIC,  # a 404 until its time has come
    "news.attachment": PUBLIC,
    "news.cover": PUBLIC,
    "news.feed": PUBLIC,
    "api_news.posts": PUBLIC,
    "api_news.post": PUBLIC,
    "api_matching.directory": PUBLIC,
    "api_matching.person": PUBLIC,
    "api_matching.ask": PUBLIC,
    "api_matching.accept": PUBLIC,
    "api_matching.decline": PUBLIC,
    "api_matching.withdraw": PUBLIC,
    "api_matching.cancel": PUBLIC,
    "matching_portal.invite": PUBLIC,  # the portal's sign-in; only the company's own staff
    "agenda.session": PUBLIC,
    "agenda.programme_feed": PUBLIC,
    "agenda.personal_feed": PUBLIC,
    "agenda.schedule_json": PUBLIC,
    "invitation.show": PUBLIC,
    "invitation.accept": PUBLIC,
    "invitation.decline": PUBLIC,
    "checkin.station": PUBLIC,  # the page itself; everything it does needs a device token
    "checkin.service_worker": PUBLIC,
    "checkin.manifest": PUBLIC,
    "checkin.setup": PUBLIC,  # a one-time set-up code is the secret
    "admin.login": PUBLIC,
    "staff.set_password": PUBLIC,  # the signed one-time link e-mailed to the account is the secret
    # any signed-in staff member
    "admin.dashboard": SIGNED_IN,
    "admin.logout": SIGNED_IN,
    # administrators only
    "events_admin.new": {ADMIN},
    "staff.users": {ADMIN},
    "staff.user_new": {ADMIN},
    "staff.user_edit": {ADMIN},
    "staff.password_link": {ADMIN},
    "staff.audit_log": {ADMIN},
    # organisers of the exhibition
    "admin.event_dashboard": {ADMIN, ORG},
    "events_admin.edit": {ADMIN, ORG},
    "registration_admin.index": {ADMIN, ORG},
    "registration_admin.export": {ADMIN, ORG},
    "registration_admin.detail": {ADMIN, ORG},
    "registration_admin.resend": {ADMIN, ORG},
    "registration_admin.cancel": {ADMIN, ORG},
    "categories.index": {ADMIN, ORG},
    "categories.edit": {ADMIN, ORG},
    "outbox.index": {ADMIN, ORG},
    "outbox.message": {ADMIN, ORG},
    "outbox.message_html": {ADMIN, ORG},
    "outbox.retry": {ADMIN, ORG},
    "outbox.retry_failed": {ADMIN, ORG},
    "staff.event_audit": {ADMIN, ORG},
    "registration_admin.erase": {ADMIN, ORG},
    "registration_admin.edit": {ADMIN, ORG},
    "registration_admin.change_category": {ADMIN, ORG},
    "registration_admin.check_in": {ADMIN, ORG},
    "badge_print.batch": {ADMIN, ORG},
    "certificate_admin.index": {ADMIN, ORG},
    "certificate_admin.template": {ADMIN, ORG},
    "certificate_admin.generate": {ADMIN, ORG},
    "certificate_admin.correct_name": {ADMIN, ORG},
    "certificate_admin.single": {ADMIN, ORG},
    "checkin_admin.devices": {ADMIN, ORG},
    "checkin_admin.device_update": {ADMIN, ORG},
    "checkin_admin.device_revoke": {ADMIN, ORG},
    "checkin_admin.device_setup_link": {ADMIN, ORG},
    "checkin_admin.checkpoint": {ADMIN, ORG},
    "checkin_live.live": {ADMIN, ORG},
    "programme.index": {ADMIN, ORG},
    "programme.session_new": {ADMIN, ORG},
    "programme.session_edit": {ADMIN, ORG},
    "programme.session_delete": {ADMIN, ORG},
    "programme.session_people": {ADMIN, ORG},
    "programme.publish": {ADMIN, ORG},
    "schedule.grid": {ADMIN, ORG},
    "schedule.place": {ADMIN, ORG},
    "schedule.conflicts": {ADMIN, ORG},
    "programme.rooms": {ADMIN, ORG},
    "programme.room_edit": {ADMIN, ORG},
    "programme.speakers": {ADMIN, ORG},
    "programme.speaker_edit": {ADMIN, ORG},
    "programme.booking_action": {ADMIN, ORG},
    "invitations.index": {ADMIN, ORG},
    "invitations.export": {ADMIN, ORG},
    "invitations.resend": {ADMIN, ORG},
    "invitations.resend_pending": {ADMIN, ORG},
    "visitor_import.upload": {ADMIN, ORG},
    "visitor_import.template": {ADMIN, ORG},
    # check-in staff: the walk-in desk, reprinting a badge there, and setting up their own station
    "desk.form": {ADMIN, ORG, CHECKIN},
    "desk.badge": {ADMIN, ORG, CHECKIN},
    "badge_print.single": {ADMIN, ORG, CHECKIN},
    "checkin_admin.station": {ADMIN, ORG, CHECKIN},
    # exhibitor managers: exhibitors, booths and the floor plan
    # booth fees: organisers and finance staff
    "statements.index": {ADMIN, ORG, FIN},
    "statements.detail": {ADMIN, ORG, FIN},
    "statements.profiles": {ADMIN, ORG, FIN},
    "statements.new_profile": {ADMIN, ORG, FIN},
    "statements.edit_profile": {ADMIN, ORG, FIN},
    "exhibitors_admin.index": {ADMIN, ORG, EXH},
    "exhibitors_admin.detail": {ADMIN, ORG, EXH},
    "exhibitors_admin.export": {ADMIN, ORG, EXH},
    "exhibitors_admin.edit": {ADMIN, ORG, EXH},
    "lead_admin.index": {ADMIN, ORG, EXH},
    "lead_admin.settings": {ADMIN, ORG, EXH},
    "lead_admin.enable": {ADMIN, ORG, EXH},
    "booths.floorplan": {ADMIN, ORG, EXH},
    "booths.booth": {ADMIN, ORG, EXH},
    "booths.assign": {ADMIN, ORG, EXH},
    "booths.move": {ADMIN, ORG, EXH},
    "booths.free": {ADMIN, ORG, EXH},
    "booths.delete": {ADMIN, ORG, EXH},
    "booths.import_plan": {ADMIN, ORG, EXH},
    "booths.export_plan": {ADMIN, ORG, EXH},
    "booths.allocation": {ADMIN, ORG, EXH},
    # finance: booth fees, payment requests, bank transactions
    "payments_admin.overview": {ADMIN, ORG, FIN},
    "payments_admin.settings": {ADMIN, ORG, FIN},
    "payments_admin.webhook_key": {ADMIN, ORG, FIN},
    "payments_admin.requests": {ADMIN, ORG, FIN},
    "payments_admin.create": {ADMIN, ORG, FIN},
    "payments_admin.detail": {ADMIN, ORG, FIN},
    "payments_admin.add_line": {ADMIN, ORG, FIN},
    "payments_admin.edit_line": {ADMIN, ORG, FIN},
    "payments_admin.remove_line": {ADMIN, ORG, FIN},
    "payments_admin.cancel": {ADMIN, ORG, FIN},
    "payments_admin.qr": {ADMIN, ORG, FIN},
    "payments_admin.transactions": {ADMIN, ORG, FIN},
    "payments_admin.transaction": {ADMIN, ORG, FIN},
    "payments_admin.refunded": {ADMIN, ORG, FIN},
    "payment_documents.request_pdf": {ADMIN, ORG, FIN},
    # business matching: the organisers' meeting schedule
    "matchmaking_schedule.page": {ADMIN, ORG, "matchmaking"},
    "matchmaking_schedule.compute": {ADMIN, ORG, "matchmaking"},
    "matchmaking_schedule.publish": {ADMIN, ORG, "matchmaking"},
    "einvoices.index": {ADMIN, ORG, FIN},
    "einvoices.export": {ADMIN, ORG, FIN},
    "einvoices.record": {ADMIN, ORG, FIN},
    "einvoices.tasks": {ADMIN, ORG, FIN},
    "einvoices.task_done": {ADMIN, ORG, FIN},
    # business matching, the organisers' pages
    "matchmaking_documents.table_sheets": {ADMIN, ORG, MM},
    "matchmaking_admin.index": {ADMIN, ORG, MM},
    "matchmaking_admin.session_new": {ADMIN, ORG, MM},
    "matchmaking_admin.session": {ADMIN, ORG, MM},
    "matchmaking_admin.booth_host": {ADMIN, ORG, MM},
    "matchmaking_admin.requests": {ADMIN, ORG, MM},
    "matchmaking_admin.meetings": {ADMIN, ORG, MM},
    "matchmaking_admin.cancel": {ADMIN, ORG, MM},
    "matchmaking_admin.participants": {ADMIN, ORG, MM},
    "matchmaking_admin.participant": {ADMIN, ORG, MM},
    "matchmaking_admin.import_buyers": {ADMIN, ORG, MM},
    # the JSON API of check-in devices
    "api.ping": PUBLIC,
    "api.openapi": PUBLIC,
    "api.device_setup": PUBLIC,  # exchanges a one-time set-up code for a token
    "api.device_info": DEVICE,
    "api.checkin": DEVICE,
    "api.checkin_batch": DEVICE,
    "api.checkin_undo": DEVICE,
    "api.checkpoint_badges": DEVICE,
    "api.checkpoint_search": DEVICE,
    "api.arrival_badge": DEVICE,
    "api.event_stats": "stats",  # a device of the exhibition, or its organisers
    "api.payments_webhook": WEBHOOK,  # the bank-notification service, by the exhibition's key
    # business matching: meetings at the table, outcomes, the report, the portal's booth meetings
    "api.matchmaking_scan": DEVICE,
    "api.matchmaking_places": DEVICE,
    # the booth scanners' JSON API (lead retrieval)
    "api_leads.setup": PUBLIC,  # exchanges a one-time set-up code for a scanner's token
    "api_leads.scanner_info": SCANNER,
    "api_leads.scan": SCANNER,
    "api_leads.scan_batch": SCANNER,
    "api_leads.lead": SCANNER,
    "api_leads.add_note": SCANNER,
    "api_leads.qualify": SCANNER,
    "api_leads.questions": SCANNER,
    "matchmaking_station.station": PUBLIC,  # the page; the scans need the device token
    "matching_outcomes.rate": PUBLIC,  # by the registration's secret link
    "matchmaking_portal.index": PUBLIC,  # the exhibitor portal's own sign-in
    "matchmaking_portal.assign": PUBLIC,
    "matchmaking_report.overview": {ADMIN, ORG, MM},  # and business matching staff
    "matchmaking_report.export_figures": {ADMIN, ORG, MM},
    "matchmaking_report.export_meetings": {ADMIN, ORG, MM},
    "news_admin.index": {ADMIN, ORG, ED},
    "news_admin.new": {ADMIN, ORG, ED},
    "news_admin.edit": {ADMIN, ORG, ED},
    "news_admin.preview": {ADMIN, ORG, ED},
    "news_admin.state": {ADMIN, ORG, ED},
    "news_admin.send": {ADMIN, ORG, ED},
    "news_admin.attach": {ADMIN, ORG, ED},
    "news_admin.detach": {ADMIN, ORG, ED},
}

# Who is asking. "organiser_b" organises another exhibition only; "nobody" has no role at all.
PRINCIPALS = {
    "anonymous": None,
    "nobody": set(),
    "administrator": "administrator",
    "organiser": {ORG},
    "organiser_b": "other",
    "checkin": {CHECKIN},
    "exhibitors": {EXH},
    "finance": {FIN},
    "matchmaking": {MM},
    "editor": {ED},
}


@pytest.fixture
def sweep_app(migrated_urls, tmp_path):
    app = make_app(migrated_urls["sqlite"], tmp_path / "instance", WTF_CSRF_ENABLED=False)
    with app.app_context():
        _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _people(app) -> tuple[str, int]:
    """Staff accounts for every principal; the token of a demo station, and the id of another
    device for the device pages to work on (and revoke)."""
    from exhibition.accounts.models import Role
    from exhibition.accounts.services import create_organiser, grant_role
    from exhibition.checkin.services import create_device
    from exhibition.events.models import Event
    from exhibition.events.services import EventData, create_event

    with app.app_context():
        demo = db.session.scalar(sa.select(Event).order_by(Event.id))
        other = create_event(
            data=EventData(
                slug="other-expo",
                name_vi="Triển lãm khác",
                name_en="Another exhibition",
                venue_vi="Hà Nội",
                venue_en="Hanoi",
                starts_at=demo.starts_at,
                ends_at=demo.ends_at,
                registration_opens_at=demo.registration_opens_at,
                registration_closes_at=demo.registration_closes_at,
            )
        )
        for name, roles in PRINCIPALS.items():
            if roles is None:
                continue
            user = create_organiser(
                email=f"{name}@example.com",
                password="mat-khau-dai",
                administrator=roles == "administrator",
            )
            if roles == "other":
                grant_role(user=user, event=other, role=Role.ORGANISER)
            elif isinstance(roles, set):
                for role in roles:
                    grant_role(user=user, event=demo, role=Role(role))
        _, token = create_device(event=demo, name="Cổng sweep")
        target, _ = create_device(event=demo, name="Cổng 2")
        db.session.commit()
        return token, target.id


def _client(app, principal):
    client = app.test_client()
    if PRINCIPALS[principal] is not None:
        response = client.post(
            "/admin/login",
            data={"email": f"{principal}@example.com", "password": "mat-khau-dai"},
        )
        assert response.status_code == 302, principal
    return client


def _allowed(rule, principal: str) -> bool:
    expected = EXPECTED[rule]
    if expected == PUBLIC:
        return True
    if principal == "anonymous":
        return False
    if expected == SIGNED_IN:
        return True
    if expected in (DEVICE, "stats"):
        return expected == "stats" and principal in ("administrator", "organiser")
    if expected in (WEBHOOK, SCANNER):
        return False  # no signed-in account stands for the key or the scanner
    if principal == "administrator":
        return True
    roles = PRINCIPALS[principal]
    if roles == "other":
        # Organiser of another exhibition: only pages that are not about one exhibition.
        return ORG in expected and "<slug>" not in rule_path[rule]
    return bool(set(roles) & expected)


rule_path: dict[str, str] = {}


def _refused(response, principal: str, endpoint: str) -> bool:
    if endpoint.startswith(("api.", "api_leads.")):
        return response.status_code in (401, 403)
    if principal == "anonymous":
        return response.status_code == 302 and "/admin/login" in response.headers["Location"]
    return response.status_code == 403


def test_every_endpoint_is_in_the_expected_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "classify these new routes in EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "these routes no longer exist"


def test_url_map_sweep_every_role_reaches_only_what_it_should(sweep_app):
    app = sweep_app
    values = demo_values(app)
    token, values["device_id"] = _people(app)
    values["user_id"] = 1
    requests = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            rule_path[rule.endpoint] = rule.rule
            if rule.endpoint == "static":
                continue
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                requests.append((rule.endpoint, method, url))
    assert len(requests) > 140

    checked = {"allowed": 0, "refused": 0}
    for principal in PRINCIPALS:
        client = _client(app, principal)
        for endpoint, method, url in requests:
            if endpoint == "admin.logout":
                continue  # it would end this client's session; tested below
            response = client.open(url, method=method)
            allowed = _allowed(endpoint, principal)
            assert response.status_code < 500, (principal, method, url, response.status_code)
            if allowed:
                assert not _refused(response, principal, endpoint), (
                    principal,
                    method,
                    url,
                    response.status_code,
                )
                checked["allowed"] += 1
            else:
                assert _refused(response, principal, endpoint), (
                    principal,
                    method,
                    url,
                    response.status_code,
                )
                checked["refused"] += 1
    # A device token reaches the device API and nothing of the staff pages.
    device = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    for endpoint, method, url in requests:
        response = device.open(url, method=method, headers=auth)
        assert response.status_code < 500, ("device", method, url)
        if EXPECTED[endpoint] in (DEVICE, "stats"):
            assert response.status_code not in (401, 403), ("device", method, url)
        elif EXPECTED[endpoint] in (WEBHOOK, SCANNER):
            assert response.status_code == 401, ("device", method, url)
        elif isinstance(EXPECTED[endpoint], set) or EXPECTED[endpoint] == SIGNED_IN:
            assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert checked["refused"] > 300 and checked["allowed"] > 300, checked


def test_logout_needs_a_signed_in_account_of_any_kind(sweep_app):
    app = sweep_app
    demo_values(app)
    _people(app)
    anonymous = app.test_client().post("/admin/logout")
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    for principal in ("nobody", "checkin", "administrator"):
        client = _client(app, principal)
        assert client.post("/admin/logout").status_code == 302
        assert re.search("/admin/login", client.get("/admin/").headers["Location"])
