"""Property-based tests: arbitrary text, unicode, huge and odd values posted into every HTML form
of the app, and arbitrary JSON into the JSON endpoints that the OpenAPI document does not cover
(tests/api/test_openapi.py fuzzes those). Never a server error, and nothing stored is lost.

The forms are not listed by hand: every GET page of the URL map (with the demo exhibition
loaded) is read, as an administrator and as a visitor signed in to the exhibitor portal, and
every <form> found is fuzzed field by field, so a new form is covered as soon as a page shows it.
CSRF is off here (tests/test_bad_input.py and the views' own tests cover it).
"""

import io
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exhibition.extensions import db
from tests.conftest import _empty_tables, make_app
from tests.test_url_map import demo_values, get_urls

FUZZ = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Forms whose purpose is to take something away (or to end the session they are sent in):
# fuzzed after all the others, and not held to "nothing is removed".
DESTRUCTIVE = {
    "visitors.cancel",
    "visitors.erase",
    "visitors.leave_session",
    "registration_admin.erase",
    "registration_admin.cancel",
    "booths.delete",
    "booths.free",
    "programme.session_delete",
    "programme.booking_action",
    "portal.remove_staff",
    "checkin_admin.device_revoke",
    "invitation.decline",
    "exhibitors_admin.detail",  # may cancel the exhibitor: a decision, not a loss
}
# Forms never sent: they only end the client's session.
SKIPPED = {"admin.logout", "portal.logout"}
# Fields kept at the page's value: changing them would move every other URL away.
PINNED = {("events_admin.edit", "slug")}

# Tables whose rows must not change when a submission is refused (4xx), and whose row counts
# must not drop after any submission of a form that is not destructive. Columns that a mere
# request updates (a device's last-seen time, a user's last sign-in) are left out.
WATCHED = {
    "events": "*",
    "registrations": "*",
    "consents": "*",
    "visitor_categories": "*",
    "exhibitors": "*",
    "booths": "*",
    "booth_assignments": "*",
    "rooms": "*",
    "speakers": "*",
    "conference_sessions": "*",
    "session_bookings": "*",
    "invitations": "*",
    "checkpoints": "*",
    "devices": "id, name, event_id, checkpoint_id, revoked_at",
    "users": "id, email, name, password_hash, active, administrator",
}

ODD_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "9" * 30,
    "1e309",
    "NaN",
    "-0.0",
    "٣",
    "²",
    "١٢٣",
    "2026-02-30",
    "2026-13-01T25:61",
    "0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "\u202e\u0635",
    "İ",
    "a\u0301",
    "\r\n",
    "\ufeff",
    "\x00",
    "\U0001d54f" * 50,
    "Nguyễn Thị Hồng Nhung",
    "nobody@example.com",
    "+84912345678",
    "#zzzzzz",
]


def _text(values: list[str]):
    """Any text a browser (or someone without one) might send for a field."""
    options = [
        st.sampled_from(ODD_TEXT),
        st.text(max_size=200),
        st.integers(min_value=1000, max_value=120_000).map(lambda n: "Ả" * n),
    ]
    if values:
        options.insert(0, st.sampled_from(values))
    return st.one_of(options)


_CSV = st.lists(
    st.lists(st.one_of(st.text(max_size=30), st.sampled_from(ODD_TEXT)), max_size=8),
    max_size=12,
).map(lambda rows: "\n".join(",".join(row) for row in rows))


