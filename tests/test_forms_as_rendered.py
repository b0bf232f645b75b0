"""Every form that posts, sent as its page renders it, is taken: never "your form expired" (a
form that renders no CSRF token, or one built without it) and never a server error.

The forms are not listed by hand: every GET page of the URL map (with the demo exhibition loaded)
is read as an anonymous visitor, as an organiser, as a visitor who followed their "my
registration" link, and as an exhibitor signed in to the portal; each POST form found is sent
with its own fields only (its hidden inputs and token, its ticked boxes and chosen options, a
plausible value where a field is required and empty, its own button), as a browser would.
"""

import itertools
import re

import sqlalchemy as sa

from exhibition.extensions import db
from tests.conftest import login_client
from tests.pages import Control, RenderedForm, forms_in
from tests.test_properties import _future_invitation
from tests.test_url_map import demo_values, get_urls

# Forms that take something away or end the session they are sent in, in the order they are
# sent after all the others (so that the others still find what they work on, and each of these
# still finds its own).
LAST = [
    "visitors.leave_session",
    "programme.booking_action",
    "portal.remove_staff",
    "invitation.decline",
    "booths.free",
    "booths.delete",
    "programme.session_delete",
    "checkin_admin.device_revoke",
    "visitors.cancel",
    "registration_admin.cancel",
    "visitors.erase",  # after which the person's pages answer 410 Gone
    "registration_admin.erase",
]
SIGN_OUT = ["admin.logout", "portal.logout"]  # the very last
# The person's own pages show the same forms to every client: one client takes things away.
PERSON_OWN = {"visitors.leave_session", "visitors.cancel", "visitors.erase", "invitation.decline"}


_numbers = itertools.count(1)


def plausible(control: Control, page_day: str) -> str | list[str] | None:
    """A value a person would give a required field that the page leaves empty."""
    if control.type == "checkbox":
        return control.value or "y"
    if control.type == "radio":
        return control.value
    if control.type == "select":
        offered = [value for value, _selected in control.options if value]
        return offered[:1] or None
    if control.type == "file":
        return None
    name = control.name
    if control.type == "email" or name.endswith("email"):
        return f"nguoi.dung{next(_numbers)}@example.com"  # a new person each time
    if control.type == "tel" or name.endswith("phone"):
        return "0912 345 678"
    if control.type == "password":
        return "mat-khau-rat-dai-2026"
    if control.type == "date":
        return page_day
    if control.type == "datetime-local":  # in order: opens, closes, starts, ends
        hour = {"registration_opens_at": 6, "registration_closes_at": 7, "ends_at": 17}
        return f"{page_day}T{hour.get(name, 9):02d}:00"
    if control.type == "number":
        return "3"
    if name == "slug":
        return "trien-lam-moi"
    if name == "code":
        return f"moi{next(_numbers)}"
    if name == "tax_code":
        from stdnum.vn import mst

        nine = f"04{next(_numbers):07d}"
        return nine + mst.calc_check_digit(nine)
    return "Nguyễn Văn An"


def _submission(form: RenderedForm, day: str):
    typed: dict[str, str | list[str]] = {}
    radios_chosen = {c.name for c in form.controls if c.type == "radio" and c.checked}
    for control in form.controls:
        if not control.name or control.disabled or not control.required:
            continue
        if control.type == "radio":
            if control.name not in radios_chosen:
                radios_chosen.add(control.name)
                typed[control.name] = control.value
            continue
        if control.type == "checkbox":
            if not control.checked:
                typed.setdefault(control.name, [])
                typed[control.name] = [*typed[control.name], control.value or "y"]
            continue
        if control.type == "select":
            if not any(value for value, selected in control.options if selected):
                value = plausible(control, day)
                if value:
                    typed[control.name] = value
            continue
        if not control.value.strip():
            value = plausible(control, day)
            if value is not None:
                typed[control.name] = value
    # A ticked box that is required keeps what the page ticked besides.
    for name, value in list(typed.items()):
        if isinstance(value, list):
            ticked = [c.value for c in form.controls if c.name == name and c.checked]
            typed[name] = ticked + value
    return form.data(**typed)


