"""Factories of the events domain's tests: news posts and people who take news."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from exhibition.events.news import PostData, change_state, create_post
from exhibition.events.news_models import NewsPost, PostCategory
from exhibition.events.services import get_event
from exhibition.extensions import db
from exhibition.visitors.models import VisitorCategory
from exhibition.visitors.services import Consents, VisitorData, register_visitor


@pytest.fixture
def make_post(app):
    """A post of the exhibition, published a minute ago unless `state` says otherwise
    ("draft", "scheduled" at `publish_at`, "archived"); returns {"id", "slug"}."""

    def factory(slug="expo-2026", state="published", publish_at=None, **fields):
        data = dict(
            category=PostCategory.NEWS,
            title_vi="Thông báo về việc tổ chức Triển lãm",
            summary_vi="Tóm tắt của tin.",
            body_vi="Nội dung **chính** của tin.",
        )
        data.update(fields)
        now = datetime.now(UTC)
        with app.app_context():
            post = create_post(event=get_event(slug=slug), data=PostData(**data))
            if state in ("published", "archived"):
                change_state(post=post, action="publish", version=post.version,
                             now=publish_at or now - timedelta(minutes=1))  # fmt: skip
            if state == "archived":
                change_state(post=post, action="archive", version=post.version)
            if state == "scheduled":
                change_state(post=post, action="schedule", version=post.version,
                             publish_at=publish_at or now + timedelta(hours=1), now=now)  # fmt: skip
            db.session.commit()
            return {"id": post.id, "slug": post.slug}

    return factory


@pytest.fixture
def make_reader(app):
    """A registration of the exhibition, agreeing to news unless told otherwise; returns its id."""
    counter = {"n": 0}

    def factory(slug="expo-2026", news=True, language="vi", **overrides):
        counter["n"] += 1
        with app.app_context():
            event = get_event(slug=slug)
            category_id = db.session.scalar(
                sa.select(VisitorCategory.id).where(
                    VisitorCategory.event_id == event.id, VisitorCategory.code == "trade"
                )
            )
            data = dict(
                full_name="Trần Văn Bình",
                email=f"reader{counter['n']}@example.com",
                phone="+84912345678",
                category_id=category_id,
                province_code="HP",
                language=language,
            )
            data.update(overrides)
            registration, _ = register_visitor(
                event=event,
                data=VisitorData(**data),
                consents=Consents(processing=True, news=news),
                check_window=False,
            )
            registration.email_verified_at = datetime.now(UTC)
            db.session.commit()
            return registration.id

    return factory


def post_row(app, post_id: int) -> NewsPost:
    with app.app_context():
        post = db.session.get(NewsPost, post_id)
        db.session.expunge(post)
        return post
