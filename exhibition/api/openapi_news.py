"""The public news API in the OpenAPI document (api/news_views.py): an exhibition's posts out
now, with no credential."""

from . import openapi as doc
from .schemas.news import NewsList, NewsPostDetail

BASE = f"{doc.API}/events/{{slug}}/news"
SLUG = doc._parameter("slug", "path", {"type": "string"}, example=doc.EXAMPLE_SLUG)
LANG = doc._parameter(
    "lang",
    "query",
    {"type": "string", "enum": ["vi", "en"]},
    description="The language of the texts (Vietnamese by default); a post without English "
    "text gives its Vietnamese one, with `language` = `vi`.",
)
ITEM = {
    "slug": "thong-bao-ve-viec-to-chuc-trien-lam-quoc-te-lan-thu-nhat",
    "category": "announcement",
    "category_label": "Thông báo",
    "language": "vi",
    "title": "Thông báo về việc tổ chức Triển lãm quốc tế lần thứ nhất",
    "summary": "Sở Công Thương Hải Phòng tổ chức triển lãm.",
    "pinned": True,
    "published_at": "2026-11-06T02:00:00Z",
    "happens_at": "2021-11-23T02:00:00Z",
    "url": "https://trienlam.example/events/cnht-haiphong-2021/news/thong-bao?lang=vi",
    "cover_url": None,
    "cover_alt": "",
}


def news_paths() -> dict:
    return {
        BASE: {
            "get": doc._operation(
                "newsPosts",
                "An exhibition's news posts out now",
                NewsList,
                "Pinned posts first, then the newest; ten to a page.",
                example={"posts": [ITEM], "page": 1, "pages": 1, "total": 1},
                errors=("event_not_found",),
                security=[],
                description="What the exhibition's news page lists: drafts, posts scheduled "
                "for later and archived posts are not in it.",
                parameters=[
                    SLUG,
                    LANG,
                    doc._parameter(
                        "page",
                        "query",
                        {"type": "integer", "minimum": 1},
                        description="A number past the last page gives the last page.",
                    ),
                ],
            )
        },
        f"{BASE}/{{post_slug}}": {
            "get": doc._operation(
                "newsPost",
                "One news post out now",
                NewsPostDetail,
                "The post, its text as sanitised HTML, and its attachments.",
                example={
                    **ITEM,
                    "body_html": "<p>Ngày 19/11 …</p>",
                    "archived": False,
                    "attachments": [],
                },  # fmt: skip
                errors=("event_not_found", "post_not_found"),
                security=[],
                description="`404 post_not_found` for a draft or a post scheduled for later, "
                "as for an unknown one; an address the post had before gives the post (its "
                "`slug` is the current one).",
                parameters=[
                    SLUG,
                    doc._parameter(
                        "post_slug", "path", {"type": "string"}, example=ITEM["slug"]
                    ),  # fmt: skip
                    LANG,
                ],
            )
        },
    }
