"""The organisers' and news editors' pages of news posts: writing (forms as rendered), states,
every change audited, optimistic locking, cover and attachments checked by content."""

import io
import zipfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image

from exhibition.accounts.models import AuditEntry, Role
from exhibition.accounts.services import create_organiser, grant_role
from exhibition.events.news_files import (
    AttachmentTooLarge,
    InvalidAttachment,
    attachment_suffix,
    clean_filename,
)
from exhibition.events.news_models import NewsAttachment, NewsPost, PostState
from exhibition.events.services import get_event
from exhibition.extensions import db
from tests.conftest import csrf_token, login_client
from tests.events.conftest import post_row
from tests.pages import form_posting_to, forms_in

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "/admin/events/expo-2026/news"


def _staff(app, client, email, role):
    """Sign `client` in as a staff member holding `role` in expo-2026 (not an administrator)."""
    with app.app_context():
        user = create_organiser(email=email, password="mat-khau-dai", administrator=False)
        if role is not None:
            grant_role(user=user, event=get_event(slug="expo-2026"), role=role)
        db.session.commit()
    page = client.get("/admin/login?lang=en")
    client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "email": email,
                                      "password": "mat-khau-dai"})  # fmt: skip
    return client


def _write(client, **typed):
    """Write a post through the form as the page renders it; returns the response."""
    page = client.get(f"{BASE}/new?lang=en")
    form = form_posting_to(page.text, f"{BASE}/new", f"{BASE}/new")
    fields = dict(category="announcement", title_vi="Thông báo về việc tổ chức hội chợ",
                  summary_vi="Tóm tắt", body_vi="Nội dung **đậm**")  # fmt: skip
    fields.update(typed)
    return client.post(form.action, data=form.data(**fields), content_type="multipart/form-data")


def _post_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(NewsPost.id).order_by(NewsPost.id.desc()))


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def _press(client, post_id, action, **typed):
    """Press a state button of the post's page, as rendered."""
    url = f"{BASE}/{post_id}/"
    page = client.get(url + "?lang=en")
    form = form_posting_to(page.text, f"{BASE}/{post_id}/state", url)
    (button,) = [b for b in form.buttons if b.value == action]
    return client.post(form.action, data=form.data(button, **typed), follow_redirects=True)


def test_editor_writes_a_draft_through_the_form(app, client, make_event):
    make_event()
    _staff(app, client, "bientap@example.com", Role.EDITOR)
    answer = _write(client)
    assert answer.status_code == 302
    post = post_row(app, _post_id(app))
    assert (post.state, post.slug, post.title_vi) == (
        PostState.DRAFT,
        "thong-bao-ve-viec-to-chuc-hoi-cho",
        "Thông báo về việc tổ chức hội chợ",
    )
    assert _actions(app) == ["news.created"]
    assert client.get(f"/events/expo-2026/news/{post.slug}").status_code == 404


def test_post_form_requires_the_vietnamese_title_summary_and_text(app, client, make_event):
    make_event()
    login_client(app, client)
    answer = _write(client, title_vi="", summary_vi="", body_vi="", title_en="English kept")
    assert answer.status_code == 422
    for message in ("Enter the title.", "Enter a summary.", "Enter the text."):
        assert message in answer.text
    assert 'value="English kept"' in answer.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(NewsPost.id))) == 0


@pytest.mark.parametrize("role", [Role.CHECKIN, Role.EXHIBITORS, Role.MATCHMAKING, None])
def test_staff_without_news_roles_are_refused(app, client, make_event, make_post, role):
    make_event()
    made = make_post()
    _staff(app, client, "khac@example.com", role)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/{made['id']}/").status_code == 403
    assert client.get(f"{BASE}/{made['id']}/preview").status_code == 403


def test_editor_of_another_exhibition_is_refused(app, client, make_event, make_post):
    make_event()
    make_event(slug="expo-2027")
    make_post()
    with app.app_context():
        user = create_organiser(email="bt2027@example.com", password="mat-khau-dai",
                                administrator=False)  # fmt: skip
        grant_role(user=user, event=get_event(slug="expo-2027"), role=Role.EDITOR)
        db.session.commit()
    page = client.get("/admin/login")
    client.post("/admin/login", data={"csrf_token": csrf_token(page.text),
                                      "email": "bt2027@example.com", "password": "mat-khau-dai"})  # fmt: skip
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get("/admin/events/expo-2027/news/").status_code == 200