def _file():
    """An upload: random bytes, or CSV-ish text in some encoding, under a plausible name."""
    content = st.one_of(
        st.binary(max_size=3000),
        st.tuples(_CSV, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"])).map(
            lambda pair: pair[0].encode(pair[1], "replace")
        ),
        st.just(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
        st.just(b"PK\x03\x04" + b"\x00" * 100),  # the start of a zip (xlsx) and nothing more
    )
    name = st.sampled_from(["list.csv", "list.xlsx", "logo.png", "logo.jpg", "x", "../../a.csv"])
    return st.tuples(content, name)


def _field(endpoint: str, name: str, field: dict):
    """A value for one field: None leaves it out."""
    if (endpoint, name) in PINNED:
        return st.just(field["values"][0] if field["values"] else "")
    kind, values = field["kind"], field["values"]
    if kind == "file":
        return st.one_of(st.none(), _file())
    if kind in ("checkbox", "select") and len(values) > 1:
        single = _text(values)
        return st.one_of(st.none(), single, st.lists(single, max_size=4))
    return st.one_of(st.none(), _text(values))


def _tax_code(n: int) -> str:
    from stdnum.vn import mst

    nine = f"03{n:07d}"
    return nine + mst.calc_check_digit(nine)


def _plausible(endpoint: str, name: str, field: dict, day: str):
    """A value the form should accept: what the page shows, an offered option, or a good value
    for the field's kind and name (unique where the form wants a new one)."""
    kind, values = field["kind"], field["values"]
    offered = [value for value in values if value]
    unique = st.integers(min_value=1, max_value=10**6)
    if kind == "file":
        return st.none()
    if kind in ("select", "radio", "checkbox"):
        return st.sampled_from(offered) if offered else st.just("")
    if offered:
        return st.just(offered[0])
    if kind == "email" or name.endswith("email"):
        return unique.map(lambda n: f"fuzz{n}@example.com")
    if kind == "tel" or name.endswith("phone"):
        return st.just("0912 345 678")
    if kind == "datetime-local":
        if endpoint.startswith("programme."):  # within the demo exhibition's first day
            return st.just(f"{day}T15:00" if name == "ends_at" else f"{day}T14:00")
        moments = {
            "ends_at": "2031-05-03T17:00",
            "registration_opens_at": "2031-01-01T00:00",
            "registration_closes_at": "2031-04-30T23:00",
        }
        return st.just(moments.get(name, "2031-05-01T09:00"))
    if kind == "date":
        return st.just(day)
    if kind == "number":
        return st.just("3")
    if kind == "password":
        return st.just("mat-khau-rat-dai-2026")
    if name == "slug":
        return unique.map(lambda n: f"fuzz-{n}")
    if name == "code":
        return unique.map(lambda n: f"c{n}")
    if name == "tax_code":
        return unique.map(_tax_code)
    if name == "website":
        return st.just("https://example.com")
    if name in ("windows", "reason") or name.startswith(("preference", "description")):
        return st.just("")
    return st.just("Công ty TNHH Hải An")


def _submission(endpoint: str, fields: dict, day: str):
    """Mostly a good submission with one or two fields replaced by anything; sometimes anything
    in every field."""
    names = sorted(fields)
    if not names:
        return st.just({})
    plausible = {name: _plausible(endpoint, name, fields[name], day) for name in names}
    odd = {name: _field(endpoint, name, fields[name]) for name in names}

    def mutate(chosen):
        return st.fixed_dictionaries(
            {name: odd[name] if name in chosen else plausible[name] for name in names}
        )

    return st.one_of(
        st.sets(st.sampled_from(names), min_size=1, max_size=2).flatmap(mutate),
        st.fixed_dictionaries(odd),
    )


class _Forms(HTMLParser):
    """The forms of a page: method, action, enctype and fields (kind and the values offered)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (attributes.get("method") or "get").upper(),
                "action": attributes.get("action"),
                "fields": {},
            }
            self.forms.append(self._form)
        elif tag in ("input", "textarea", "select", "button") and self._form is not None:
            name = attributes.get("name")
            if not name or name == "csrf_token":
                return
            kind = attributes.get("type", "text") if tag == "input" else tag
            field = self._form["fields"].setdefault(name, {"kind": kind, "values": []})
            if attributes.get("value") is not None:
                field["values"].append(attributes["value"])
            if tag == "select":
                self._select = field
        elif tag == "option" and self._select is not None:
            self._select["values"].append(attributes.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _fingerprint() -> dict:
    return {
        table: db.session.execute(
            sa.text(f"SELECT {columns} FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
        ).all()
        for table, columns in WATCHED.items()
    }


def _counts(fingerprint: dict) -> dict:
    return {table: len(rows) for table, rows in fingerprint.items()}


@pytest.fixture
def fuzz_app(db_url, tmp_path):
    """The app on each backend, with CSRF off, and the demo exhibition loaded."""
    app = make_app(db_url, tmp_path / "instance", WTF_CSRF_ENABLED=False)
    with app.app_context():
        _empty_tables()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _future_invitation() -> str:
    """The demo's sessions are over: a coming exhibition with a session and one delegate invited
    to it, whose invitation page can still be answered. Returns the invitation's token."""
    from datetime import UTC, datetime, timedelta

    from exhibition.events.services import EventData, create_event
    from exhibition.programme import services as programme
    from exhibition.programme.invitations import import_delegates
    from exhibition.programme.models import SessionType

    now = datetime.now(UTC)
    event = create_event(
        data=EventData(
            slug="future-expo",
            name_vi="Triển lãm sắp tới",
            name_en="Coming exhibition",
            venue_vi="Hải Phòng",
            venue_en="Hai Phong",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=32),
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=29),
        )
    )
    room = programme.save_room(event=event, name_vi="Phòng 1", name_en="Room 1", capacity=50)
    session = programme.save_session(
        event=event,
        title_vi="Hội nghị",
        type=SessionType.CONFERENCE,
        room=room,
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.starts_at + timedelta(hours=2),
    )
    delegates = "Họ và tên;Chức vụ;Đơn vị;Email;Điện thoại;Ngôn ngữ\r\n"
    delegates += "Trần Văn Minh;Giám đốc;Sở Công Thương;minh@example.com;0912345678;vi\r\n"
    report = import_delegates(session=session, data=delegates.encode(), filename="d.csv")
    assert report.created == 1, report.errors
    return report.invitations[0].token


