"""Badge PDFs: 1,000 badges as one A6 PDF and as four-up A4 sheets (and as cards).

Prints seconds and file size for each layout. Run: .venv/bin/python bench/badges_pdf.py [--count 1000]
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exhibition.badges.pdf import BadgeData, render  # noqa: E402
from exhibition.badges.services import new_badge_code  # noqa: E402

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hồng", "Minh", "Quốc", "Thanh", "Đức"]
GIVEN = ["Nhung", "Hải", "Tuấn", "Hương", "Long", "Lan", "Thắng", "Mai", "Cường", "Ngọc Ánh"]


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark; returns seconds per layout for bench/run_all.py."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args(argv)
    rng = random.Random(2021)
    badges = [
        BadgeData(
            name=f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            job_title="Trưởng phòng Kinh doanh",
            organisation="Công ty TNHH Sản xuất Linh kiện Cơ khí Chính xác Hải Phòng " + str(n),
            category=rng.choice(["Khách thương mại", "Báo chí", "Đại biểu", "Đơn vị trưng bày"]),
            color=rng.choice(["#1f6feb", "#8250df", "#bf3989", "#2da44e"]),
            code=new_badge_code(),
            event_name="Triển lãm quốc tế lần thứ nhất về công nghiệp hỗ trợ và Chế biến chế tạo",
            event_dates="23/11/2021 – 26/11/2021 · Trung tâm Hội chợ Triển lãm Hải Phòng",
        )
        for n in range(args.count)
    ]
    print(f"{args.count:,} badges")
    print(f"{'layout':<8} {'pages':>6} {'seconds':>8} {'size':>10}")
    figures = {"count": args.count, "seconds": {}}
    for layout, per_page in (("a6", 1), ("a4", 4), ("card", 1)):
        start = time.perf_counter()
        data = render(badges, layout=layout)
        seconds = time.perf_counter() - start
        pages = -(-args.count // per_page)
        print(f"{layout:<8} {pages:>6} {seconds:>8.2f} {len(data) / 1e6:>8.2f} MB")
        figures["seconds"][layout] = seconds
    return figures


if __name__ == "__main__":
    main()
