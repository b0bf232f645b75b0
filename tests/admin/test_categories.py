"""Organisers change a visitor category on the categories page: names, colour, public or not;
its code stays, and the change is in the audit log."""

import re

import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry
from exhibition.extensions import db
from exhibition.visitors.models import VisitorCategory
from tests.admin.test_sign_in import rendered_form
from tests.conftest import login_client


def category(app, code, slug="expo-2026"):
    with app.app_context():
        found = db.session.scalar(
            sa.select(VisitorCategory)
            .join(VisitorCategory.event)
            .where(VisitorCategory.code == code)
            .where(VisitorCategory.event.has(slug=slug))
        )
        return (found.id, found.code, found.name_vi, found.name_en, found.color, found.is_public)


def edit_link(html: str, name: str) -> str:
    """The href of the "Change" link in the row of the category named `name`."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f"<td>{name}</td>" in r)
    return re.search(r'href="([^"]+)"', row)[1]


def test_organiser_changes_a_category_from_the_categories_page(app, client, make_event):
    make_event()
    login_client(app, client)
    vip_id = category(app, "vip")[0]
    visitor = app.test_client()
    assert "Khách mời đặc biệt" not in visitor.get("/events/expo-2026/register").text
    listing = client.get("/admin/events/expo-2026/categories")
    path = edit_link(listing.text, "Khách mời VIP")
    assert path == f"/admin/events/expo-2026/categories/{vip_id}"
    page = client.get(path)
    assert page.status_code == 200
    assert "<code>vip</code>" in page.text and 'name="code"' not in page.text

    saved = client.post(
        path,
        data=rendered_form(
            page.text,
            name_vi="Khách mời đặc biệt",
            name_en="Special guest",
            color="#AA3300",
            is_public="y",
            code="hacked",  # not a field of this form: the code stays
        ),
    )

    assert saved.status_code == 302
    assert saved.headers["Location"] == "/admin/events/expo-2026/categories"
    assert category(app, "vip") == (
        vip_id, "vip", "Khách mời đặc biệt", "Special guest", "#aa3300", True,
    )  # fmt: skip
    assert f'<option value="{vip_id}">Khách mời đặc biệt</option>' in (
        visitor.get("/events/expo-2026/register").text
    )
    with app.app_context():
        entries = db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.target_type, AuditEntry.target_id)
        ).all()
    assert [tuple(e) for e in entries] == [("category.changed", "category", vip_id)]

    # Taken off the public form again: the box unticked.
    page = client.get(path)
    assert client.post(path, data=rendered_form(page.text, is_public=None)).status_code == 302
    assert category(app, "vip")[5] is False
    assert "Khách mời đặc biệt" not in visitor.get("/events/expo-2026/register").text


def test_category_change_with_a_bad_colour_or_no_name_keeps_what_was_stored(
    app, client, make_event
):
    make_event()
    login_client(app, client)
    before = category(app, "press")
    path = f"/admin/events/expo-2026/categories/{before[0]}"
    page = client.get(path)

    bad = client.post(path, data=rendered_form(page.text, name_vi="", color="red"))

    assert bad.status_code == 422
    assert "Enter the name." in bad.text and "A colour such as #1f6feb." in bad.text
    assert category(app, "press") == before


def test_category_of_another_exhibition_is_not_found(app, client, make_event):
    make_event()
    make_event(slug="other-2026")
    login_client(app, client)
    other = category(app, "press", slug="other-2026")[0]
    assert client.get(f"/admin/events/expo-2026/categories/{other}").status_code == 404
