"""Organisers correct a registration from its page: the details and e-mail address, the category,
"check in now" (a scan of the organiser's own device) and a cancellation that asks first; every
change in the audit log by registration number, never with the person's data."""

import threading

import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry, User
from exhibition.checkin.models import Device, Scan, ScanResult
from exhibition.checkin.stats import event_stats
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.visitors.models import Registration, RegistrationStatus, VisitorCategory
from tests.conftest import login_client, on_today
from tests.pages import form_posting_to
from tests.programme.test_browser import sign_in as browser_sign_in

PAGE = "/admin/events/expo-2026/registrations"


def audit(app, action):
    with app.app_context():
        return [
            (e.actor, e.target_type, e.target_id, e.summary)
            for e in db.session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        ]


def registration(app, registration_id) -> Registration:
    with app.app_context():
        found = db.session.get(Registration, registration_id)
        assert found.category and found.sectors is not None  # loaded before the session ends
        db.session.expunge(found)
        return found


def figures(app):
    with app.test_request_context():
        totals = event_stats(event=get_event(slug="expo-2026"))["totals"]
        return totals["checked_in"], totals["inside_now"]


def edit_form(client, registration_id):
    url = f"{PAGE}/{registration_id}/edit"
    return form_posting_to(client.get(url).text, url, url)


def test_organiser_corrects_the_details_and_the_log_names_what_changed_not_the_person(
    app, client, make_event, make_visitor
):
    make_event()
    visitor = make_visitor(full_name="Nguyễn Thị Hồng Nhug", organisation="Cty Hải An")
    with app.app_context():
        db.session.get(Registration, visitor["id"]).badge_printed_at = db.func.now()
        db.session.commit()
    login_client(app, client)
    detail = client.get(f"{PAGE}/{visitor['id']}")
    assert f'href="{PAGE}/{visitor["id"]}/edit"' in detail.text  # the page's own link
    form = edit_form(client, visitor["id"])
    assert form.control("full_name").value == "Nguyễn Thị Hồng Nhug"
    saved = client.post(
        form.action,
        data=form.data(
            full_name="Nguyễn Thị Hồng Nhung",
            organisation="Công ty TNHH Cơ khí Hải An",
            phone="0225 3822 456",
            province="ABROAD",
            country="JP",
            sectors=["mechanical", "electronics"],
            language="en",
        ),
    )
    assert saved.status_code == 302
    assert "Saved." in client.get(saved.headers["Location"]).text
    changed = registration(app, visitor["id"])
    assert (changed.full_name, changed.organisation, changed.phone) == (
        "Nguyễn Thị Hồng Nhung",
        "Công ty TNHH Cơ khí Hải An",
        "+842253822456",
    )
    assert (changed.province_code, changed.country_code, changed.language) == (None, "JP", "en")
    assert sorted(s.code for s in changed.sectors) == ["electronics", "mechanical"]
    assert changed.email == visitor["email"] and changed.manage_token == visitor["manage_token"]
    assert changed.badge_printed_at is None  # the name on the printed badge was wrong
    ((actor, target_type, target_id, summary),) = audit(app, "registration.changed")
    assert (actor, target_type, target_id) == ("btc@example.com", "registration", visitor["id"])
    assert (
        summary
        == "Full name, Phone, Organisation, Province or city, Sectors of interest, Language for e-mails"
    )
    again = edit_form(client, visitor["id"])
    assert client.post(again.action, data=again.data()).status_code == 302
    assert len(audit(app, "registration.changed")) == 1  # nothing changed, nothing logged
    refused = client.post(again.action, data=again.data(full_name="", phone="12"))
    assert refused.status_code == 422
    assert registration(app, visitor["id"]).full_name == "Nguyễn Thị Hồng Nhung"


def test_a_new_email_address_keeps_one_registration_per_address_and_replaces_the_link(
    app, client, make_event, make_visitor
):
    make_event()
    person, other = make_visitor(email="nhung@gmial.com"), make_visitor(email="binh@example.com")
    with app.app_context():
        db.session.get(Registration, person["id"]).email_verified_at = db.func.now()
        db.session.commit()
    login_client(app, client)
    form = edit_form(client, person["id"])
    assert form.control("email").value == "nhung@gmial.com"
    taken = client.post(form.action, data=form.data(email="BINH@example.com"))
    assert taken.status_code == 422
    assert "one address, one registration" in taken.text
    assert registration(app, person["id"]).email == "nhung@gmial.com"
    moved = client.post(form.action, data=form.data(email="nhung@gmail.com"))
    assert moved.status_code == 302
    assert "send the confirmation again" in client.get(moved.headers["Location"]).text
    changed = registration(app, person["id"])
    assert (changed.email, changed.email_key) == ("nhung@gmail.com", "nhung@gmail.com")
    assert changed.email_verified_at is None  # a typed address is not proven
    assert changed.manage_token != person["manage_token"]
    assert client.get(f"/r/{person['manage_token']}").status_code == 404  # sent to the old one
    assert client.get(f"/r/{changed.manage_token}").status_code == 200
    assert client.get("/admin/events/expo-2026/registrations?q=gmail.com").text.count(
        f"{PAGE}/{person['id']}"
    )
    ((*_who, summary),) = audit(app, "registration.changed")
    assert summary == "E-mail" and "gmail" not in summary
    # The address the person had is free again: someone else may register with it.
    assert registration(app, other["id"]).email == "binh@example.com"


