"""The public news API: an exhibition's posts out now, as JSON (no credential: what its pages
show). A post is not found before its time, like its page."""

from flask import Blueprint, Response, g, jsonify

from ..events import news
from ..events.news_models import NewsPost, PostState
from ..events.services import get_event
from ..extensions import csrf, paginate
from ..i18n import current_language
from ..labels import label
from ..urls import public_url
from .schemas import answers
from .schemas.news import NewsList, NewsPostDetail

bp = Blueprint("api_news", __name__, url_prefix="/api/v1/events/<slug>/news")
csrf.exempt(bp)  # read only


def _item(post: NewsPost, language: str) -> dict:
    slug = post.event.slug
    cover = post.cover_filename
    return {
        "slug": post.slug,
        "category": post.category.value,
        "category_label": label(post.category),
        "language": post.tr_language("title", language),
        "title": post.tr("title", language),
        "summary": post.tr("summary", language),
        "pinned": post.pinned,
        "published_at": post.publish_at,
        "happens_at": post.happens_at,
        "url": public_url("news.post", slug=slug, post_slug=post.slug, lang=language),
        "cover_url": public_url("news.cover", name=cover) if cover else None,
        "cover_alt": post.tr("cover_alt", language) if cover else "",
    }


def _json(answer: type, body: dict) -> Response:
    response = jsonify(answers.dump(answer, body))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("")
def posts(slug: str):
    """The exhibition's posts out now, pinned first, then newest, ten to a page (`?page=`)."""
    g.event = event = get_event(slug=slug)
    language = current_language()
    page = paginate(news.public_posts_query(event=event), per_page=news.PER_PAGE)
    body = {
        "posts": [_item(post, language) for post in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total or 0,
    }
    return _json(NewsList, body)


@bp.get("/<post_slug>")
def post(slug: str, post_slug: str):
    """One post out now (an old address gives the post, with its current `slug`)."""
    g.event = event = get_event(slug=slug)
    found, _old = news.public_post(event=event, slug=post_slug)
    language = current_language()
    body = {
        **_item(found, language),
        "body_html": str(news.shown_body(found, language)),
        "archived": found.state is PostState.ARCHIVED,
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "url": public_url(
                    "news.attachment", slug=slug, post_slug=found.slug, attachment_id=item.id
                ),  # fmt: skip
            }
            for item in found.attachments
        ],
    }
    return _json(NewsPostDetail, body)
