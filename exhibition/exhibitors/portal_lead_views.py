"""The exhibitor portal's leads: the list and each lead (scans, notes, rating, tags, answers), the
qualifying questions, and the downloads. Whoever signed in to the portal is the company's admin;
scanners on their phones never get here."""

from functools import wraps

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..dbtypes import utcnow
from ..errors import DomainError
from ..exports import export_language, export_response
from ..extensions import db
from ..forms import Form
from . import lead_exports, qualification
from .lead_exports import Filters
from .lead_forms import NoteForm, QuestionForm, QuestionTextForm, lead_form
from .lead_models import MAX_QUESTIONS, LeadRating
from .portal_views import signed_in

bp = Blueprint("lead_portal", __name__, url_prefix="/events/<slug>/portal")


def leads_enabled(view):
    """The view runs only for a company with lead retrieval on; others read why not."""

    @wraps(view)
    def wrapper(event, exhibitor, **kwargs):
        if not exhibitor.leads_enabled:
            return render_template(
                "exhibitors/portal_leads_off.html", event=event, exhibitor=exhibitor
            ), 403
        return view(event, exhibitor, **kwargs)

    return wrapper


def _filters() -> Filters:
    rating = request.args.get("rating", "")
    return Filters(
        query=request.args.get("q", "")[:200],
        rating=LeadRating(rating) if rating in {r.value for r in LeadRating} else None,
        tag=request.args.get("tag", "")[:40],
    )


@bp.get("/leads")
@signed_in
@leads_enabled
def leads(event, exhibitor):
    """The company's leads and anonymous visits, searched and filtered."""
    filters = _filters()
    found = lead_exports.find_leads(exhibitor=exhibitor, filters=filters)
    return render_template(
        "exhibitors/portal_leads.html",
        event=event,
        exhibitor=exhibitor,
        leads=found,
        details={lead.id: lead_exports.shared_details(lead) for lead in found},
        filters=filters,
        ratings=list(LeadRating),
        tags=lead_exports.tags_of(exhibitor=exhibitor),
        export_args={
            key: value for key, value in request.args.items() if key in ("q", "rating", "tag")
        },
    )


@bp.get("/leads/export.<any(csv, xlsx, vcf):kind>")
@signed_in
@leads_enabled
def export(event, exhibitor, kind: str):
    """The leads as filtered, with only what each person shares, in the portal's language."""
    language = export_language()
    stamp = utcnow().astimezone(event.tz).strftime("%Y%m%d-%H%M")
    name = f"{event.slug}-leads-{stamp}"
    with force_locale(language):
        if kind == "vcf":
            return Response(
                lead_exports.vcards(exhibitor=exhibitor, filters=_filters()),
                mimetype="text/vcard",
                headers={"Content-Disposition": f'attachment; filename="{name}.vcf"'},
            )
        header, table = lead_exports.table(exhibitor=exhibitor, filters=_filters())
        return export_response(
            header,
            table,
            kind=kind,
            name=name,
            tz=event.tz,
            language=language,
            title=_("Leads"),
        )


def _initial(lead, questions) -> dict:
    answers = {answer.question_id: answer.answer for answer in lead.answers}
    data = {
        "version": str(lead.version),
        "rating": lead.rating.value if lead.rating else "",
        "tags": ", ".join(lead.tags or ()),
    }
    data.update({f"answer_{q.id}": answers.get(q.id, "") for q in questions})
    return data


def _detail(event, exhibitor, lead, form, note_form, *, conflict=False, status=200):
    return render_template(
        "exhibitors/portal_leads_detail.html",
        event=event,
        exhibitor=exhibitor,
        lead=lead,
        details=lead_exports.shared_details(lead),
        answers={answer.question_id: answer.answer for answer in lead.answers},
        form=form,
        note_form=note_form,
        conflict=conflict,
        note_author=lead_exports.note_author,
    ), status


@bp.route("/leads/<int:lead_id>", methods=["GET", "POST"])
@signed_in
@leads_enabled
def lead(event, exhibitor, lead_id: int):
    """One lead: its scans and notes; rating, tags and answers saved with the version shown (a
    stale save keeps what was typed and shows what is saved now)."""
    lead = lead_exports.lead_of(exhibitor=exhibitor, lead_id=lead_id)
    questions = qualification.questions_of(exhibitor=exhibitor)
    form = lead_form(questions, data=_initial(lead, questions))
    if form.validate_on_submit():
        try:
            qualification.qualify(lead=lead, version=form.version_number(), change=form.change())
        except qualification.LeadConflict as error:
            db.session.rollback()
            lead = lead_exports.lead_of(exhibitor=exhibitor, lead_id=lead_id)
            form.version.data = str(lead.version)  # the next save goes on top of the current one
            flash(str(error.message), "error")
            return _detail(event, exhibitor, lead, form, NoteForm(formdata=None), conflict=True,
                           status=409)  # fmt: skip
        except DomainError as error:
            db.session.rollback()
            lead = lead_exports.lead_of(exhibitor=exhibitor, lead_id=lead_id)
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The lead has been saved."), "success")
            return redirect(url_for(".lead", slug=event.slug, lead_id=lead.id))
    status = 422 if form.is_submitted() else 200
    return _detail(event, exhibitor, lead, form, NoteForm(formdata=None), status=status)


