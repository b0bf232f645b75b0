"""News posts and announcements of an exhibition: their addresses (old ones kept), attachments
and the record of each time one was sent to subscribers."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, enum_column, parent_key, utcnow
from ..extensions import db
from ..i18n import Localized
from .models import Event


class PostState(enum.Enum):
    """Draft, then scheduled (shown from `publish_at`) or published, then archived (no longer
    listed; its page stays)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class PostCategory(enum.Enum):
    ANNOUNCEMENT = "announcement"
    NEWS = "news"
    RESULTS = "results"


class NewsPost(Localized, db.Model):
    __tablename__ = "news_posts"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "slug"),
        # Only a draft may lack the time it is (or was, or will be) shown from.
        sa.CheckConstraint("state = 'draft' OR publish_at IS NOT NULL", name="publish_at_set"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_news_posts_event_id_publish_at", "event_id", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    # Made once from the Vietnamese title; the title may change, the address does not.
    slug: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[PostCategory] = mapped_column(enum_column(PostCategory, "category"))
    state: Mapped[PostState] = mapped_column(
        enum_column(PostState, "state"), default=PostState.DRAFT
    )
    pinned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    title_vi: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300), default="")
    summary_vi: Mapped[str] = mapped_column(sa.String(500))
    summary_en: Mapped[str] = mapped_column(sa.String(500), default="")
    body_vi: Mapped[str] = mapped_column(sa.Text)  # Markdown, sanitised when shown
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    # When what the post announces takes place ("Thời gian: 23/11/2021 09:00"), if it says.
    happens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cover_filename: Mapped[str | None] = mapped_column(sa.String(64))
    cover_alt_vi: Mapped[str] = mapped_column(sa.String(300), default="")
    cover_alt_en: Mapped[str] = mapped_column(sa.String(300), default="")
    # Shown to the public from this time (compared with the time of each query: a scheduled
    # post appears when its time comes, without any job).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by every change; a form carries the version it was read at (optimistic locking).
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    attachments: Mapped[list["NewsAttachment"]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="NewsAttachment.id"
    )
    sends: Mapped[list["NewsSend"]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="NewsSend.round"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<NewsPost {self.id} {self.slug}>"


class NewsSlug(db.Model):
    """An address a post had before: it redirects to the post's current one."""

    __tablename__ = "news_slugs"
    __table_args__ = (sa.UniqueConstraint("event_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = parent_key("events")
    post_id: Mapped[int] = parent_key("news_posts")
    slug: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NewsAttachment(db.Model):
    """A file offered with a post (PDF, image, DOCX, XLSX), stored under a random name."""

    __tablename__ = "news_attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = parent_key("news_posts")
    filename: Mapped[str] = mapped_column(sa.String(200))  # as uploaded, cleaned
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[NewsPost] = relationship(back_populates="attachments")


class NewsSend(db.Model):
    """One sending of a post to the subscribers: round 1 is the first, a later round only when
    an organiser asked to send a changed post again. The unique round makes a second press of
    the same button send nothing."""

    __tablename__ = "news_sends"
    __table_args__ = (
        sa.UniqueConstraint("post_id", "round"),
        sa.CheckConstraint("round >= 1", name="round_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = parent_key("news_posts")
    round: Mapped[int] = mapped_column()
    post_version: Mapped[int] = mapped_column()  # the version that was sent
    recipients: Mapped[int] = mapped_column(default=0)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[NewsPost] = relationship(back_populates="sends")
