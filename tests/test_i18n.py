"""Vietnamese by default, English on request, complete catalogs, e-mails in the person's language."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from exhibition.extensions import db
from exhibition.mail.models import OutboxMessage
from tests.conftest import write_outbox
from tests.visitors.test_registration_flow import form_data

TRANSLATIONS = Path(__file__).resolve().parent.parent / "exhibition" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def test_vietnamese_catalog_translates_every_message_with_the_same_placeholders():
    with open(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template = read_po(handle)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {key!r}"
        assert not message.fuzzy, f"fuzzy: {key!r}"
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(key)), key
        translated[key] = strings
    assert ids <= set(translated), f"missing from vi: {sorted(ids - set(translated))[:5]}"


# Words Vietnamese writes as English does (the whole catalogue uses them so), and messages that
# are only placeholders.
SAME_IN_BOTH = {"E-mail", "Check-in", "%(name)s: %(status)s."}


def test_vietnamese_catalog_leaves_no_english_word_untranslated():
    with open(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    same = [m.id for m in catalog if m.id and m.string == m.id and m.id not in SAME_IN_BOTH]
    assert same == []


@pytest.mark.parametrize(
    ("url", "vi", "en"),
    [
        ("/events/expo-2026/", "Đăng ký tham quan", "Register to visit"),
        ("/events/expo-2026/register", "Họ và tên", "Full name"),
        ("/checkin", "Trạm check-in", "Check-in station"),
        ("/admin/login", "Đăng nhập", "Sign in"),
    ],
)
def test_pages_are_vietnamese_by_default_and_english_on_request(
    app, client, make_event, url, vi, en
):
    make_event()
    assert vi in client.get(url).text
    english = client.get(url + "?lang=en").text
    assert en in english
    assert '<html lang="en">' in english
    assert en in client.get(url).text  # the choice is kept for the next pages
    assert vi in client.get(url + "?lang=vi").text


def test_dates_are_formatted_per_language(app, client, make_event):
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    make_event(starts_at=start, ends_at=start + timedelta(days=2))
    assert "09:00, 10/12/2026" in client.get("/events/expo-2026/?lang=vi").text
    assert "10 December 2026, 09:00" in client.get("/events/expo-2026/?lang=en").text


def test_confirmation_email_is_in_the_chosen_language(app, client, make_event):
    make_event()
    page = client.get("/events/expo-2026/register?lang=vi")
    client.post(
        "/events/expo-2026/register",
        data=form_data(app, page.text, language="en", email="en@example.com"),
    )
    page = client.get("/events/expo-2026/register?lang=en")
    client.post(
        "/events/expo-2026/register",
        data=form_data(app, page.text, language="vi", email="vi@example.com"),
    )
    write_outbox(app)  # the confirmations are written by the mail worker, each in its language
    with app.app_context():
        subjects = dict(
            db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.subject)).all()
        )
    assert subjects["en@example.com"] == "Registration confirmed: Supporting Industry Expo 2026"
    assert subjects["vi@example.com"].startswith("Xác nhận đăng ký")
    assert subjects["vi@example.com"].endswith("Triển lãm Công nghiệp hỗ trợ 2026")


def test_error_pages_follow_the_language(app, client):
    assert "không tồn tại" in client.get("/events/none/").text
    assert "does not exist" in client.get("/events/none/?lang=en").text


# ---------------------------------------------------------------- `make translations`

ROOT = TRANSLATIONS.parent.parent


def _make_translations(directory: Path) -> subprocess.CompletedProcess:
    """`make translations` as a person runs it, on a copy of the catalogs in `directory`, with
    the virtualenv running these tests (never reinstalled: its .installed stamp counts as old)."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    venv = Path(sys.prefix)
    # Run from a shell, not as a sub-make of `make test` (which would announce its directory).
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")
    }
    return subprocess.run(
        [
            "make",
            "-o",
            f"{venv}/.installed",
            "translations",
            f"VENV={venv}",
            f"TRANSLATIONS={directory}",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_make_translations_prints_nothing_when_the_catalogs_are_complete(tmp_path):
    shutil.copytree(TRANSLATIONS, tmp_path / "translations")
    result = _make_translations(tmp_path / "translations")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    for language in ("vi", "en"):
        assert (tmp_path / "translations" / language / "LC_MESSAGES" / "messages.mo").is_file()


def test_make_translations_fails_naming_untranslated_and_fuzzy_vietnamese(tmp_path):
    shutil.copytree(TRANSLATIONS, tmp_path / "translations")
    po = tmp_path / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    changed = re.sub(r'(?m)^(msgid "Audit log"\nmsgstr )".+"$', r'\1""', text)
    changed = changed.replace('\nmsgid "Booths"\n', '\n#, fuzzy\nmsgid "Booths"\n')
    assert changed.count('msgstr ""') == text.count('msgstr ""') + 1 and "#, fuzzy" in changed
    po.write_text(changed, encoding="utf-8")
    result = _make_translations(tmp_path / "translations")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert 'untranslated: "Audit log"' in output
    assert 'fuzzy: "Booths"' in output
    assert "translated" not in output.replace("untranslated", "")
