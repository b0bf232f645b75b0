"""News posts in public: visible from their time on every surface (a 404 before), addresses
from the title that survive a change, Markdown made safe, the list, the feed, Open Graph."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from exhibition.events import news
from exhibition.events.news import PostData, body_html, update_post
from exhibition.events.news_models import NewsPost, NewsSlug, PostCategory, PostState
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.text import slugify

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_TITLE = '<script>alert("t")</script> Tin & "nóng"'


def test_slugify_folds_vietnamese_and_d_with_stroke():
    assert slugify("Thông báo về việc tổ chức Đại hội") == "thong-bao-ve-viec-to-chuc-dai-hoi"
    assert slugify("  Giá: 18.000.000 ₫ / người!  ") == "gia-18-000-000-nguoi"
    long = slugify("Thông báo " * 30, max_length=80)
    assert len(long) <= 80 and not long.endswith("-") and long.startswith("thong-bao-thong")


def test_post_slug_comes_from_the_title_and_is_unique_per_exhibition(app, make_event, make_post):
    make_event()
    make_event(slug="expo-2027")
    first = make_post(title_vi="Thông báo về việc tổ chức triển lãm")
    second = make_post(title_vi="Thông báo về việc tổ chức triển lãm")
    third = make_post(title_vi="Thông báo về việc tổ chức triển lãm")
    other = make_post(slug="expo-2027", title_vi="Thông báo về việc tổ chức triển lãm")
    assert first["slug"] == "thong-bao-ve-viec-to-chuc-trien-lam"
    assert second["slug"] == "thong-bao-ve-viec-to-chuc-trien-lam-2"
    assert third["slug"] == "thong-bao-ve-viec-to-chuc-trien-lam-3"
    assert other["slug"] == "thong-bao-ve-viec-to-chuc-trien-lam"


def test_post_slug_stays_when_the_title_changes(app, make_event, make_post):
    make_event()
    made = make_post(title_vi="Tin đầu tiên")
    with app.app_context():
        post = db.session.get(NewsPost, made["id"])
        data = PostData(category=post.category, title_vi="Tin đã đổi tên", summary_vi="Tóm tắt",
                        body_vi="Nội dung")  # fmt: skip
        update_post(post=post, data=data, version=post.version)
        db.session.commit()
        assert post.slug == "tin-dau-tien"


def test_old_slug_redirects_permanently_to_the_current_one(app, client, make_event, make_post):
    make_event()
    made = make_post(title_vi="Tin đầu tiên")
    with app.app_context():
        post = db.session.get(NewsPost, made["id"])
        data = PostData(category=post.category, title_vi=post.title_vi, summary_vi="Tóm tắt",
                        body_vi="Nội dung")  # fmt: skip
        update_post(post=post, data=data, version=post.version, slug="tin-moi")
        db.session.commit()
        update_post(post=post, data=data, version=post.version, slug="tin-moi-nhat")
        db.session.commit()
        assert db.session.scalars(sa.select(NewsSlug.slug).order_by(NewsSlug.id)).all() == [
            "tin-dau-tien",
            "tin-moi",
        ]
    for old in ("tin-dau-tien", "tin-moi"):
        answer = client.get(f"/events/expo-2026/news/{old}")
        assert answer.status_code == 301
        assert answer.headers["Location"] == "/events/expo-2026/news/tin-moi-nhat"
    assert client.get("/events/expo-2026/news/tin-moi-nhat").status_code == 200


def test_old_slug_of_a_post_not_yet_out_is_not_found(app, client, make_event, make_post):
    make_event()
    made = make_post(title_vi="Tin sắp ra", state="scheduled")
    with app.app_context():
        post = db.session.get(NewsPost, made["id"])
        data = PostData(category=post.category, title_vi=post.title_vi, summary_vi="Tóm tắt",
                        body_vi="Nội dung")  # fmt: skip
        update_post(post=post, data=data, version=post.version, slug="tin-moi")
        db.session.commit()
    assert client.get("/events/expo-2026/news/tin-sap-ra").status_code == 404


def _surfaces(client, slug):
    """What the public gets of a post on each surface: its page, the list, both feeds, the
    exhibition's page."""
    return {
        "page": client.get(f"/events/expo-2026/news/{slug}").status_code,
        "list": slug in client.get("/events/expo-2026/news/").text,
        "feed_vi": slug in client.get("/events/expo-2026/news/feed.vi.atom").text,
        "feed_en": slug in client.get("/events/expo-2026/news/feed.en.atom").text,
        "event_page": slug in client.get("/events/expo-2026/").text,
        "json": client.get(f"/api/v1/events/expo-2026/news/{slug}").status_code,
        "json_list": slug in client.get("/api/v1/events/expo-2026/news").text,
    }


