"""News posts and announcements: writing them, their states and addresses, what the public may
see and when, and their Markdown made into safe HTML."""

from dataclasses import dataclass, fields
from datetime import datetime

import nh3
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm.exc import StaleDataError

from ..dbtypes import utcnow
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..text import slugify
from .models import Event
from .news_models import NewsPost, NewsSlug, PostCategory, PostState

LATEST = 3  # posts on the exhibition's own page
PER_PAGE = 10  # posts per page of the list and entries of a feed
SLUG_LENGTH = 80


class PostNotFound(NotFound):
    code = "post_not_found"
    message = _l("This news post does not exist.")


class PostConflict(Conflict):
    code = "post_conflict"
    message = _l(
        "Someone else saved this post while you were editing it. Your text is still in the form: "
        "compare it with the current version below, then save again."
    )


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    message = _l("The post cannot go to this state from its current one.")


class SlugTaken(DomainError):
    code = "post_slug_taken"
    status = 409
    message = _l("Another post of this exhibition uses or used this address.")


class InvalidSlug(DomainError):
    code = "invalid_post_slug"
    status = 422
    message = _l("Use lower-case letters, digits and hyphens.")


@dataclass
class PostData:
    category: PostCategory
    title_vi: str
    summary_vi: str
    body_vi: str
    title_en: str = ""
    summary_en: str = ""
    body_en: str = ""
    happens_at: datetime | None = None
    cover_alt_vi: str = ""
    cover_alt_en: str = ""
    pinned: bool = False


# ---------------------------------------------------------------- what the public sees


def listed(now: datetime) -> sa.ColumnElement[bool]:
    """In SQL: posts listed to the public at `now` (published, or scheduled and due)."""
    return sa.and_(
        NewsPost.state.in_((PostState.SCHEDULED, PostState.PUBLISHED)),
        NewsPost.publish_at <= now,
    )


def readable(now: datetime) -> sa.ColumnElement[bool]:
    """In SQL: posts whose page the public may open at `now`: those listed, and archived ones
    (no longer listed; their address keeps working)."""
    return sa.and_(
        NewsPost.state.in_((PostState.SCHEDULED, PostState.PUBLISHED, PostState.ARCHIVED)),
        NewsPost.publish_at <= now,
    )


def shown_state(post: NewsPost, now: datetime | None = None) -> PostState:
    """The state as the public meets it: a scheduled post whose time has come is published."""
    now = now or utcnow()
    if post.state is PostState.SCHEDULED and post.publish_at <= now:
        return PostState.PUBLISHED
    return post.state


def _public_order() -> tuple:
    return (NewsPost.pinned.desc(), NewsPost.publish_at.desc(), NewsPost.id.desc())


def latest_posts(*, event: Event, now: datetime | None = None, limit: int = LATEST) -> list:
    """The exhibition's latest listed posts, newest first (pinned ones do not jump ahead here:
    the page shows what is new)."""
    return list(
        db.session.scalars(
            sa.select(NewsPost)
            .where(NewsPost.event_id == event.id, listed(now or utcnow()))
            .order_by(NewsPost.publish_at.desc(), NewsPost.id.desc())
            .limit(limit)
        )
    )


def public_posts_query(*, event: Event, now: datetime | None = None) -> sa.Select:
    """The listed posts of an exhibition, pinned first, then newest first."""
    return (
        sa.select(NewsPost)
        .where(NewsPost.event_id == event.id, listed(now or utcnow()))
        .order_by(*_public_order())
    )


def feed_posts(*, event: Event, now: datetime | None = None) -> list[NewsPost]:
    """The entries of a feed: the newest listed posts (pinned or not)."""
    return list(
        db.session.scalars(
            sa.select(NewsPost)
            .where(NewsPost.event_id == event.id, listed(now or utcnow()))
            .order_by(NewsPost.publish_at.desc(), NewsPost.id.desc())
            .limit(PER_PAGE * 2)
        )
    )


def public_post(*, event: Event, slug: str, now: datetime | None = None) -> tuple[NewsPost, bool]:
    """The post the public may read at this address, and whether the address is an old one (to
    redirect to the current); PostNotFound before its time, for drafts, and for unknown ones."""
    now = now or utcnow()
    post = db.session.scalar(
        sa.select(NewsPost).where(
            NewsPost.event_id == event.id, NewsPost.slug == slug, readable(now)
        )
    )
    if post is not None:
        return post, False
    post = db.session.scalar(
        sa.select(NewsPost)
        .join(NewsSlug, NewsSlug.post_id == NewsPost.id)
        .where(NewsSlug.event_id == event.id, NewsSlug.slug == slug, readable(now))
    )
    if post is None:
        raise PostNotFound()
    return post, True


# ---------------------------------------------------------------- organisers' side


def get_post(*, event: Event, post_id: int) -> NewsPost:
    """Any post of the exhibition, whatever its state (organisers); PostNotFound."""
    post = db.session.get(NewsPost, post_id)
    if post is None or post.event_id != event.id:
        raise PostNotFound()
    return post


def all_posts(*, event: Event) -> sa.Select:
    """Every post of the exhibition, drafts and scheduled ones first, then newest."""
    return sa.select(NewsPost).where(NewsPost.event_id == event.id).order_by(
        sa.case((NewsPost.state == PostState.DRAFT, 0), (NewsPost.state == PostState.SCHEDULED, 1),
                else_=2),
        NewsPost.publish_at.desc().nulls_first(),
        NewsPost.id.desc(),
    )  # fmt: skip


