"""Erasure on SQLite reaches the disk: after it, neither the database file nor its write-ahead
log holds the person's name, e-mail or phone in any form (freed space is zeroed, the WAL is
copied into the file and emptied), whether a person, an organiser or the retention purge
erased them."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.text import fold
from tests.conftest import csrf_token, login_client
from tests.visitors.test_erasure import erase_on_the_page, running_event

# Nobody else in the suite has these, so whatever bytes are found are this test's.
NAME = "Vương Thị Thục Quyên"
EMAIL = "Quyen.Vuong.Disk@xuong-dongtau.vn"
PHONE = "+84986123457"


def needles(name=NAME, email=EMAIL, phone=PHONE) -> list[bytes]:
    texts = [name, fold(name), email, email.casefold(), email.split("@")[0], phone]
    texts.append("0" + phone[3:])  # the national form, as typed
    return sorted({text.encode("utf-8") for text in texts})


def on_disk(app, wanted: list[bytes]) -> dict[str, list[bytes]]:
    """For the database file and its WAL: which of the byte strings they hold."""
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    found = {}
    for file in (path, path.with_name(path.name + "-wal")):
        data = file.read_bytes() if file.exists() else b""
        found[file.name] = [needle for needle in wanted if needle in data]
    return found


def held(found: dict[str, list[bytes]]) -> set[bytes]:
    return {needle for needles in found.values() for needle in needles}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_erasure_by_the_person_leaves_no_bytes_of_them_in_the_file_or_its_wal(
    app, client, make_event, make_visitor
):
    running_event(make_event)
    person = make_visitor(full_name=NAME, email=EMAIL, phone=PHONE)
    assert held(on_disk(app, needles())) == set(needles())  # the check does find them before
    with app.app_context():  # whatever the SQLite build's default (Debian's is on already)
        assert db.session.execute(sa.text("PRAGMA secure_delete")).scalar() == 1

    response = erase_on_the_page(client, person["manage_token"])
    assert response.status_code == 302

    assert on_disk(app, needles()) == {"test.db": [], "test.db-wal": []}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_erasure_by_an_organiser_leaves_no_bytes_of_them_in_the_file_or_its_wal(
    app, client, make_event, make_visitor
):
    running_event(make_event)
    person = make_visitor(full_name=NAME, email=EMAIL, phone=PHONE)
    login_client(app, client)
    page = client.get(f"/admin/events/expo-2026/registrations/{person['id']}")
    assert page.status_code == 200
    response = client.post(
        f"/admin/events/expo-2026/registrations/{person['id']}/erase",
        data={"csrf_token": csrf_token(page.text), "confirm": "y"},
    )
    assert response.status_code == 302

    assert on_disk(app, needles()) == {"test.db": [], "test.db-wal": []}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_retention_purge_leaves_no_bytes_of_anyone_in_the_file_or_its_wal(
    app, runner, make_event, make_visitor
):
    make_event(retention_days=30)
    make_visitor(full_name=NAME, email=EMAIL, phone=PHONE)
    other = ("Lạc Văn Thành Trung", "trung.lac.disk@xuong-dongtau.vn", "+84986123458")
    make_visitor(full_name=other[0], email=other[1], phone=other[2])
    wanted = needles() + needles(*other)
    assert held(on_disk(app, wanted)) == set(wanted)
    with app.app_context():  # the exhibition ended two months ago
        event = get_event(slug="expo-2026")
        event.starts_at = datetime.now(UTC) - timedelta(days=62)
        event.ends_at = event.starts_at + timedelta(days=3)
        db.session.commit()

    result = runner.invoke(args=["purge-personal-data"])
    assert result.output == "expo-2026\t2 anonymised\n"

    assert on_disk(app, wanted) == {"test.db": [], "test.db-wal": []}
