"""Sending a post to the subscribers: one e-mail per registration that takes news, in its
language, through the outbox and a real SMTP server; pressing twice sends once; editing never
sends; sending a changed post again is explicit and audited."""

import threading

import pytest
import sqlalchemy as sa

from exhibition.accounts.models import AuditEntry
from exhibition.events.news_models import NewsPost, NewsSend
from exhibition.events.notifications import AlreadySent, send_to_subscribers
from exhibition.extensions import db
from exhibition.mail.models import MessageKind, OutboxMessage
from exhibition.mail.worker import deliver_batch
from exhibition.visitors.changes import cancel_registration, change_consents
from exhibition.visitors.erasure import erase_registration
from exhibition.visitors.models import Registration
from tests.conftest import login_client, use_smtp
from tests.pages import form_posting_to

BASE = "/admin/events/expo-2026/news"


def _news_mail(app) -> list[tuple[str, str, str]]:
    """The news e-mails in the outbox: (address, language, subject), by address."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(OutboxMessage.to_address, OutboxMessage.language, OutboxMessage.subject)
            .where(OutboxMessage.kind == MessageKind.NEWS)
            .order_by(OutboxMessage.to_address)
        )
        return [tuple(row) for row in rows]


def _send_form(client, post_id):
    url = f"{BASE}/{post_id}/"
    page = client.get(url + "?lang=en")
    return form_posting_to(page.text, f"{BASE}/{post_id}/send", url), page


@pytest.fixture
def readers(app, make_event, make_reader):
    """expo-2026 with people who take news (one Vietnamese, one English) and people who do not
    (never agreed, withdrew, cancelled, erased, no e-mail address)."""
    make_event()
    make_reader(email="an@example.com", full_name="Nguyễn Văn An")
    make_reader(email="john@example.com", full_name="John Smith", language="en")
    make_reader(email="khong@example.com", news=False)
    withdrew = make_reader(email="rut@example.com")
    cancelled = make_reader(email="huy@example.com")
    erased = make_reader(email="xoa@example.com")
    make_reader(email="walkin@desk.invalid")
    with app.app_context():
        change_consents(registration=db.session.get(Registration, withdrew),
                        share_exhibitors=False, news=False)  # fmt: skip
        cancel_registration(registration=db.session.get(Registration, cancelled))
        erase_registration(registration=db.session.get(Registration, erased), reason="person")
        db.session.commit()


def test_send_queues_one_mail_per_subscriber_in_their_language(
    app, client, readers, make_post, smtp_server
):
    use_smtp(app, smtp_server)
    made = make_post(title_vi="Thông báo <b>quan trọng</b> & mới", title_en="Important <notice>",
                     summary_vi="Tóm tắt <script>x</script>", body_vi="**Nội dung** tin",
                     body_en="**English** text")  # fmt: skip
    login_client(app, client)
    form, page = _send_form(client, made["id"])
    assert "2 people registered for this exhibition agreed to receive news." in page.text
    sent = client.post(form.action, data=form.data(), follow_redirects=True)
    assert "The post is on its way to 2 subscribers." in sent.text
    assert _news_mail(app) == [
        ("an@example.com", "vi", "Thông báo <b>quan trọng</b> & mới"),
        ("john@example.com", "en", "Important <notice>"),
    ]
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        deliver_batch(limit=50)
    received = {m["To"]: m for m in smtp_server.wait_for(before)}
    vietnamese = received["an@example.com"]
    text = vietnamese.get_body(("plain",)).get_content()
    html = vietnamese.get_body(("html",)).get_content()
    assert text.startswith("Kính gửi Ông/Bà Nguyễn Văn An,")
    assert "Thông báo &lt;b&gt;quan trọng&lt;/b&gt; &amp; mới" in html
    assert "Tóm tắt &lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "<strong>Nội dung</strong>" in html
    with app.app_context():
        token = db.session.scalar(
            sa.select(Registration.manage_token).where(Registration.email == "an@example.com")
        )
    assert f"http://testserver.local/r/{token}?lang=vi" in html  # where news is withdrawn
    assert f"/events/expo-2026/news/{made['slug']}?lang=vi" in text
    english = received["john@example.com"]
    assert english.get_body(("plain",)).get_content().startswith("Dear John Smith,")
    assert "<strong>English</strong>" in english.get_body(("html",)).get_content()
    assert english["Subject"] == "Important <notice>"
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "news.sent"))
        assert entry.details["recipients"] == 2


def test_pressing_send_twice_sends_once(app, client, readers, make_post):
    made = make_post()
    login_client(app, client)
    form, _page = _send_form(client, made["id"])
    first = client.post(form.action, data=form.data())
    second = client.post(form.action, data=form.data(), follow_redirects=True)
    assert first.status_code == 302
    assert "This post has already been sent to the subscribers." in second.text
    assert len(_news_mail(app)) == 2
    page = client.get(f"{BASE}/{made['id']}/?lang=en").text
    assert f'action="{BASE}/{made["id"]}/send"' not in page  # nothing left to press


def test_editing_a_sent_post_sends_nothing_until_asked_again(app, client, readers, make_post):
    made = make_post()
    login_client(app, client)
    form, _page = _send_form(client, made["id"])
    client.post(form.action, data=form.data())
    url = f"{BASE}/{made['id']}/"
    edit = form_posting_to(client.get(url).text, url, url)
    saved = client.post(
        url, data=edit.data(title_vi="Tin đã sửa"), content_type="multipart/form-data"
    )
    assert saved.status_code == 302
    assert len(_news_mail(app)) == 2  # the edit sent nothing
    again, page = _send_form(client, made["id"])
    assert "Send the changed post again" in page.text
    client.post(again.action, data=again.data())
    client.post(again.action, data=again.data())  # pressed twice: once
    assert [subject for _to, _lang, subject in _news_mail(app)].count("Tin đã sửa") == 2
    with app.app_context():
        rounds = db.session.scalars(sa.select(NewsSend.round).order_by(NewsSend.round)).all()
        assert rounds == [1, 2]
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.action.like("news.sent%"))
        ).all()
        assert actions == ["news.sent", "news.sent_again"]
    page = client.get(url + "?lang=en").text
    assert "Send the changed post again" not in page  # unchanged since the last sending


@pytest.mark.parametrize("state", ["draft", "scheduled", "archived"])
def test_only_a_published_post_can_be_sent(app, client, readers, make_post, state):
    made = make_post(state=state)
    login_client(app, client)
    page = client.get(f"{BASE}/{made['id']}/?lang=en").text
    assert "Only a published post can be sent." in page
    assert f'action="{BASE}/{made["id"]}/send"' not in page
    with app.app_context():
        post = db.session.get(NewsPost, made["id"])
        with pytest.raises(Exception) as refused:
            send_to_subscribers(post=post, round=1)
        assert refused.value.code == "post_not_published"
    assert _news_mail(app) == []


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite writes one at a time
def test_two_presses_at_once_send_once_on_postgresql(app, readers, make_post):
    made = make_post()
    barrier = threading.Barrier(2)
    results = []

    def press():
        with app.app_context():
            post = db.session.get(NewsPost, made["id"])
            list(post.sends)
            barrier.wait()
            try:
                send_to_subscribers(post=post, round=1)
                db.session.commit()
                results.append("sent")
            except AlreadySent:
                db.session.rollback()
                results.append("already")

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["already", "sent"]
    assert len(_news_mail(app)) == 2
