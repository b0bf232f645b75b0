"""Signing in and out: a copied cookie stops working after sign-out, a new password or the
account being switched off, and an unknown e-mail costs the same password check as a known one."""

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from exhibition.accounts import models as admin_models
from exhibition.accounts.models import User
from exhibition.accounts.services import create_organiser
from exhibition.extensions import db
from tests.test_cli import invoke

PASSWORD = "mat-khau-dai"
STAFF_LOGIN = "/admin/login?next=%2Fadmin%2Fstaff"


class _Form(HTMLParser):
    """What a browser sends for the form whose action ends with `action` (with none, the form
    that posts to the page itself): its hidden and text fields, its ticked boxes, its text areas
    and the chosen option of each list."""

    def __init__(self, action: str | None):
        super().__init__()
        self.action = action
        self.inside = False
        self.found = False
        self.data: dict[str, str] = {}
        self.textarea: str | None = None  # the name of the text area being read
        self.text: list[str] = []
        self.select: str | None = None  # the name of the list being read
        self.multiple = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and not self.found:
            target = attributes.get("action")
            if self.action is None:
                self.inside = target is None
            else:
                self.inside = target is not None and target.endswith(self.action)
            self.found = self.inside
        elif not self.inside or (tag != "option" and not attributes.get("name")):
            return
        elif tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.data[attributes["name"]] = attributes.get("value") or ""
        elif tag == "textarea":
            self.textarea, self.text = attributes["name"], []
        elif tag == "select":
            self.select, self.multiple = attributes["name"], "multiple" in attributes
        elif tag == "option" and self.select:
            first = self.select not in self.data and not self.multiple
            if first or "selected" in attributes:
                self.data[self.select] = attributes.get("value") or ""

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            # A browser drops the line break that follows <textarea>.
            text = "".join(self.text)
            self.data[self.textarea] = text.removeprefix("\r\n").removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None


def rendered_form(html: str, action: str | None = None, **changes) -> dict:
    """The form as the page renders it, with `changes` typed in (None unticks a box)."""
    parser = _Form(action)
    parser.feed(html)
    assert parser.found, f"no form {action or ''} in the page"
    data = dict(parser.data)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def account(app, email, *, administrator=True):
    with app.app_context():
        user = create_organiser(email=email, password=PASSWORD, administrator=administrator)
        db.session.commit()
        return user.id


def sign_in(client, email, password=PASSWORD):
    page = client.get("/admin/login?lang=en")
    return client.post(
        "/admin/login", data=rendered_form(page.text, email=email, password=password)
    )