def test_unknown_post_of_the_organisers_pages_is_not_found(app, client, make_event, make_post):
    make_event()
    make_event(slug="expo-2027")
    other = make_post(slug="expo-2027")
    login_client(app, client)
    assert client.get(f"{BASE}/999/").status_code == 404
    assert client.get(f"{BASE}/{other['id']}/").status_code == 404  # another exhibition's
    assert client.get(f"{BASE}/99999999999/").status_code == 404
    assert client.get(f"{BASE}/999/preview").status_code == 404


def test_staff_page_offers_the_editor_role_with_its_name(app, client, make_event):
    make_event()
    login_client(app, client)
    page = client.get("/admin/staff/new?lang=en")
    assert page.status_code == 200
    assert "News editor" in page.text
    assert "editor</" not in page.text.replace("News editor</", "")


def test_schedule_publish_archive_restore_and_back_to_draft_are_audited(app, client, make_event):
    make_event()
    _staff(app, client, "bientap@example.com", Role.EDITOR)
    _write(client)
    post_id = _post_id(app)
    later = (datetime.now(TZ) + timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    done = _press(client, post_id, "schedule", publish_at=later.isoformat())
    assert "The post is scheduled." in done.text
    post = post_row(app, post_id)
    assert post.state is PostState.SCHEDULED
    assert post.publish_at == later.replace(tzinfo=TZ).astimezone(UTC)
    assert client.get(f"/events/expo-2026/news/{post.slug}").status_code == 404
    assert "The post is published." in _press(client, post_id, "publish").text
    assert client.get(f"/events/expo-2026/news/{post.slug}").status_code == 200
    assert "archived" in _press(client, post_id, "archive").text
    assert post_row(app, post_id).state is PostState.ARCHIVED
    assert "published again" in _press(client, post_id, "restore").text
    assert "draft again" in _press(client, post_id, "unpublish").text
    assert client.get(f"/events/expo-2026/news/{post.slug}").status_code == 404
    assert _actions(app) == ["news.created", "news.scheduled", "news.published", "news.archived",
                             "news.restored", "news.unpublished"]  # fmt: skip
    log = login_client(app, app.test_client()).get("/admin/events/expo-2026/audit?lang=en").text
    assert "News post scheduled" in log and "Thông báo về việc tổ chức hội chợ" in log


def test_schedule_without_a_time_is_refused(app, client, make_event, make_post):
    make_event()
    made = make_post(state="draft")
    login_client(app, client)
    done = _press(client, made["id"], "schedule", publish_at="")
    assert "Choose the date and time the post is to appear." in done.text
    assert post_row(app, made["id"]).state is PostState.DRAFT


def test_a_transition_the_state_does_not_allow_is_refused(app, client, make_event, make_post):
    make_event()
    made = make_post(state="draft")
    login_client(app, client)
    page = client.get(f"{BASE}/{made['id']}/?lang=en")
    form = form_posting_to(page.text, f"{BASE}/{made['id']}/state", f"{BASE}/{made['id']}/")
    assert {b.value for b in form.buttons} == {"schedule", "publish"}
    crafted = form.data(form.buttons[0])
    crafted["action"] = "archive"
    done = client.post(form.action, data=crafted, follow_redirects=True)
    assert "cannot go to this state" in done.text
    assert post_row(app, made["id"]).state is PostState.DRAFT


def test_second_save_of_the_same_version_is_a_conflict_and_keeps_its_text(
    app, make_event, make_post
):
    make_event()
    made = make_post(state="draft")
    first, second = app.test_client(), app.test_client()
    _staff(app, first, "mot@example.com", Role.EDITOR)
    _staff(app, second, "hai@example.com", Role.ORGANISER)
    url = f"{BASE}/{made['id']}/"
    pages = [c.get(url + "?lang=en") for c in (first, second)]
    forms = [form_posting_to(p.text, url, url) for p in pages]
    saved = first.post(url, data=forms[0].data(title_vi="Tiêu đề của người thứ nhất"),
                       content_type="multipart/form-data")  # fmt: skip
    assert saved.status_code == 302
    typed = "Văn bản dài của người thứ hai\n\nđừng để mất"
    late = second.post(url, data=forms[1].data(title_vi="Tiêu đề của người thứ hai", body_vi=typed),
                       content_type="multipart/form-data")  # fmt: skip
    assert late.status_code == 409
    assert "Someone else saved this post while you were editing it." in late.text
    assert 'value="Tiêu đề của người thứ hai"' in late.text  # nothing typed is lost
    assert "Văn bản dài của người thứ hai\n\nđừng để mất</textarea>" in late.text
    assert "Tiêu đề của người thứ nhất" in late.text  # the other version, to compare
    assert post_row(app, made["id"]).title_vi == "Tiêu đề của người thứ nhất"
    # Saving again from the conflict page is a deliberate choice and goes through.
    again = form_posting_to(late.text, url, url)
    assert again.data()["version"] == str(post_row(app, made["id"]).version)
    assert (
        second.post(url, data=again.data(), content_type="multipart/form-data").status_code == 302
    )
    # (tests/pages.py reads a text area's leading line break, which browsers drop)
    assert post_row(app, made["id"]).body_vi.lstrip("\r\n") == typed


def test_a_state_change_from_a_stale_page_is_a_conflict(app, client, make_event, make_post):
    make_event()
    made = make_post(state="draft")
    login_client(app, client)
    url = f"{BASE}/{made['id']}/"
    stale = form_posting_to(client.get(url).text, f"{BASE}/{made['id']}/state", url)
    _press(client, made["id"], "publish")
    (button,) = [b for b in stale.buttons if b.value == "publish"]
    done = client.post(stale.action, data=stale.data(button), follow_redirects=True)
    assert "Someone else saved this post" in done.text
    assert _actions(app).count("news.published") == 1


def test_changing_the_address_keeps_the_old_one_working(app, client, make_event, make_post):
    make_event()
    made = make_post(title_vi="Tin cũ")
    login_client(app, client)
    url = f"{BASE}/{made['id']}/"
    form = form_posting_to(client.get(url).text, url, url)
    saved = client.post(url, data=form.data(slug="tin-moi", title_vi="Tin đã đổi"),
                        content_type="multipart/form-data")  # fmt: skip
    assert saved.status_code == 302
    assert client.get("/events/expo-2026/news/tin-cu").headers["Location"] == (
        "/events/expo-2026/news/tin-moi"
    )
    form = form_posting_to(client.get(url).text, url, url)
    refused = client.post(
        url, data=form.data(slug="Không hợp lệ"), content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    assert "Use lower-case letters, digits and hyphens." in refused.text


def _png(size=(1200, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 79, 138)).save(out, format="PNG")
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_attachments_are_recognised_by_content_not_name():
    assert attachment_suffix(PDF) == ".pdf"
    assert attachment_suffix(_png()) == ".png"
    assert attachment_suffix(_docx()) == ".docx"
    assert attachment_suffix(_xlsx()) == ".xlsx"
    for bad in (b"MZ\x90\x00 an exe", b"<html><script>", b"PK\x03\x04 broken", b""):
        with pytest.raises(InvalidAttachment):
            attachment_suffix(bad)
    with pytest.raises(AttachmentTooLarge):
        attachment_suffix(PDF + b"0" * (10 * 1024 * 1024))
    assert clean_filename("../../etc/Báo cáo <1>.exe", ".pdf") == "Báo cáo 1.pdf"
    assert clean_filename("", ".docx") == "tep-dinh-kem.docx"


def test_cover_and_attachments_are_kept_and_served_once_the_post_is_out(
    app, client, make_event, make_post
):
    make_event()
    made = make_post(state="scheduled")
    login_client(app, client)
    url = f"{BASE}/{made['id']}/"
    form = form_posting_to(client.get(url).text, url, url)
    data = form.data(cover_alt_vi="Toàn cảnh hội trường")
    data["cover"] = (io.BytesIO(_png()), "anh.png")
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 302
    for name, content in (("Kế hoạch.pdf", PDF), ("Danh sách.xlsx", _xlsx())):
        form = form_posting_to(client.get(url).text, f"{BASE}/{made['id']}/attachments", url)
        data = form.data()
        data["file"] = (io.BytesIO(content), name)
        assert (
            client.post(form.action, data=data, content_type="multipart/form-data").status_code
            == 302
        )
    with app.app_context():
        post = db.session.get(NewsPost, made["id"])
        cover = post.cover_filename
        files = [(a.id, a.filename, a.content_type) for a in post.attachments]
    assert files[0][1:] == ("Kế hoạch.pdf", "application/pdf")
    assert files[1][2] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    public = app.test_client()
    download = f"/events/expo-2026/news/{made['slug']}/files/{files[0][0]}"
    assert public.get(download).status_code == 404  # not out yet
    assert public.get(f"/media/news/{cover}").status_code == 404  # the cover neither
    assert client.get(f"/media/news/{cover}").status_code == 200  # but for the preview
    assert _actions(app).count("news.attachment_added") == 2
    with app.app_context():
        db.session.execute(sa.update(NewsPost).values(publish_at=datetime.now(UTC)))
        db.session.commit()
    served = public.get(download)
    assert served.status_code == 200 and served.data == PDF
    assert served.mimetype == "application/pdf"
    assert "attachment" in served.headers["Content-Disposition"]
    image = public.get(f"/media/news/{cover}")
    assert image.mimetype == "image/jpeg" and Image.open(io.BytesIO(image.data)).size == (1200, 800)
    page = public.get(f"/events/expo-2026/news/{made['slug']}").text
    assert 'alt="Toàn cảnh hội trường"' in page
    # Removing one: gone from the page and the disk.
    form = form_posting_to(
        client.get(url).text, f"{BASE}/{made['id']}/attachments/{files[0][0]}/delete", url
    )
    assert client.post(form.action, data=form.data()).status_code == 302
    assert public.get(download).status_code == 404


def test_unfit_files_are_refused_next_to_the_field_keeping_the_text(
    app, client, make_event, make_post
):
    make_event()
    made = make_post(state="draft")
    login_client(app, client)
    url = f"{BASE}/{made['id']}/"
    form = form_posting_to(client.get(url).text, url, url)
    data = form.data(title_vi="Tiêu đề mới chưa lưu")
    data["cover"] = (io.BytesIO(b"<svg onload=alert(1)>"), "anh.png")
    refused = client.post(url, data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "The cover must be a PNG, JPEG or WebP image" in refused.text
    assert 'value="Tiêu đề mới chưa lưu"' in refused.text
    form = form_posting_to(client.get(url).text, f"{BASE}/{made['id']}/attachments", url)
    data = form.data()
    data["file"] = (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "hop-dong.pdf")
    refused = client.post(form.action, data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert (
        "Attach a PDF, a PNG, JPEG or WebP image, a Word (.docx) or Excel (.xlsx) file."
        in refused.text
    )
    big = PDF + b"0" * (10 * 1024 * 1024)  # within the body limit, past 10 MB
    data = form.data()
    data["file"] = (io.BytesIO(big), "lon.pdf")
    refused = client.post(form.action, data=data, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "A file may be at most 10 MB." in refused.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(NewsAttachment.id))) == 0


def test_a_body_past_the_limit_is_answered_with_a_message_on_the_form(
    app, client, make_event, make_post
):
    make_event()
    made = make_post(state="draft")
    login_client(app, client)
    url = f"{BASE}/{made['id']}/"
    form = form_posting_to(client.get(url).text, f"{BASE}/{made['id']}/attachments", url)
    data = form.data()
    data["file"] = (io.BytesIO(b"0" * (12 * 1024 * 1024)), "qua-lon.pdf")
    answer = client.post(form.action, data=data, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert "A file may be at most 10 MB. Nothing was saved" in answer.text
    assert forms_in(answer.text, url)  # the page with its forms, not an error page
    form = form_posting_to(client.get(url).text, url, url)
    data = form.data()
    data["cover"] = (io.BytesIO(b"0" * (12 * 1024 * 1024)), "anh.jpg")
    answer = client.post(url, data=data, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert 'id="cover-error"' in answer.text


def test_editor_starts_from_the_dashboard_at_the_news(app, client, make_event):
    make_event()
    _staff(app, client, "bientap@example.com", Role.EDITOR)
    dashboard = client.get("/admin/?lang=en").text
    assert f'<a href="{BASE}/">Supporting Industry Expo 2026</a>' in dashboard
    tabs = client.get(f"{BASE}/?lang=en").text
    assert f'href="{BASE}/" aria-current="page">News</a>' in tabs
    assert "/admin/events/expo-2026/registrations" not in tabs
