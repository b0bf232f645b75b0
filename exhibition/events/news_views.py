"""Public pages of an exhibition's news: the list, a post, its files, and an Atom feed per
language. A post is a 404 on each of them until its time has come."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_babel import force_locale
from flask_login import current_user

from ..accounts.access import may
from ..dbtypes import utcnow
from ..exhibitors.logos import image_folder, stored_name
from ..extensions import db, paginate
from ..urls import public_url
from . import news
from .models import Event
from .news_admin_views import WRITERS
from .news_files import COVER, files_folder
from .news_models import NewsAttachment, NewsPost, PostState
from .services import get_event

bp = Blueprint("news", __name__)


@bp.get("/events/<slug>/news/")
def index(slug: str):
    """The exhibition's posts out now, pinned first, then newest, ten to a page."""
    g.event = event = get_event(slug=slug)
    page = paginate(news.public_posts_query(event=event), per_page=news.PER_PAGE)
    return render_template("news/index.html", event=event, page=page)


@bp.get("/events/<slug>/news/<post_slug>")
def post(slug: str, post_slug: str):
    """One post; an old address of it redirects (301) to the current one."""
    g.event = event = get_event(slug=slug)
    found, old_address = news.public_post(event=event, slug=post_slug)
    if old_address:
        return redirect(url_for("news.post", slug=slug, post_slug=found.slug), 301)
    return render_template(
        "news/post.html",
        event=event,
        post=found,
        body=news.shown_body(found),
        preview=False,
        archived=found.state is PostState.ARCHIVED,
    )


@bp.get("/events/<slug>/news/<post_slug>/files/<int:attachment_id>")
def attachment(slug: str, post_slug: str, attachment_id: int):
    """An attachment of a post out now, downloaded under its name."""
    event = get_event(slug=slug)
    found, _old = news.public_post(event=event, slug=post_slug)
    item = db.session.get(NewsAttachment, attachment_id)
    if item is None or item.post_id != found.id:
        abort(404)
    return send_from_directory(
        files_folder(),
        item.stored_name,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
        max_age=3600,
    )


@bp.get("/media/news/<name>")
def cover(name: str):
    """A post's cover image (JPEG, re-encoded), under a random name: only while the post is
    out (or to those who write the exhibition's news, for their preview)."""
    if not stored_name(name) or not name.endswith(".jpg"):
        abort(404)
    found = db.session.execute(
        sa.select(NewsPost, Event.slug)
        .join(Event, Event.id == NewsPost.event_id)
        .where(NewsPost.cover_filename == name)
    ).first()
    if found is None:
        abort(404)
    post, slug = found
    out = db.session.scalar(sa.select(news.readable(utcnow())).where(NewsPost.id == post.id))
    if not out and not may(current_user, WRITERS, slug):
        abort(404)
    # Short-lived in shared caches: a post taken back takes its cover with it soon.
    return send_from_directory(image_folder(COVER), name, mimetype="image/jpeg", max_age=300)


@bp.get("/events/<slug>/news/feed.<any(vi, en):language>.atom")
def feed(slug: str, language: str):
    """The newest posts as an Atom feed in one language (Vietnamese where a post has no
    English text)."""
    g.event = event = get_event(slug=slug)
    posts = news.feed_posts(event=event)
    with force_locale(language):
        body = render_template(
            "news/feed.atom.xml",
            event=event,
            posts=posts,
            language=language,
            updated=max((max(p.updated_at, p.publish_at) for p in posts), default=event.created_at),
            bodies={p.id: news.shown_body(p, language) for p in posts},
            public_url=public_url,
        )
    return Response(body, mimetype="application/atom+xml")
