"""The public directory in each language: English product lines (or the Vietnamese ones, marked
as Vietnamese), and companies in the order of their short names, the Vietnamese way."""

import re

from tests.booths.test_allocation_service import confirm_booth


def names_in(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/events/expo-2026/exhibitors/\d+"[^>]*>([^<]+)</a></h2>', html)


def test_directory_sorts_by_the_short_name_the_vietnamese_way(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    codes = make_floor(count=7)
    companies = [
        ("Công ty TNHH Đình Vũ", "Dinh Vu Co., Ltd."),
        ("Công ty CP Khuôn mẫu Đông Á", "Dong A Mould JSC"),
        ("Công ty CP Ánh Dương", ""),
        ("Tập đoàn Bình Minh", "Binh Minh Group"),
        ("Công ty TNHH Dệt Hà", "Ha Textile Co., Ltd."),
        ("Công ty Cổ phần Úc Việt", "Uc Viet JSC"),
        ("Doanh nghiệp tư nhân Ấn Nam", "An Nam Private Enterprise"),
    ]
    for code, (name_vi, name_en) in zip(codes, companies, strict=True):
        confirm_booth(app, make_exhibitor(company_name_vi=name_vi, company_name_en=name_en), code)
    assert names_in(client.get("/events/expo-2026/exhibitors?lang=vi").text) == [
        "Công ty CP Ánh Dương",
        "Doanh nghiệp tư nhân Ấn Nam",
        "Tập đoàn Bình Minh",
        "Công ty TNHH Dệt Hà",
        "Công ty TNHH Đình Vũ",
        "Công ty CP Khuôn mẫu Đông Á",
        "Công ty Cổ phần Úc Việt",
    ]
    assert names_in(client.get("/events/expo-2026/exhibitors?lang=en").text) == [
        "An Nam Private Enterprise",
        "Công ty CP Ánh Dương",  # no English name: its Vietnamese one, in its place
        "Binh Minh Group",
        "Dinh Vu Co., Ltd.",
        "Dong A Mould JSC",
        "Ha Textile Co., Ltd.",
        "Uc Viet JSC",
    ]


def test_directory_pages_keep_the_order(app, client, make_event, make_floor, make_exhibitor):
    from exhibition.events.services import get_event
    from exhibition.exhibitors.directory import directory_page

    make_event()
    codes = make_floor(count=5)
    for code, name in zip(codes, ["E", "C", "A", "D", "B"], strict=True):
        confirm_booth(app, make_exhibitor(company_name_vi=f"Công ty TNHH {name}"), code)
    with app.app_context():
        event = get_event(slug="expo-2026")
        pages = [directory_page(event=event, page=n, size=2) for n in (1, 2, 3, 9)]
    assert [[x.company_name_vi[-1] for x in p.items] for p in pages] == [
        ["A", "B"], ["C", "D"], ["E"], ["E"],
    ]  # fmt: skip
    assert [(p.page, p.pages, p.total) for p in pages] == [
        (1, 3, 5),
        (2, 3, 5),
        (3, 3, 5),
        (3, 3, 5),
    ]


def test_english_directory_shows_english_products_and_marks_vietnamese_ones(
    app, client, make_event, make_floor, make_exhibitor
):
    make_event()
    make_floor(count=2)
    confirm_booth(
        app,
        make_exhibitor(
            company_name_vi="Công ty CP Khuôn mẫu Đông Á",
            company_name_en="Dong A Mould JSC",
            main_products="Khuôn ép nhựa",
            main_products_en="Plastic injection moulds",
            description_vi="Khuôn chính xác.",
            description_en="Precision moulds.",
        ),
        "A01",
    )
    only_vietnamese = make_exhibitor(
        company_name_vi="Công ty TNHH Điện tử Đình Vũ", main_products="Bo mạch, cảm biến",
        description_vi="Linh kiện điện tử.",
    )  # fmt: skip
    confirm_booth(app, only_vietnamese, "A02")
    english = client.get("/events/expo-2026/exhibitors?lang=en").text
    assert "<p>Plastic injection moulds</p>" in english
    assert "Khuôn ép nhựa" not in english
    assert '<p lang="vi">Bo mạch, cảm biến</p>' in english
    assert 'lang="vi">Công ty TNHH Điện tử Đình Vũ</a>' in english
    assert client.get("/events/expo-2026/exhibitors?q=injection&lang=en").text.count("<h2>") == 1
    profile = client.get(f"/events/expo-2026/exhibitors/{only_vietnamese}?lang=en").text
    assert '<dd lang="vi">Bo mạch, cảm biến</dd>' in profile
    assert '<p class="prose" lang="vi">Linh kiện điện tử.</p>' in profile
    vietnamese = client.get("/events/expo-2026/exhibitors?lang=vi").text
    assert "<p>Khuôn ép nhựa</p>" in vietnamese and 'lang="vi"' not in vietnamese.split("<main")[1]