def test_category_changes_to_any_category_of_the_exhibition_and_is_logged(
    app, client, make_event, make_visitor
):
    make_event()
    visitor = make_visitor()
    login_client(app, client)
    url = f"{PAGE}/{visitor['id']}"
    form = form_posting_to(client.get(url).text, f"{url}/category", url)
    offered = [value for value, _selected in form.control("category").options]
    with app.app_context():
        categories = dict(
            db.session.execute(sa.select(VisitorCategory.code, VisitorCategory.id)).all()
        )
        vip = db.session.scalar(sa.select(VisitorCategory).where(VisitorCategory.code == "vip"))
        assert vip.is_public is False  # not offered on the public form, offered here
    assert sorted(offered) == sorted(str(i) for i in categories.values())
    changed = client.post(form.action, data=form.data(category=str(categories["vip"])))
    assert changed.status_code == 302
    assert "The category is now VIP." in client.get(url).text
    assert registration(app, visitor["id"]).category.code == "vip"
    assert audit(app, "registration.category_changed") == [
        ("btc@example.com", "registration", visitor["id"], "Trade visitor → VIP")
    ]
    form = form_posting_to(client.get(url).text, f"{url}/category", url)
    for odd in ("999999", ""):  # not offered: a crafted request is refused, clearly
        refused = client.post(form.action, data=form.data(category=odd))
        assert refused.status_code == 302
        assert "flash-error" in client.get(url).text
    assert registration(app, visitor["id"]).category.code == "vip"


def test_check_in_now_is_a_scan_of_the_organisers_own_device_and_counts_live(
    app, make_event, make_visitor, browser, live_server
):
    make_event()  # opens in a month: the organiser lets the person in anyway
    visitor, other = make_visitor(), make_visitor()
    assert figures(app) == (0, 0)
    page = browser.new_page()
    browser_sign_in(app, page, live_server)
    page.goto(f"{live_server}{PAGE}/{visitor['id']}")
    page.click("button:has-text('Check in now')")
    page.wait_for_selector(".flash-success")
    assert "Checked in" in page.inner_text(".flash-success")
    assert figures(app) == (1, 1)
    page.click("button:has-text('Check in now')")  # one presence a day
    page.wait_for_selector(".flash-warning")
    assert "Already checked in today" in page.inner_text(".flash-warning")
    page.goto(f"{live_server}{PAGE}/{other['id']}")
    page.click("button:has-text('Check in now')")
    page.wait_for_selector(".flash-success")
    assert figures(app) == (2, 2)
    with app.app_context():
        organiser = db.session.scalar(sa.select(User).where(User.email == "btc@example.com"))
        (device,) = db.session.scalars(sa.select(Device)).all()
        assert (device.user_id, device.name) == (organiser.id, "In person: btc@example.com")
        scans = db.session.scalars(sa.select(Scan).order_by(Scan.id)).all()
        assert [(s.registration_id, s.result, s.admitted, s.device_id) for s in scans] == [
            (visitor["id"], ScanResult.OK, True, device.id),
            (visitor["id"], ScanResult.ALREADY_CHECKED_IN, True, device.id),
            (other["id"], ScanResult.OK, True, device.id),
        ]
    assert [target for _a, _t, target, _s in audit(app, "registration.checked_in")] == [
        visitor["id"],
        other["id"],
    ]
    page.goto(f"{live_server}{PAGE}/{visitor['id']}")
    assert "In person: btc@example.com" in page.inner_text("main")  # the page's scans


def test_check_in_now_at_the_same_moment_in_two_tabs_makes_one_device(
    app, make_event, make_visitor
):
    make_event(**on_today())
    people = [make_visitor() for _ in range(4)]
    clients = [login_client(app, app.test_client()) for _ in people]
    forms = []
    for client, person in zip(clients, people, strict=True):
        url = f"{PAGE}/{person['id']}"
        forms.append(form_posting_to(client.get(url).text, f"{url}/check-in", url))
    start = threading.Barrier(len(people))
    answers = []

    def worker(client, form):
        start.wait()
        answer = client.post(form.action, data=form.data())
        answers.append((answer.status_code, "Checked in" in client.get(form.page_url).text))

    threads = [
        threading.Thread(target=worker, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [(302, True)] * len(people)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Device)) == 1
    assert figures(app) == (4, 4)


def test_cancel_asks_first_and_only_the_confirmation_cancels(
    app, make_event, make_visitor, make_device, browser, live_server
):
    make_event(**on_today())
    visitor = make_visitor()
    page = browser.new_page()
    browser_sign_in(app, page, live_server)
    page.goto(f"{live_server}{PAGE}/{visitor['id']}")
    page.click("text=Cancel registration")
    page.wait_for_url(f"**{PAGE}/{visitor['id']}/cancel")
    assert "Cancel the registration of Nguyễn Thị Hồng Nhung?" in page.inner_text("h2")
    assert registration(app, visitor["id"]).status is RegistrationStatus.CONFIRMED
    page.click("text=No, keep it")
    page.wait_for_url(f"**{PAGE}/{visitor['id']}")
    assert registration(app, visitor["id"]).status is RegistrationStatus.CONFIRMED
    page.click("text=Cancel registration")
    page.click("button:has-text('Yes, cancel this registration')")
    page.wait_for_selector(".flash-success")
    assert "The registration has been cancelled." in page.inner_text(".flash-success")
    assert registration(app, visitor["id"]).status is RegistrationStatus.CANCELLED
    assert page.query_selector("text=Check in now") is None
    token = make_device()
    client = app.test_client()
    answer = client.post(
        "/api/v1/checkin",
        json={"code": visitor["badge_code"], "nonce": "after-cancel", "type": "entry"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json["result"] == "cancelled"