def session_cookie(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def with_cookie(app, value: str):
    """A fresh browser holding a copy of someone's session cookie."""
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return other


def staff_page(client) -> tuple[int, str | None]:
    """The staff page's answer: (200, None) when signed in, (302, the sign-in page) when not."""
    response = client.get("/admin/staff")
    return response.status_code, response.headers.get("Location")


def signed_in_copy(app, client, email):
    """Sign `client` in and return a copy of its cookie, checked to open the staff page."""
    assert sign_in(client, email).status_code == 302
    copied = session_cookie(app, client)
    assert staff_page(with_cookie(app, copied)) == (200, None)
    return copied


def test_copied_cookie_stops_working_after_sign_out_through_the_page(app, client):
    account(app, "admin@example.com")
    copied = signed_in_copy(app, client, "admin@example.com")

    home = client.get("/admin/")
    signed_out = client.post("/admin/logout", data=rendered_form(home.text, "/admin/logout"))

    assert signed_out.status_code == 302
    assert staff_page(client) == (302, STAFF_LOGIN)
    assert staff_page(with_cookie(app, copied)) == (302, STAFF_LOGIN)


def test_copied_cookie_stops_working_after_a_new_password_from_the_command_line(
    app, client, runner
):
    account(app, "admin@example.com")
    copied = signed_in_copy(app, client, "admin@example.com")

    result = invoke(
        app, runner, "create-organiser", "--email", "admin@example.com",
        input="another-password\nanother-password\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert staff_page(with_cookie(app, copied)) == (302, STAFF_LOGIN)
    assert staff_page(client) == (302, STAFF_LOGIN)
    assert sign_in(app.test_client(), "admin@example.com", "another-password").status_code == 302


def send_password_link(client, user_id: int) -> None:
    """An administrator's click on "Send a link to set a new password" on the account's page."""
    action = f"/admin/staff/{user_id}/password-link"
    page = client.get(f"/admin/staff/{user_id}")
    assert client.post(action, data=rendered_form(page.text, action)).status_code == 302


def test_copied_cookie_stops_working_after_a_new_password_set_by_the_emailed_link(app, client):
    from tests.admin.test_staff import link_in_mail, set_password

    account(app, "admin@example.com")
    user_id = account(app, "other@example.com")
    copied = signed_in_copy(app, app.test_client(), "other@example.com")
    sign_in(client, "admin@example.com")
    send_password_link(client, user_id)
    assert staff_page(with_cookie(app, copied)) == (200, None)  # not until the link is used

    saved = set_password(
        app.test_client(), link_in_mail(app, "other@example.com"), "new-password-2"
    )

    assert saved.status_code == 302
    assert staff_page(with_cookie(app, copied)) == (302, STAFF_LOGIN)
    # The administrator who sent the link is still signed in.
    assert staff_page(client) == (200, None)


def test_own_new_password_keeps_this_browser_signed_in_and_ends_the_others(app, client):
    from tests.admin.test_staff import link_in_mail, set_password

    user_id = account(app, "admin@example.com")
    account(app, "other@example.com")
    copied = signed_in_copy(app, app.test_client(), "admin@example.com")
    sign_in(client, "admin@example.com")
    send_password_link(client, user_id)

    saved = set_password(client, link_in_mail(app, "admin@example.com"), "new-password-2")

    assert saved.status_code == 302
    assert staff_page(client) == (200, None)
    assert staff_page(with_cookie(app, copied)) == (302, STAFF_LOGIN)


def test_copied_cookie_stops_working_after_the_account_is_switched_off_and_on(app, client):
    account(app, "admin@example.com")
    user_id = account(app, "other@example.com")
    copied = signed_in_copy(app, app.test_client(), "other@example.com")
    sign_in(client, "admin@example.com")

    page = client.get(f"/admin/staff/{user_id}")
    off = client.post(f"/admin/staff/{user_id}", data=rendered_form(page.text, active=None))
    page = client.get(f"/admin/staff/{user_id}")
    on = client.post(f"/admin/staff/{user_id}", data=rendered_form(page.text, active="y"))

    assert (off.status_code, on.status_code) == (302, 302)
    with app.app_context():
        assert db.session.get(User, user_id).active is True
    assert staff_page(with_cookie(app, copied)) == (302, STAFF_LOGIN)
    assert sign_in(app.test_client(), "other@example.com").status_code == 302


def test_cookie_of_the_old_form_holding_only_the_account_number_is_refused(app, client):
    user_id = account(app, "admin@example.com")
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True

    assert staff_page(client) == (302, STAFF_LOGIN)


# ---------------------------------------------------------------- the cost of a wrong guess


@pytest.fixture
def password_checks(monkeypatch):
    """Counts the password hash checks (werkzeug's own check still runs)."""
    calls = []
    real = admin_models.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(admin_models, "check_password_hash", counting)
    return calls


def test_unknown_or_switched_off_address_costs_one_hash_check_like_a_known_one(
    app, client, password_checks
):
    account(app, "admin@example.com")
    account(app, "off@example.com")
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.email == "off@example.com").values(active=False)
        )
        db.session.commit()
        method = db.session.scalar(sa.select(User.password_hash)).split("$", 1)[0]

    answers = {}
    for email in ("admin@example.com", "nobody@example.com", "off@example.com"):
        password_checks.clear()
        answers[email] = sign_in(client, email, "wrong-password").status_code, list(password_checks)
    password_checks.clear()
    right = sign_in(client, "off@example.com", PASSWORD).status_code

    assert answers == {
        "admin@example.com": (401, [method]),
        "nobody@example.com": (401, [method]),
        "off@example.com": (401, [method]),
    }
    assert (right, password_checks) == (401, [method])


def test_the_app_hashes_passwords_at_werkzeugs_full_scrypt_cost_unless_told_otherwise(tmp_path):
    """The tests sign in with cheap hashes (PASSWORD_HASH_METHOD in tests/conftest.py); without
    that setting a new password gets werkzeug's scrypt at 2**15, and the cheap hash still checks."""
    from exhibition import create_app

    plain = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path)})
    with plain.app_context():
        made = admin_models.hash_password(PASSWORD)
        cheap = admin_models.generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
        assert made.startswith("scrypt:32768:8:1$")
        assert admin_models.password_matches(made, PASSWORD)
        assert admin_models.password_matches(cheap, PASSWORD)
        assert not admin_models.password_matches(cheap, "wrong-password")
