"""The exhibitor portal's leads: the list and its filters, a lead's page (scans, notes, rating,
tags, answers with a version: a stale save is a conflict that loses nothing), the qualifying
questions, withdrawal at once, and another company's ids not found."""

import sqlalchemy as sa

from exhibition.exhibitors.lead_models import Lead, LeadAnswer, LeadNote, LeadQuestion, LeadRating
from exhibition.extensions import db
from tests.exhibitors.lead_data import PORTAL, signed_in
from tests.pages import form_posting_to


def test_leads_page_lists_shared_details_escaped_and_anonymous_visits(app, client, booth):
    signed_in(app, client)
    home = client.get(f"{PORTAL}/")
    assert f'href="{PORTAL}/leads"' in home.text
    page = client.get(f"{PORTAL}/leads?lang=en")
    assert page.status_code == 200
    assert "&lt;b&gt;Trần&lt;/b&gt; An" in page.text and "<b>Trần</b>" not in page.text
    assert "Công ty &lt;i&gt;Hải An&lt;/i&gt;" in page.text
    assert booth["email"] in page.text
    assert page.text.count("Visitor who has not shared their details") == 1
    assert "Phạm Ẩn Danh" not in page.text
    assert f'href="{PORTAL}/leads/{booth["anonymous"]}"' in page.text
    assert f'href="{PORTAL}/leads/{booth["theirs"]}"' not in page.text  # another company's


def test_leads_are_filtered_by_rating_tag_and_search(app, client, booth):
    signed_in(app, client)
    hot = client.get(f"{PORTAL}/leads", query_string={"rating": "hot", "lang": "en"})
    assert f'/leads/{booth["shared"]}"' in hot.text
    assert f'/leads/{booth["formula"]}"' not in hot.text
    assert f'/leads/{booth["anonymous"]}"' not in hot.text
    tagged = client.get(f"{PORTAL}/leads", query_string={"tag": "khuôn mẫu"})
    assert f'/leads/{booth["shared"]}"' in tagged.text
    assert f'/leads/{booth["formula"]}"' not in tagged.text
    found = client.get(f"{PORTAL}/leads", query_string={"q": "formula"})
    assert f'/leads/{booth["formula"]}"' in found.text
    assert f'/leads/{booth["shared"]}"' not in found.text
    nothing = client.get(f"{PORTAL}/leads", query_string={"q": "pham an danh"})
    assert f'/leads/{booth["anonymous"]}"' not in nothing.text  # no details to search


