"""The answers of the public news API (api/news_views.py): an exhibition's posts out now."""

from datetime import datetime
from typing import Literal

from typing_extensions import TypedDict

from .answers import described

Language = Literal["vi", "en"]


class NewsAttachmentItem(TypedDict):
    filename: str
    content_type: str
    size: described(int, "In bytes.")
    url: described(str, "Absolute address of the file.")


class NewsPostItem(TypedDict):
    """A post as lists give it."""

    slug: described(str, "Its address after /news/; stable when the title changes.")
    category: Literal["announcement", "news", "results"]
    category_label: described(str, "The category's name in the request's language.")
    language: described(Language, "The language of the text given: `vi` when the post has "
                        "no text in the language asked for.")  # fmt: skip
    title: str
    summary: str
    pinned: bool
    published_at: datetime
    happens_at: described(datetime | None, "When what the post announces takes place.")
    url: described(str, "Absolute address of the post's page.")
    cover_url: described(str | None, "Absolute address of the cover image.")
    cover_alt: str


class NewsPostDetail(NewsPostItem):
    """One post with its text as sanitised HTML and its attachments."""

    body_html: described(str, "The text, Markdown made into HTML and sanitised (no script, "
                         "no event handler, links http, https and mailto only).")  # fmt: skip
    archived: described(bool, "No longer listed; its page stays.")
    attachments: list[NewsAttachmentItem]


class NewsList(TypedDict):
    posts: list[NewsPostItem]
    page: int
    pages: int
    total: int


ANSWERS = (NewsAttachmentItem, NewsPostItem, NewsPostDetail, NewsList)
