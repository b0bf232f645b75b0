"""The number of SQL statements of the sign-up page and of one sign-up, pinned so that it cannot
grow unnoticed (bench/registration_load.py --profile lists them; bench/README.md has the figures).

A sign-up, the same on PostgreSQL and SQLite: three reads (the event, the categories offered,
whether it has a matchmaking session: the form offers to join) and four writes (the registration,
inserted unless the address has one already, ON CONFLICT DO NOTHING; its sectors; its consents, in
one statement; the confirmation e-mail in the outbox, as a row naming it, written by the mail
worker). The provinces and sectors are the process's (read on the first request); SQLite's BEGIN
(exhibition/__init__.py) is not counted.
"""

import contextlib
import re

import sqlalchemy as sa

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from exhibition.visitors.models import Registration
from tests.visitors.test_registration_flow import form_data

PAGE = 3  # the event, the categories offered, whether it has a matchmaking session
SIGN_UP = {"postgresql": 7, "sqlite": 7}
READS = ["events", "visitor_categories", "meeting_sessions"]
WRITES = ["registrations", "registration_sectors", "consents", "outbox_messages"]


@contextlib.contextmanager
def statements(app):
    """The SQL statements the app's engine runs inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_register_statement_count_is_pinned(app, client, make_event):
    make_event()
    with app.app_context():
        dialect = db.engine.dialect.name
    path = "/events/expo-2026/register"
    page = client.get(path)  # the first request loads the provinces and sectors once
    first = client.post(path, data=form_data(app, page.text, email="first@example.com"))
    assert first.status_code == 302

    with statements(app) as seen:
        page = client.get(path)
    assert page.status_code == 200
    assert len(seen) == PAGE, "\n".join(seen)

    data = form_data(app, page.text, email="second@example.com")  # looks up the category id
    with statements(app) as seen:
        response = client.post(path, data=data)
    assert response.status_code == 302
    assert "/r/" in response.headers["Location"]
    assert len(seen) == SIGN_UP[dialect], "\n".join(seen)
    reads = [re.search(r"\bFROM (\w+)", s).group(1) for s in seen if s.startswith("SELECT")]
    writes = [re.match(r"INSERT INTO (\w+)", s).group(1) for s in seen if s.startswith("INSERT")]
    assert (reads, writes) == (READS, WRITES), "\n".join(seen)

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2