def _world(app) -> dict:
    """The demo exhibition, an administrator's client, a visitor's client signed in to the
    exhibitor portal of a confirmed exhibitor, and the URL values of the demo's records."""
    from exhibition.accounts.services import create_organiser
    from exhibition.exhibitors.models import Exhibitor, ExhibitorStatus

    values = demo_values(app)
    with app.app_context():
        create_organiser(email="admin@example.com", password="mat-khau-dai")
        victim = create_organiser(
            email="victim@example.com", password="mat-khau-dai", administrator=False
        )
        portal_exhibitor = db.session.scalar(
            sa.select(Exhibitor.id)
            .where(
                Exhibitor.status == ExhibitorStatus.CONFIRMED,
                Exhibitor.id != values["exhibitor_id"],
            )
            .order_by(Exhibitor.id)
        )
        invitation = _future_invitation()
        db.session.commit()
        values["user_id"] = victim.id  # the staff form edits another account than our own
    staff = app.test_client()
    signed_in = staff.post(
        "/admin/login", data={"email": "admin@example.com", "password": "mat-khau-dai"}
    )
    assert signed_in.status_code == 302
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["portal"] = [portal_exhibitor, 0]  # see exhibitors.portal.session_key
    urls = get_urls(app, values)
    urls.append(f"/events/{values['slug']}/portal/profile")
    urls.append(f"/invitations/{invitation}")
    with app.app_context():
        from exhibition.events.services import get_event

        event = get_event(slug=values["slug"])
        day = event.starts_at.astimezone(event.tz).date().isoformat()
    return {"values": values, "staff": staff, "visitor": visitor, "urls": urls, "day": day}


def _collect_forms(app, world) -> list[dict]:
    """Every distinct form (by endpoint, method and fields) on the app's GET pages; public pages
    are read by the visitor first, so their forms are sent as a visitor would."""
    adapter = app.url_map.bind("localhost")
    found: dict[tuple, dict] = {}
    for client in (world["visitor"], world["staff"]):
        for url in world["urls"]:
            page = client.get(url)
            if page.status_code != 200 or page.mimetype != "text/html":
                continue
            parser = _Forms()
            parser.feed(page.text)
            for form in parser.forms:
                action = form["action"] or url
                path = urlsplit(action).path
                try:
                    endpoint, _args = adapter.match(path, method=form["method"])
                except Exception:  # a form posting elsewhere (none should)
                    continue
                # One GET form per page is enough (the station's script-driven forms repeat).
                fields = () if form["method"] == "GET" else tuple(sorted(form["fields"]))
                key = (endpoint, form["method"], fields)
                if endpoint in SKIPPED or key in found:
                    continue
                found[key] = {**form, "endpoint": endpoint, "action": action, "client": client}
    # Destructive forms last, so that the others still find what they work on.
    return sorted(found.values(), key=lambda form: form["endpoint"] in DESTRUCTIVE)