HIDDEN = {"page": 404, "list": False, "feed_vi": False, "feed_en": False, "event_page": False,
          "json": 404, "json_list": False}  # fmt: skip
SHOWN = {"page": 200, "list": True, "feed_vi": True, "feed_en": True, "event_page": True,
         "json": 200, "json_list": True}  # fmt: skip


def test_scheduled_post_is_not_found_everywhere_before_its_time(app, client, make_event, make_post):
    make_event()
    later = make_post(title_vi="Tin hẹn giờ", state="scheduled",
                      publish_at=datetime.now(UTC) + timedelta(minutes=5))  # fmt: skip
    draft = make_post(title_vi="Tin nháp", state="draft")
    assert _surfaces(client, later["slug"]) == HIDDEN
    assert _surfaces(client, draft["slug"]) == HIDDEN


def test_scheduled_post_appears_everywhere_once_its_time_has_come(
    app, client, make_event, make_post
):
    make_event()
    made = make_post(title_vi="Tin hẹn giờ", state="scheduled",
                     publish_at=datetime.now(UTC) + timedelta(minutes=5))  # fmt: skip
    assert _surfaces(client, made["slug"]) == HIDDEN
    with app.app_context():  # its time comes: no job runs, the queries compare with now
        db.session.execute(
            sa.update(NewsPost).values(publish_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
        post = db.session.get(NewsPost, made["id"])
        assert post.state is PostState.SCHEDULED
        assert news.shown_state(post) is PostState.PUBLISHED
    assert _surfaces(client, made["slug"]) == SHOWN


def test_visibility_is_decided_at_the_time_of_the_query(app, make_event, make_post):
    make_event()
    at = datetime.now(UTC) + timedelta(hours=3)
    made = make_post(state="scheduled", publish_at=at)
    with app.app_context():
        event = get_event(slug="expo-2026")
        with pytest.raises(news.PostNotFound):
            news.public_post(event=event, slug=made["slug"], now=at - timedelta(seconds=1))
        post, old = news.public_post(event=event, slug=made["slug"], now=at)
        assert (post.id, old) == (made["id"], False)


def test_archived_post_leaves_the_lists_and_keeps_its_page(app, client, make_event, make_post):
    make_event()
    made = make_post(title_vi="Tin cũ", state="archived")
    surfaces = _surfaces(client, made["slug"])
    assert surfaces == {**HIDDEN, "page": 200, "json": 200}
    assert (
        "This post is archived" in client.get(f"/events/expo-2026/news/{made['slug']}?lang=en").text
    )


def test_unknown_post_and_unknown_exhibition_are_not_found(app, client, make_event, make_post):
    make_event()
    make_post()
    for url in (
        "/events/expo-2026/news/khong-co",
        "/events/nowhere/news/",
        "/events/nowhere/news/feed.vi.atom",
        "/events/expo-2026/news/feed.fr.atom",
        "/events/expo-2026/news/thong-bao-ve-viec-to-chuc-trien-lam/files/999",
        "/events/expo-2026/news/thong-bao-ve-viec-to-chuc-trien-lam/files/99999999999999",
        "/media/news/0123456789abcdef0123456789abcdef.jpg",
        "/media/news/..%2Fsecret.jpg",
    ):
        assert client.get(url).status_code == 404, url


def test_other_exhibitions_post_is_not_found_under_this_one(app, client, make_event, make_post):
    make_event()
    make_event(slug="expo-2027")
    made = make_post(slug="expo-2027", title_vi="Tin của năm sau")
    assert client.get(f"/events/expo-2027/news/{made['slug']}").status_code == 200
    assert client.get(f"/events/expo-2026/news/{made['slug']}").status_code == 404


def test_list_puts_pinned_posts_first_then_newest_and_pages(app, client, make_event, make_post):
    make_event()
    now = datetime.now(UTC)
    for n in range(12):
        make_post(title_vi=f"Tin số {n:02d}", publish_at=now - timedelta(hours=n + 1))
    make_post(title_vi="Tin ghim cũ", pinned=True, publish_at=now - timedelta(days=30))
    first = client.get("/events/expo-2026/news/?lang=en").text
    titles = re.findall(r'<a href="/events/expo-2026/news/[^"]+">([^<]+)</a></h3>', first)
    assert titles[:3] == ["Tin ghim cũ", "Tin số 00", "Tin số 01"]
    assert len(titles) == 10
    assert "Page 1 of 2" in first
    second = client.get("/events/expo-2026/news/?lang=en&page=2").text
    titles = re.findall(r'<a href="/events/expo-2026/news/[^"]+">([^<]+)</a></h3>', second)
    assert titles == ["Tin số 09", "Tin số 10", "Tin số 11"]


def test_exhibition_page_shows_the_latest_three_posts(app, client, make_event, make_post):
    make_event()
    now = datetime.now(UTC)
    for n in range(5):
        make_post(title_vi=f"Tin số {n}", publish_at=now - timedelta(hours=n + 1))
    page = client.get("/events/expo-2026/?lang=en").text
    section = page.split('id="news-latest"', 1)[1].split("</section>", 1)[0]
    titles = re.findall(r'<a href="/events/expo-2026/news/[^"]+">([^<]+)</a></h3>', section)
    assert titles == ["Tin số 0", "Tin số 1", "Tin số 2"]


def test_exhibition_page_without_posts_has_no_news_section(app, client, make_event):
    make_event()
    assert 'id="news-latest"' not in client.get("/events/expo-2026/").text


def test_english_page_of_a_vietnamese_only_post_shows_it_marked_vietnamese(
    app, client, make_event, make_post
):
    make_event()
    made = make_post(title_vi="Tin chỉ có tiếng Việt", summary_vi="Tóm tắt tiếng Việt")
    page = client.get(f"/events/expo-2026/news/{made['slug']}?lang=en").text
    assert '<h1 lang="vi">Tin chỉ có tiếng Việt</h1>' in page
    assert '<p class="lead" lang="vi">Tóm tắt tiếng Việt</p>' in page
    assert '<div class="prose news-body" lang="vi">' in page
    assert "This post is only available in Vietnamese." in page


def test_english_page_of_a_translated_post_is_english(app, client, make_event, make_post):
    make_event()
    made = make_post(title_en="English title", summary_en="English summary", body_en="English")
    page = client.get(f"/events/expo-2026/news/{made['slug']}?lang=en").text
    assert "<h1>English title</h1>" in page
    assert "only available in Vietnamese" not in page


def test_event_time_is_shown_in_vietnam_time(app, client, make_event, make_post):
    make_event()
    made = make_post(happens_at=datetime(2021, 11, 23, 2, 0, tzinfo=UTC))
    vi = client.get(f"/events/expo-2026/news/{made['slug']}?lang=vi").text
    en = client.get(f"/events/expo-2026/news/{made['slug']}?lang=en").text
    assert "23/11/2021 09:00</strong>" in vi
    assert "<strong>Time: 23 November 2021 09:00</strong>" in en


HOSTILE_MARKDOWN = """# Tiêu đề

<script>alert(1)</script>
<img src=x onerror="alert(2)">
[bấm vào đây](javascript:alert(3))
[data](data:text/html;base64,PHNjcmlwdD4=)
<a href="https://example.com" onclick="alert(4)">liên kết</a>
![ảnh](javascript:alert(5))
<iframe src="https://evil.example"></iframe>
<style>body{display:none}</style>
[an toàn](https://example.com/trang?a=1&b=2)
"""


class _Elements(HTMLParser):
    """Every element of an HTML text with its attributes (what a browser would make live)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def live_dangers(html: str) -> list[str]:
    """Scripts, frames, styles, event handlers and javascript:/data: addresses as elements."""
    dangers = []
    for tag, attrs in _Elements(html).found:
        if tag in ("script", "iframe", "style", "object", "embed", "form"):
            dangers.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                dangers.append(f"{tag}.{name}")
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                dangers.append(f"{tag}.{name}={value}")
    return dangers


def test_markdown_body_is_sanitised():
    html = str(body_html(HOSTILE_MARKDOWN))
    assert live_dangers(html) == []
    assert live_dangers('<a href="x" onclick="y">') == ["a.onclick"]  # the check itself works
    assert "<script" not in html and "<iframe" not in html
    assert (
        '<a href="https://example.com/trang?a=1&amp;b=2" rel="noopener noreferrer nofollow">an toàn</a>'
        in html
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not run
    assert "<h1>" not in html and "<h2>Tiêu đề</h2>" in html  # the page's h1 is the title


def test_markdown_keeps_what_posts_need():
    html = str(body_html("## Mục\n\n**đậm** *nghiêng*\n\n- một\n- hai\n\n1. a\n2. b"))
    assert "<h2>Mục</h2>" in html and "<strong>đậm</strong>" in html and "<em>nghiêng</em>" in html
    assert "<ul>\n<li>một</li>" in html and "<ol>" in html


def test_hostile_post_is_escaped_on_its_page_and_sanitised(app, client, make_event, make_post):
    make_event()
    made = make_post(title_vi=HOSTILE_TITLE, summary_vi='<img src=x onerror=alert(1)>',
                     body_vi=HOSTILE_MARKDOWN, cover_alt_vi='"><script>x</script>')  # fmt: skip
    page = client.get(f"/events/expo-2026/news/{made['slug']}").text
    assert live_dangers(page.split('<main id="main"', 1)[1].split("</main>", 1)[0]) == []
    assert "<script>alert" not in page and "<script>x" not in page
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; Tin &amp; &#34;nóng&#34;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    listing = client.get("/events/expo-2026/news/").text
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


def test_feed_is_valid_atom_with_absolute_addresses(app, client, make_event, make_post):
    make_event()
    make_post(title_vi=HOSTILE_TITLE, body_vi=HOSTILE_MARKDOWN, title_en="English <b>title</b>")
    make_post(title_vi="Tin thứ hai")
    for language in ("vi", "en"):
        answer = client.get(f"/events/expo-2026/news/feed.{language}.atom")
        assert answer.status_code == 200
        assert answer.mimetype == "application/atom+xml"
        root = ElementTree.fromstring(answer.data)  # well-formed, or this raises
        assert root.tag == f"{ATOM}feed"
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language
        for required in ("id", "title", "updated", "author"):
            assert root.find(f"{ATOM}{required}") is not None, required
        self_link = root.find(f"{ATOM}link[@rel='self']").get("href")
        assert self_link == f"http://testserver.local/events/expo-2026/news/feed.{language}.atom"
        entries = root.findall(f"{ATOM}entry")
        assert len(entries) == 2
        for entry in entries:
            for required in ("id", "title", "updated", "published", "summary", "content"):
                assert entry.find(f"{ATOM}{required}") is not None, required
            link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
            assert link.startswith("http://testserver.local/events/expo-2026/news/")
            datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        titles = [e.find(f"{ATOM}title").text for e in entries]
        expected = HOSTILE_TITLE if language == "vi" else "English <b>title</b>"
        assert expected in titles  # text, escaped in the XML, read back as typed
        content = entries[titles.index(expected)].find(f"{ATOM}content")
        assert content.get("type") == "html"
        assert "<script" not in content.text and live_dangers(content.text) == []
    assert b"<script>" not in client.get("/events/expo-2026/news/feed.vi.atom").data


def test_english_feed_marks_vietnamese_only_entries(app, client, make_event, make_post):
    make_event()
    make_post(title_vi="Chỉ tiếng Việt")
    root = ElementTree.fromstring(client.get("/events/expo-2026/news/feed.en.atom").data)
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    assert entry.find(f"{ATOM}title").text == "Chỉ tiếng Việt"


def test_post_page_has_open_graph_tags_with_absolute_addresses(app, client, make_event, make_post):
    make_event()
    made = make_post(title_vi='Tin "nổi bật"', summary_vi="Tóm tắt <ngắn>")
    with app.app_context():
        db.session.get(NewsPost, made["id"]).cover_filename = "0" * 32 + ".jpg"
        db.session.commit()
    page = client.get(f"/events/expo-2026/news/{made['slug']}").text
    url = f"http://testserver.local/events/expo-2026/news/{made['slug']}?lang=vi"
    assert '<meta property="og:type" content="article">' in page
    assert '<meta property="og:title" content="Tin &#34;nổi bật&#34;">' in page
    assert '<meta property="og:description" content="Tóm tắt &lt;ngắn&gt;">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    image = "http://testserver.local/media/news/" + "0" * 32 + ".jpg"
    assert f'<meta property="og:image" content="{image}">' in page


def test_category_is_named_in_the_reader_language(app, client, make_event, make_post):
    make_event()
    made = make_post(category=PostCategory.RESULTS)
    assert "Results" in client.get(f"/events/expo-2026/news/{made['slug']}?lang=en").text


def test_demo_publishes_the_announcement_first_and_shows_every_state(app, client):
    from exhibition.events.demo import seed_demo
    from exhibition.events.news_demo import ANNOUNCEMENT

    with app.app_context():
        event, _ = seed_demo(visitors=3)
        db.session.commit()
        slug = event.slug
        posts = db.session.scalars(
            sa.select(NewsPost).where(NewsPost.event_id == event.id).order_by(NewsPost.id)
        ).all()
        first = posts[0]
        title = ANNOUNCEMENT.read_text(encoding="utf-8").splitlines()[0].strip()
        assert (first.title_vi, first.state, first.pinned) == (title, PostState.PUBLISHED, True)
        assert first.slug.startswith("thong-bao-ve-viec-to-chuc-trien-lam-quoc-te-lan-thu-nhat")
        assert first.publish_at == min(p.publish_at for p in posts if p.publish_at)
        assert "Ngày 19/11, Sở Công Thương Hải Phòng" in first.body_vi
        assert not any(line.startswith("    ") for line in first.body_vi.splitlines())
        states = sorted(news.shown_state(p).value for p in posts)
        assert states == ["archived", "draft", "published", "published", "scheduled", "scheduled"]
        assert sum(p.category is PostCategory.RESULTS for p in posts) == 1
        first_slug = first.slug
        assert seed_demo(visitors=3)[1] == "there"  # loaded once
    listed = client.get(f"/events/{slug}/news/?lang=vi").text
    assert listed.index(title) < listed.index("Mở đăng ký tham quan triển lãm")
    page = client.get(f"/events/{slug}/news/{first_slug}?lang=vi").text
    assert "23/11/2021 09:00" in page