def _slug_used(event: Event, slug: str, *, but: NewsPost | None = None) -> bool:
    current = sa.select(NewsPost.id).where(NewsPost.event_id == event.id, NewsPost.slug == slug)
    old = sa.select(NewsSlug.post_id).where(NewsSlug.event_id == event.id, NewsSlug.slug == slug)
    owners = set(db.session.scalars(current)) | set(db.session.scalars(old))
    return bool(owners - ({but.id} if but is not None and but.id else set()))


def unique_slug(*, event: Event, title: str) -> str:
    """An address made from the title without diacritics, free in this exhibition (no post has
    or had it): "thong-bao-…", then "thong-bao-…-2", "-3" …"""
    base = slugify(title, max_length=SLUG_LENGTH) or "tin"
    slug, n = base, 1
    while _slug_used(event, slug):
        n += 1
        suffix = f"-{n}"
        slug = base[: SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug


def create_post(*, event: Event, data: PostData, author_id: int | None = None) -> NewsPost:
    """A new draft post with an address made from its Vietnamese title."""
    post = NewsPost(
        event_id=event.id,
        slug=unique_slug(event=event, title=data.title_vi),
        state=PostState.DRAFT,
        created_by_id=author_id,
        **vars(data),
    )
    db.session.add(post)
    db.session.flush()
    return post


def _check_version(post: NewsPost, version: int) -> None:
    if post.version != version:
        raise PostConflict()


def _flush(post: NewsPost) -> None:
    """Write the change; another writer who saved the same version in between is a conflict
    (the UPDATE names the version it read: SQLAlchemy's version counter)."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise PostConflict() from error


def update_post(
    *, post: NewsPost, data: PostData, version: int, slug: str | None = None
) -> NewsPost:
    """Change a post's text and settings if it is still at `version` (else PostConflict);
    `slug`: a new address, the old one kept to redirect. Its state and sending do not change:
    editing never sends anything."""
    _check_version(post, version)
    if slug is not None and slug != post.slug:
        if not slug or slugify(slug, max_length=SLUG_LENGTH) != slug:
            raise InvalidSlug()
        if _slug_used(post.event, slug, but=post):
            raise SlugTaken()
        db.session.add(NewsSlug(event_id=post.event_id, post_id=post.id, slug=post.slug))
        db.session.execute(
            sa.delete(NewsSlug).where(NewsSlug.post_id == post.id, NewsSlug.slug == slug)
        )
        post.slug = slug
    for field in fields(PostData):
        setattr(post, field.name, getattr(data, field.name))
    _flush(post)
    return post


# The states each action leads from, and to.
ACTIONS: dict[str, tuple[frozenset[PostState], PostState]] = {
    "schedule": (frozenset({PostState.DRAFT, PostState.SCHEDULED}), PostState.SCHEDULED),
    "publish": (frozenset({PostState.DRAFT, PostState.SCHEDULED}), PostState.PUBLISHED),
    "unpublish": (frozenset({PostState.SCHEDULED, PostState.PUBLISHED}), PostState.DRAFT),
    "archive": (frozenset({PostState.PUBLISHED, PostState.SCHEDULED}), PostState.ARCHIVED),
    "restore": (frozenset({PostState.ARCHIVED}), PostState.PUBLISHED),
}


class ScheduleNeedsTime(DomainError):
    code = "schedule_needs_time"
    status = 422
    message = _l("Choose the date and time the post is to appear.")


def change_state(
    *,
    post: NewsPost,
    action: str,
    version: int,
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> NewsPost:
    """Move a post by `action` (a key of ACTIONS): `schedule` at `publish_at`, `publish` now,
    `unpublish` to a draft, `archive`, `restore`; InvalidTransition from a state it does not
    lead from, PostConflict when the post changed since `version`."""
    now = now or utcnow()
    _check_version(post, version)
    if action not in ACTIONS:
        raise InvalidTransition()
    sources, target = ACTIONS[action]
    # Archiving a post that is not yet out, or scheduling one already out, makes no sense.
    due = post.publish_at is not None and post.publish_at <= now
    if post.state not in sources or (action == "archive" and not due):
        raise InvalidTransition()
    if action == "schedule" and post.state is PostState.SCHEDULED and due:
        raise InvalidTransition()
    if action == "schedule":
        if publish_at is None:
            raise ScheduleNeedsTime()
        post.publish_at = publish_at
    elif action == "publish" and not (post.state is PostState.SCHEDULED and due):
        post.publish_at = now
    elif action == "unpublish":
        post.publish_at = None
    post.state = target
    _flush(post)
    return post


# ---------------------------------------------------------------- Markdown, made safe

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
                      "th": {"align"}, "td": {"align"}}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}


def body_html(markdown_text: str) -> Markup:
    """A post's Markdown as HTML, sanitised by nh3 (Ammonia): no script, no event handler, no
    style, no link but http, https and mailto. The one place that marks HTML safe: its output."""
    tokens = _markdown.parse(markdown_text or "")
    for token in tokens:  # the post's title is the page's h1: its headings start at h2
        if token.tag == "h1":
            token.tag = "h2"
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 (sanitised just above: the one exception)


def shown_body(post: NewsPost, language: str | None = None) -> Markup:
    """The post's body in `language` (Vietnamese when it has no English one), as safe HTML."""
    return body_html(post.tr("body", language))