def _send(form: dict, data: dict):
    client = form["client"]
    if form["method"] == "GET":
        query = {k: v for k, v in data.items() if not isinstance(v, tuple)}
        return client.get(form["action"], query_string=query)
    payload = {}
    for name, value in data.items():
        if isinstance(value, tuple):
            content, filename = value
            payload[name] = (io.BytesIO(content), filename)
        else:
            payload[name] = value
    return client.post(form["action"], data=payload)


def _fuzz_form(app, form: dict, day: str, subtests) -> None:
    endpoint = form["endpoint"]
    fields = _submission(endpoint, form["fields"], day)
    with app.app_context():
        state = {"before": _fingerprint()}  # nothing else writes: each answer's "after" is
        # the next one's "before"

    @FUZZ
    @given(data=fields)
    def submit(data):
        data = {name: value for name, value in data.items() if value is not None}
        before = state["before"]
        response = _send(form, data)
        assert response.status_code < 500, (endpoint, data, response.status_code)
        with app.app_context():
            state["before"] = after = _fingerprint()
            db.session.remove()
        if 400 <= response.status_code < 500:
            changed = [table for table in WATCHED if before[table] != after[table]]
            assert changed == [], (endpoint, response.status_code, data)
        if endpoint not in DESTRUCTIVE:
            counts = _counts(after)
            lost = {t: (n, counts[t]) for t, n in _counts(before).items() if counts[t] < n}
            assert lost == {}, (endpoint, response.status_code, data)

    with subtests.test(form=f"{form['method']} {endpoint}"):
        submit()


def _tracked_registration_is_whole(app, registration_id: int) -> None:
    from exhibition.visitors.models import Registration

    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration is not None
        if not registration.is_erased:
            assert registration.full_name.strip() and registration.email.strip()
            assert registration.badge_code and registration.manage_token


# Forms that must be found, by who sends them (a sign that the crawl still reaches them).
EXPECTED_FORMS = {
    "visitor": {
        "visitors.register",
        "visitors.edit",
        "visitors.consents",
        "visitors.cancel",
        "visitors.erase",
        "exhibitors.apply",
        "portal.profile",
        "portal.add_staff",
        "portal.login",
        "invitation.accept",
        "invitation.decline",
        "admin.login",
        "agenda.agenda",
        "exhibitors.directory",
    },
    "staff": {
        "events_admin.new",
        "events_admin.edit",
        "categories.index",
        "registration_admin.index",
        "staff.user_new",
        "staff.user_edit",
        "staff.audit_log",
        "booths.booth",
        "booths.import_plan",
        "programme.session_new",
        "programme.room_edit",
        "programme.speakers",
        "invitations.index",
        "checkin_admin.devices",
        "checkin_admin.checkpoint",
        "desk.form",
        "badge_print.batch",
        "registration_admin.erase",
    },
}


@pytest.mark.parametrize("who", ["visitor", "staff"])
def test_every_html_form_survives_arbitrary_input(fuzz_app, who, subtests):
    """No form answers a server error, a refused submission changes nothing stored, and no
    submission of a form that is not meant to remove anything removes a row."""
    app = fuzz_app
    world = _world(app)
    forms = [form for form in _collect_forms(app, world) if form["client"] is world[who]]
    assert EXPECTED_FORMS[who] - {form["endpoint"] for form in forms} == set()
    registration_id = world["values"]["registration_id"]
    for form in forms:
        if form["endpoint"] in DESTRUCTIVE:
            _tracked_registration_is_whole(app, registration_id)
        _fuzz_form(app, form, world["day"], subtests)
    _tracked_registration_is_whole(app, registration_id)


def _json_values():
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=50),
        st.sampled_from(ODD_TEXT),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=10), children, max_size=4),
        ),
        max_leaves=12,
    )


