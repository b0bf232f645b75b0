"""The demo exhibition's news: the Department's announcement (data/announcement.txt, a copy of
the seed) as its first post, and posts in every state, dated from the day the demo is loaded."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..dbtypes import utcnow
from ..extensions import db
from .models import Event
from .news import PostData, change_state, create_post
from .news_models import NewsPost, PostCategory

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ANNOUNCEMENT = Path(__file__).parent / "data" / "announcement.txt"
_TIME_LINE = re.compile(r"^Thời gian:\s*(\d{2})/(\d{2})/(\d{4})\s+(\d{2}):(\d{2})\s*$")


def announcement() -> tuple[str, datetime | None, str, str]:
    """The announcement as a post: title, time, summary (its first paragraph) and body (the
    other paragraphs, as Markdown paragraphs)."""
    lines = ANNOUNCEMENT.read_text(encoding="utf-8").splitlines()
    title = lines[0].strip()
    happens_at = None
    rest = lines[1:]
    if rest and (match := _TIME_LINE.match(rest[0].strip())):
        day, month, year, hour, minute = map(int, match.groups())
        happens_at = datetime(year, month, day, hour, minute, tzinfo=TZ)
        rest = rest[1:]
    # Paragraphs: the text's indents (non-breaking spaces) would make Markdown code blocks.
    paragraphs = [" ".join(line.split()) for line in rest]
    paragraphs = [p for p in paragraphs if p]
    return title, happens_at, paragraphs[0], "\n\n".join(paragraphs[1:])


def _post(event: Event, **fields) -> NewsPost:
    return create_post(event=event, data=PostData(**fields))


def seed_news(*, event: Event, now: datetime | None = None) -> int:
    """Load the demo's posts once (nothing when the exhibition has a post); returns how many."""
    if db.session.scalar(sa.select(NewsPost.id).where(NewsPost.event_id == event.id).limit(1)):
        return 0
    now = now or utcnow()
    title, happens_at, summary, body = announcement()
    first = _post(
        event,
        category=PostCategory.ANNOUNCEMENT,
        title_vi=title,
        summary_vi=summary,
        body_vi=body,
        title_en="Announcement: the first International Exhibition on Supporting Industry and "
        "Manufacturing",
        summary_en="The Hai Phong Department of Industry and Trade held the district-level "
        "industry and trade conference of the city for 2021.",
        body_en="The Department's announcement is published in Vietnamese; this English text "
        "is a short summary.\n\nThe conference reviewed the results of 2021 and discussed the "
        "tasks and solutions for 2022.",
        happens_at=happens_at,
        pinned=True,
    )
    change_state(post=first, action="publish", version=first.version, now=now - timedelta(days=30))
    opened = _post(
        event,
        category=PostCategory.NEWS,
        title_vi="Mở đăng ký tham quan triển lãm",
        summary_vi="Khách tham quan đăng ký trực tuyến, miễn phí, và nhận thẻ có mã QR qua e-mail.",
        body_vi="Đăng ký tại trang của triển lãm. **Thẻ tham dự** được gửi qua e-mail; "
        "bạn có thể in thẻ hoặc mở trên điện thoại.\n\n- Miễn phí\n- Đăng ký tại cửa vẫn được",
        title_en="Visitor registration is open",
        summary_en="Visitors sign up online, free of charge, and get a QR-coded badge by e-mail.",
        body_en="Sign up on the exhibition's page. The **badge** comes by e-mail; print it or "
        "show it on your phone.\n\n- Free of charge\n- Walk-ins are welcome",
    )
    change_state(post=opened, action="publish", version=opened.version, now=now - timedelta(days=3))
    later_today = _post(
        event,
        category=PostCategory.NEWS,
        title_vi="Hướng dẫn đi lại và gửi xe tại Trung tâm Hội chợ Triển lãm",
        summary_vi="Các tuyến xe buýt, bãi gửi xe và lối vào dành cho khách tham quan.",
        body_vi="Bãi gửi xe ô tô ở cổng phụ; xe máy gửi ở cổng chính.",
    )
    change_state(post=later_today, action="schedule", version=later_today.version,
                 publish_at=now + timedelta(hours=2), now=now)  # fmt: skip
    tomorrow = (now.astimezone(TZ) + timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                                microsecond=0)  # fmt: skip
    results = _post(
        event,
        category=PostCategory.RESULTS,
        title_vi="Kết quả phiên kết nối giao thương buổi sáng",
        summary_vi="Số cuộc gặp đã diễn ra và các hợp tác được ghi nhận.",
        body_vi="Ban tổ chức sẽ cập nhật kết quả sau phiên kết nối.",
        title_en="Results of the morning business-matching session",
        summary_en="Meetings held and the cooperation recorded.",
        body_en="The organisers will update the results after the session.",
    )
    change_state(post=results, action="schedule", version=results.version, publish_at=tomorrow,
                 now=now)  # fmt: skip
    _post(
        event,
        category=PostCategory.NEWS,
        title_vi="Danh sách doanh nghiệp tham gia triển lãm (bản nháp)",
        summary_vi="Danh sách sẽ được công bố khi hoàn tất xếp gian hàng.",
        body_vi="Đang cập nhật.",
    )
    moved = _post(
        event,
        category=PostCategory.ANNOUNCEMENT,
        title_vi="Thay đổi giờ mở cửa ngày khai mạc",
        summary_vi="Thông báo cũ: giờ mở cửa ngày khai mạc đã được điều chỉnh lại.",
        body_vi="Thông báo này không còn hiệu lực.",
    )
    change_state(post=moved, action="publish", version=moved.version, now=now - timedelta(days=20))
    change_state(post=moved, action="archive", version=moved.version, now=now)
    db.session.flush()
    return 6