def test_lead_page_shows_scans_notes_and_saves_the_qualification(app, client, booth):
    with app.app_context():
        from exhibition.exhibitors.models import Exhibitor
        from exhibition.exhibitors.qualification import add_question

        exhibitor = db.session.get(Exhibitor, booth["exhibitor"])
        budget = add_question(exhibitor=exhibitor, text_vi="Ngân sách?", text_en="Budget?",
                              choices=["< 1 tỷ", "> 1 tỷ"])  # fmt: skip
        when = add_question(exhibitor=exhibitor, text_vi="Khi nào mua?", text_en="When?")
        db.session.commit()
        budget_id, when_id = budget.id, when.id
    signed_in(app, client)
    url = f"{PORTAL}/leads/{booth['shared']}"
    page = client.get(url, query_string={"lang": "en"})
    assert page.status_code == 200
    assert "Máy của &lt;Anna&gt;" in page.text and "Bình" in page.text
    assert "Gọi lại &lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x" not in page.text
    assert "Budget?" in page.text
    form = form_posting_to(page.text, url, page_url=url)
    response = client.post(
        url,
        data=form.data(
            rating="warm",
            tags="CNC, <b>ưu tiên</b>",
            **{f"answer_{budget_id}": "> 1 tỷ", f"answer_{when_id}": "Quý 1"},
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        lead = db.session.get(Lead, booth["shared"])
        assert (lead.rating, lead.tags, lead.version) == (
            LeadRating.WARM,
            ["CNC", "<b>ưu tiên</b>"],
            2,
        )
        assert {a.question_id: a.answer for a in lead.answers} == {
            budget_id: "> 1 tỷ",
            when_id: "Quý 1",
        }
    again = client.get(url)
    assert "CNC, &lt;b&gt;ưu tiên&lt;/b&gt;" in again.text


def test_a_stale_save_shows_the_conflict_keeps_what_was_typed_and_the_current_values(
    app, client, booth
):
    signed_in(app, client)
    url = f"{PORTAL}/leads/{booth['shared']}"
    first = form_posting_to(client.get(url).text, url, page_url=url)
    second = form_posting_to(client.get(url).text, url, page_url=url)
    assert client.post(url, data=first.data(rating="cold", tags="Đã gặp")).status_code == 302
    stale = client.post(
        url, data=second.data(rating="warm", tags="Tiềm năng lớn"), query_string={"lang": "en"}
    )
    assert stale.status_code == 409
    assert "Someone else changed this contact in the meantime" in stale.text
    assert "Đã gặp" in stale.text  # what is saved now
    shown = form_posting_to(stale.text, url, page_url=url)
    assert shown.control("tags").value == "Tiềm năng lớn"  # what was typed stays
    assert [v for v, selected in shown.control("rating").options if selected] == ["warm"]
    with app.app_context():
        lead = db.session.get(Lead, booth["shared"])
        assert (lead.rating, lead.tags, lead.version) == (LeadRating.COLD, ["Đã gặp"], 2)
        assert shown.control("version").value == "2"
    # Saved again from the conflict page, on top of the current version: it goes through.
    assert client.post(url, data=shown.data()).status_code == 302
    with app.app_context():
        lead = db.session.get(Lead, booth["shared"])
        assert (lead.rating, lead.tags, lead.version) == (LeadRating.WARM, ["Tiềm năng lớn"], 3)


def test_notes_are_added_with_author_and_time_never_replacing_others(app, client, booth):
    signed_in(app, client)
    url = f"{PORTAL}/leads/{booth['shared']}"
    page = client.get(url)
    form = form_posting_to(page.text, f"{url}/notes", page_url=url)
    response = client.post(form.action, data=form.data(text="Gửi báo giá <b>tuần sau</b>"))
    assert response.status_code == 302
    empty = client.post(form.action, data=form.data(text="   "))
    assert empty.status_code == 422
    with app.app_context():
        notes = db.session.scalars(
            sa.select(LeadNote).where(LeadNote.lead_id == booth["shared"]).order_by(LeadNote.id)
        ).all()
        assert [(n.text, n.scanner_id is None) for n in notes] == [
            ("Gọi lại <script>x</script>", False),
            ("Gửi báo giá <b>tuần sau</b>", True),
        ]
    shown = client.get(url, query_string={"lang": "en"})
    assert "Gửi báo giá &lt;b&gt;tuần sau&lt;/b&gt;" in shown.text
    assert "Company portal" in shown.text


def test_another_companys_lead_and_unknown_ids_are_not_found(app, client, booth):
    signed_in(app, client)
    assert client.get(f"{PORTAL}/leads/{booth['theirs']}").status_code == 404
    assert client.get(f"{PORTAL}/leads/999999").status_code == 404
    assert client.get(f"{PORTAL}/leads/99999999999999999999").status_code == 404
    page = client.get(f"{PORTAL}/leads/{booth['shared']}")
    form = form_posting_to(page.text, f"/leads/{booth['shared']}/notes", page_url="/")
    answer = client.post(f"{PORTAL}/leads/{booth['theirs']}/notes", data=form.data(text="x"))
    assert answer.status_code == 404
    with app.app_context():
        from exhibition.exhibitors.models import Exhibitor
        from exhibition.exhibitors.qualification import add_question

        question = add_question(
            exhibitor=db.session.get(Exhibitor, booth["other_exhibitor"]), text_vi="Của họ?"
        )
        db.session.commit()
        question_id = question.id
    assert client.get(f"{PORTAL}/questions/{question_id}/edit").status_code == 404
    assert client.get(f"{PORTAL}/questions/{question_id}/delete").status_code == 404


def test_without_lead_retrieval_the_pages_say_so(app, client, booth):
    from exhibition.exhibitors.models import Exhibitor

    with app.app_context():
        db.session.get(Exhibitor, booth["exhibitor"]).leads_enabled = False
        db.session.commit()
    signed_in(app, client)
    assert f'href="{PORTAL}/leads"' not in client.get(f"{PORTAL}/").text
    for url in ("/leads", f"/leads/{booth['shared']}", "/questions", "/leads/export.csv"):
        page = client.get(PORTAL + url, query_string={"lang": "en"})
        assert page.status_code == 403
        assert "Lead retrieval is not part of your company's package" in page.text


def test_questions_are_added_edited_moved_and_deleted_with_their_answers(app, client, booth):
    signed_in(app, client)
    url = f"{PORTAL}/questions"
    for text, choices in (("Ngân sách <b>?</b>", "Dưới 1 tỷ\nTrên 1 tỷ\n"), ("Khi nào?", "")):
        page = client.get(url)
        form = form_posting_to(page.text, url, page_url=url)
        response = client.post(url, data=form.data(text_vi=text, text_en="", choices=choices))
        assert response.status_code == 302
    page = client.get(url)
    assert "Ngân sách &lt;b&gt;?&lt;/b&gt;" in page.text
    with app.app_context():
        budget, when = db.session.scalars(
            sa.select(LeadQuestion).order_by(LeadQuestion.position)
        ).all()
        assert (budget.choices, when.choices) == (["Dưới 1 tỷ", "Trên 1 tỷ"], [])
        db.session.add(
            LeadAnswer(lead_id=booth["shared"], question_id=budget.id, answer="Trên 1 tỷ")
        )
        db.session.commit()
        budget_id, when_id = budget.id, when.id

    move = form_posting_to(page.text, f"/questions/{when_id}/move", page_url=url)
    (up,) = [b for b in move.buttons if b.value == "up"]
    assert client.post(move.action, data=move.data(button=up)).status_code == 302
    with app.app_context():
        order = db.session.scalars(sa.select(LeadQuestion.id).order_by(LeadQuestion.position))
        assert list(order) == [when_id, budget_id]

    edit_url = f"{url}/{budget_id}/edit"
    edit = form_posting_to(client.get(edit_url).text, edit_url, page_url=edit_url)
    assert edit.control("text_vi").value == "Ngân sách <b>?</b>"
    assert (
        client.post(
            edit_url, data=edit.data(text_vi="Ngân sách dự kiến?", text_en="Budget?")
        ).status_code
        == 302
    )

    delete_url = f"{url}/{budget_id}/delete"
    confirm = client.get(delete_url, query_string={"lang": "en"})
    assert "also deletes its 1 answer" in confirm.text
    form = form_posting_to(confirm.text, delete_url, page_url=delete_url)
    assert client.post(delete_url, data=form.data()).status_code == 302
    with app.app_context():
        assert db.session.get(LeadQuestion, budget_id) is None
        assert db.session.scalars(sa.select(LeadAnswer)).all() == []


def test_at_most_ten_questions_then_the_form_is_gone(app, client, booth):
    signed_in(app, client)
    url = f"{PORTAL}/questions"
    for n in range(10):
        page = client.get(url)
        form = form_posting_to(page.text, url, page_url=url)
        assert client.post(url, data=form.data(text_vi=f"Câu {n}")).status_code == 302
    page = client.get(url, query_string={"lang": "en"})
    assert "You have 10 questions, the most allowed" in page.text
    assert f'action="{url}"' not in page.text
    stale = client.post(url, data=form.data(text_vi="Câu 11"))
    assert stale.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadQuestion)) == 10