def test_json_endpoints_of_the_floor_plan_and_the_programme_survive_arbitrary_json(
    fuzz_app, subtests
):
    """The booth assign/move and session place JSON answer 2xx or a JSON 4xx, never 5xx; a
    refused request changes nothing."""
    app = fuzz_app
    world = _world(app)
    values = world["values"]
    slug = values["slug"]
    anything = _json_values()
    times = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=20), anything)
    bodies = {
        f"/admin/events/{slug}/booths/{values['code']}/assign": st.one_of(
            anything, st.fixed_dictionaries({"exhibitor_id": anything})
        ),
        f"/admin/events/{slug}/booths/{values['code']}/move": st.one_of(
            anything, st.fixed_dictionaries({"to": st.one_of(anything, st.sampled_from(ODD_TEXT))})
        ),
        f"/admin/events/{slug}/programme/sessions/{values['session_id']}/place": st.one_of(
            anything,
            st.fixed_dictionaries(
                {
                    "room": st.one_of(anything, st.just(str(values["room_id"]))),
                    "starts_at": times,
                    "ends_at": times,
                }
            ),
        ),
    }
    for url, body in bodies.items():
        _fuzz_json(app, world["staff"], url, body, subtests)


def _fuzz_json(app, client, url: str, body, subtests) -> None:
    @FUZZ
    @given(payload=body)
    def post(payload):
        with app.app_context():
            before = _fingerprint()
        response = client.post(url, json=payload)
        assert response.status_code < 500, (url, payload, response.status_code)
        if response.status_code >= 400:
            assert response.is_json and response.json["error"]["code"], (url, payload)
            with app.app_context():
                assert _fingerprint() == before, (url, payload)
                db.session.remove()

    with subtests.test(url=url):
        post()


def _form_classes(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _form_classes(subclass)


def test_no_choice_field_of_any_form_takes_blank_text_for_a_choice(tmp_path):
    """Spaces or a line break are not a choice: an optional select, radio or checkbox list
    refuses them (they used to pass as "nothing chosen" and then fail as a number or a type)."""
    from werkzeug.datastructures import MultiDict
    from wtforms import SelectField

    from exhibition.forms import Form

    app = make_app("sqlite://", tmp_path, WTF_CSRF_ENABLED=False)
    checked = 0
    with app.test_request_context(method="POST"):
        for form_class in set(_form_classes(Form)):
            names = [
                field.name
                for field in form_class(formdata=MultiDict())
                if isinstance(field, SelectField)
            ]
            for blank in (" ", "\r\n"):
                form = form_class(formdata=MultiDict({name: blank for name in names}))
                for name in names:
                    form[name].choices = [("", "—"), ("1", "Một")]
                form.validate()
                assert [n for n in names if n not in form.errors] == [], form_class
            checked += len(names)
    assert checked >= 20


def test_far_off_dates_and_other_digits_found_by_the_fuzzing_are_refused(fuzz_app):
    """What the properties above once found, kept as plain cases: year 1 and year 9999 (their
    start in Vietnam time leaves the calendar), and digits that are not ASCII."""
    app = fuzz_app
    world = _world(app)
    values, staff = world["values"], world["staff"]
    slug = values["slug"]
    for url in (
        f"/admin/events/{slug}/badges?registered_from=0001-01-01",
        f"/admin/events/{slug}/badges?registered_to=9999-12-31",
    ):
        assert staff.get(url).status_code == 422, url
    for url in ("/admin/audit?from=0001-01-01", f"/admin/events/{slug}/audit?to=9999-12-31"):
        assert staff.get(url).status_code == 200, url
    place = f"/admin/events/{slug}/programme/sessions/{values['session_id']}/place"
    for body in (
        {
            "room": str(values["room_id"]),
            "starts_at": "0001-01-01T00:00",
            "ends_at": "0001-01-01T01:00",
        },
        [1, 2],
        "text",
        {"room": ["1"], "starts_at": 5, "ends_at": None},
    ):
        answer = staff.post(place, json=body)
        assert (answer.status_code, answer.json["error"]["code"]) == (422, "validation_failed")
    published = staff.post(f"/admin/events/{slug}/programme/publish", data={"session_id": "²"})
    assert published.status_code < 500