def _portal_client(app, values):
    """An exhibitor's contact signed in to the portal by its own pages: the sign-in form, the
    link e-mailed, and the link's confirmation form."""
    from exhibition.exhibitors.models import Exhibitor
    from exhibition.mail.models import OutboxMessage

    with app.app_context():
        contact = db.session.get(Exhibitor, values["exhibitor_id"]).contact_email
    client = app.test_client()
    login = f"/events/{values['slug']}/portal/login"
    page = client.get(login)
    (form,) = [f for f in forms_in(page.text, login) if f.method == "POST"]
    assert client.post(form.action, data=form.data(email=contact)).status_code == 200
    with app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == "exhibitor_portal_link")
            .order_by(OutboxMessage.id.desc())
        )
    link = re.search(r"http://testserver\.local(/events/\S+/portal/login/\S+)", body).group(1)
    confirm = client.get(link)
    (form,) = [f for f in forms_in(confirm.text, link) if f.method == "POST"]
    assert client.post(form.action, data=form.data()).status_code == 302
    return client


def _visitor_client(app, values):
    """A visitor who opened the link of their confirmation e-mail (their address proven)."""
    client = app.test_client()
    opened = client.get(f"/r/{values['token']}/proof/{values['proof']}")
    assert opened.status_code == 302
    return client


def _expired(answer) -> bool:
    """Whether the answer is the "your form expired" page (the CSRF token was refused)."""
    text = answer.text.lower()
    return answer.status_code == 400 and ("form expired" in text or "biểu mẫu đã hết hạn" in text)


def test_every_form_that_posts_is_taken_as_its_page_renders_it(app):
    values = demo_values(app)
    with app.app_context():
        from exhibition.events.services import get_event
        from exhibition.visitors.models import Registration

        # The organiser cancels and erases another person than the one following their link.
        values["registration_id"] = db.session.scalar(
            sa.select(Registration.id)
            .where(Registration.id != values["registration_id"])
            .order_by(Registration.id)
        )

        invitation = _future_invitation()  # the demo's sessions are over: one still to answer
        db.session.commit()
        event = get_event(slug=values["slug"])
        day = event.starts_at.astimezone(event.tz).date().isoformat()
    urls = [*get_urls(app, values), f"/invitations/{invitation}"]
    clients = {
        "anonymous": app.test_client(),
        "organiser": login_client(app, app.test_client()),
        "visitor": _visitor_client(app, values),
        "exhibitor": _portal_client(app, values),
    }
    adapter = app.url_map.bind("localhost")

    def forms_of_the_pages(who: str) -> dict[tuple, tuple[str, RenderedForm]]:
        found = {}
        for url in urls:
            page = clients[who].get(url, query_string={"lang": "vi"})
            if page.status_code != 200 or page.mimetype != "text/html":
                continue
            for form in forms_in(page.text, url):
                if form.method == "POST":
                    endpoint, _args = adapter.match(form.action.split("?")[0], method="POST")
                    found.setdefault((who, endpoint, form.field_names()), (url, form))
        return found

    sent: dict[tuple, int] = {}
    refused = []

    def send(key, url, form):
        who, endpoint, _fields = key
        answer = clients[who].post(form.action, data=_submission(form, day))
        sent[key] = answer.status_code
        signed_out = (
            who == "organiser"
            and endpoint != "admin.logout"
            and "/admin/login" in answer.headers.get("Location", "")
        )
        if answer.status_code == 400 or answer.status_code >= 500 or signed_out:
            refused.append((who, url, endpoint, answer.status_code, _expired(answer)))

    def new_forms():
        return {
            key: page_form
            for who in clients
            for key, page_form in forms_of_the_pages(who).items()
            if key not in sent and not (key[1] in PERSON_OWN and who != "visitor")
        }

    # Forms that add things show more forms (a device added shows its own): the pages are read
    # again until no new form appears.
    for _round in range(3):
        new = {
            key: found
            for key, found in new_forms().items()
            if key[1] not in LAST and key[1] not in SIGN_OUT
        }
        for key, (url, form) in new.items():
            send(key, url, form)
        if not new:
            break
    # Then the forms that take things away, one at a time from the page as it is by then (a
    # freed booth shows "delete this booth").
    for group in (LAST, LAST, SIGN_OUT):
        new = {key: found for key, found in new_forms().items() if key[1] in group}
        for key in sorted(new, key=lambda key: group.index(key[1])):
            url = new[key][0]
            page = clients[key[0]].get(url, query_string={"lang": "vi"})
            for form in forms_in(page.text, url):
                if form.method == "POST" and form.field_names() == key[2]:
                    endpoint, _args = adapter.match(form.action.split("?")[0], method="POST")
                    if endpoint == key[1]:
                        send(key, url, form)
                        break
    assert len({key[1] for key in sent}) >= 45
    assert refused == []