def test_withdrawing_consent_takes_the_details_out_of_the_page_and_new_exports_at_once(
    app, client, booth
):
    from exhibition.visitors.changes import change_consents
    from exhibition.visitors.models import Registration

    signed_in(app, client)
    assert "&lt;b&gt;Trần&lt;/b&gt; An" in client.get(f"{PORTAL}/leads").text
    with app.app_context():
        registration = db.session.get(Registration, booth["registration"])
        change_consents(registration=registration, share_exhibitors=False, news=False)
        db.session.commit()
    page = client.get(f"{PORTAL}/leads", query_string={"lang": "en"})
    assert "Trần" not in page.text and booth["email"] not in page.text
    assert page.text.count("Visitor who has not shared their details") == 2  # the visit stays
    assert f'/leads/{booth["shared"]}"' in page.text
    detail = client.get(f"{PORTAL}/leads/{booth['shared']}")
    assert "Trần" not in detail.text and booth["email"] not in detail.text
    csv_text = client.get(f"{PORTAL}/leads/export.csv").get_data(as_text=True)
    assert "Trần" not in csv_text and booth["email"] not in csv_text
    assert len(csv_text.strip().splitlines()) >= 4  # header and three rows (notes may wrap)
    vcf = client.get(f"{PORTAL}/leads/export.vcf").get_data(as_text=True)
    assert "Trần" not in vcf and vcf.count("BEGIN:VCARD") == 1  # only the formula person's
    # The other exhibitor that scanned this person loses the details too.
    with app.app_context():
        assert db.session.get(Lead, booth["theirs"]).name == ""


def test_bad_input_on_a_lead_is_a_form_error_and_changes_nothing(app, client, booth):
    signed_in(app, client)
    url = f"{PORTAL}/leads/{booth['shared']}"
    form = form_posting_to(client.get(url).text, url, page_url=url)
    too_many = ", ".join(f"t{n}" for n in range(21))
    for typed, status, message in (
        ({"tags": too_many}, 422, "At most 20 tags."),
        ({"tags": "x" * 41}, 422, "A tag can be at most 40 characters long."),
        ({"rating": "lukewarm"}, 422, "Not a valid choice."),
        ({"tags": "🔥"}, 422, "Use letters, digits and ordinary punctuation only"),
        ({"version": "abc"}, 409, "Someone else changed this contact"),
    ):
        response = client.post(url, data=form.data(**typed), query_string={"lang": "en"})
        assert (response.status_code, message in response.text) == (status, True), typed
    with app.app_context():
        lead = db.session.get(Lead, booth["shared"])
        assert (lead.rating, lead.tags, lead.version) == (LeadRating.HOT, ["CNC", "Khuôn mẫu"], 1)


def test_a_question_needs_vietnamese_text_and_short_choices(app, client, booth):
    signed_in(app, client)
    url = f"{PORTAL}/questions"
    form = form_posting_to(client.get(url).text, url, page_url=url)
    for typed, message in (
        ({"text_vi": "  ", "text_en": "Budget?"}, "Write the question in Vietnamese."),
        ({"text_vi": "Ngân sách?", "choices": "a\n" + "b" * 501}, "at most 500 characters"),
    ):
        response = client.post(url, data=form.data(**typed), query_string={"lang": "en"})
        assert response.status_code == 422 and message in response.text, typed
    with app.app_context():
        assert db.session.scalars(sa.select(LeadQuestion)).all() == []