@bp.post("/leads/<int:lead_id>/notes")
@signed_in
@leads_enabled
def add_note(event, exhibitor, lead_id: int):
    """Add a note from the portal (notes are added, never overwritten)."""
    lead = lead_exports.lead_of(exhibitor=exhibitor, lead_id=lead_id)
    note_form = NoteForm()
    if note_form.validate_on_submit():
        try:
            qualification.add_note(lead=lead, text=note_form.text.data)
        except DomainError as error:
            db.session.rollback()
            note_form.text.errors = [*note_form.text.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The note has been added."), "success")
            return redirect(url_for(".lead", slug=event.slug, lead_id=lead.id) + "#notes")
    questions = qualification.questions_of(exhibitor=exhibitor)
    form = lead_form(questions, formdata=None, data=_initial(lead, questions))
    return _detail(event, exhibitor, lead, form, note_form, status=422)


# ---------------------------------------------------------------- qualifying questions


def _questions_page(event, exhibitor, form, status=200):
    return render_template(
        "exhibitors/portal_leads_questions.html",
        event=event,
        exhibitor=exhibitor,
        questions=qualification.questions_of(exhibitor=exhibitor),
        form=form,
        action_form=Form(formdata=None),
        max_questions=MAX_QUESTIONS,
    ), status


@bp.route("/questions", methods=["GET", "POST"])
@signed_in
@leads_enabled
def questions(event, exhibitor):
    """The company's qualifying questions (at most ten), and a form to add one."""
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            qualification.add_question(
                exhibitor=exhibitor,
                text_vi=form.text_vi.data,
                text_en=form.text_en.data or "",
                choices=form.choice_list(),
            )
        except DomainError as error:
            db.session.rollback()
            form.text_vi.errors = [*form.text_vi.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The question has been added."), "success")
            return redirect(url_for(".questions", slug=event.slug))
    return _questions_page(event, exhibitor, form, 422 if form.is_submitted() else 200)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@signed_in
@leads_enabled
def edit_question(event, exhibitor, question_id: int):
    """Change a question's wording (its answers stay)."""
    question = qualification.question_of(exhibitor=exhibitor, question_id=question_id)
    form = QuestionTextForm(data={"text_vi": question.text_vi, "text_en": question.text_en})
    if form.validate_on_submit():
        try:
            qualification.change_question(
                question=question, text_vi=form.text_vi.data, text_en=form.text_en.data or ""
            )
        except DomainError as error:
            db.session.rollback()
            form.text_vi.errors = [*form.text_vi.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The question has been saved."), "success")
            return redirect(url_for(".questions", slug=event.slug))
    return render_template(
        "exhibitors/portal_leads_question_edit.html",
        event=event,
        exhibitor=exhibitor,
        question=question,
        form=form,
    ), (422 if form.is_submitted() else 200)


@bp.post("/questions/<int:question_id>/move")
@signed_in
@leads_enabled
def move_question(event, exhibitor, question_id: int):
    """Move a question up or down the list."""
    question = qualification.question_of(exhibitor=exhibitor, question_id=question_id)
    direction = request.form.get("direction")
    if Form().validate_on_submit() and direction in ("up", "down"):
        qualification.move_question(question=question, by=-1 if direction == "up" else 1)
        db.session.commit()
    return redirect(url_for(".questions", slug=event.slug))


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@signed_in
@leads_enabled
def delete_question(event, exhibitor, question_id: int):
    """Delete a question and its answers, after a page that says how many answers go with it."""
    question = qualification.question_of(exhibitor=exhibitor, question_id=question_id)
    form = Form()
    if form.validate_on_submit():
        qualification.delete_question(question=question)
        db.session.commit()
        flash(_("The question and its answers have been deleted."), "success")
        return redirect(url_for(".questions", slug=event.slug))
    return render_template(
        "exhibitors/portal_leads_question_delete.html",
        event=event,
        exhibitor=exhibitor,
        question=question,
        answers=qualification.answer_count(question=question),
        form=form,
    )
