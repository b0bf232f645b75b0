"""What an exhibitor's staff record about a lead: notes (added, never overwritten), a rating,
tags and answers to the exhibitor's qualifying questions (versioned: a stale change is refused)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..extensions import db
from .lead_models import (
    ANSWER_LENGTH,
    MAX_QUESTIONS,
    MAX_TAGS,
    NOTE_LENGTH,
    TAG_LENGTH,
    Lead,
    LeadAnswer,
    LeadNote,
    LeadQuestion,
    LeadRating,
    LeadScanner,
)
from .models import Exhibitor


class LeadConflict(DomainError):
    code = "lead_conflict"
    status = 409
    message = _l(
        "Someone else changed this contact in the meantime. Their change is shown; "
        "make yours again on top of it."
    )


class InvalidQualification(DomainError):
    code = "invalid_qualification"
    status = 422


class TooManyQuestions(DomainError):
    code = "too_many_questions"
    status = 409
    message = _l(
        "An exhibitor can ask at most %(count)s qualifying questions.", count=MAX_QUESTIONS
    )


def _line(text: str) -> str:
    """Text as one line: runs of white space (line breaks too) become one space."""
    return " ".join((text or "").split())


def add_note(*, lead: Lead, text: str, scanner: LeadScanner | None = None) -> LeadNote:
    """A new note on the lead by a scanner (None: the company's portal)."""
    text = (text or "").strip()
    if not text:
        raise InvalidQualification(_l("Write the note first."))
    if len(text) > NOTE_LENGTH:
        raise InvalidQualification(
            _l("A note can be at most %(count)s characters long.", count=NOTE_LENGTH)
        )
    note = LeadNote(lead=lead, text=text, scanner=scanner)
    db.session.add(note)
    db.session.flush()
    return note


@dataclass
class Qualification:
    rating: LeadRating | None
    tags: list[str] = field(default_factory=list)
    answers: dict[int, str] = field(default_factory=dict)  # question id -> answer ("" clears)


def clean_tags(tags: list[str]) -> list[str]:
    """Tags as stored: one line each, trimmed, no empty ones or repeats (case-insensitive)."""
    seen, result = set(), []
    for tag in tags:
        tag = _line(tag)
        if tag and tag.casefold() not in seen:
            if len(tag) > TAG_LENGTH:
                raise InvalidQualification(
                    _l("A tag can be at most %(count)s characters long.", count=TAG_LENGTH)
                )
            seen.add(tag.casefold())
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise InvalidQualification(_l("At most %(count)s tags.", count=MAX_TAGS))
    return result


def qualify(*, lead: Lead, version: int, change: Qualification) -> Lead:
    """Set rating, tags and answers if the lead is still at `version`, and bump it; otherwise
    LeadConflict (a conditional update: of two saves of one version exactly one goes on)."""
    tags = clean_tags(change.tags)
    questions = {q.id: q for q in questions_of(exhibitor=lead.exhibitor)}
    answers = {question_id: _line(answer) for question_id, answer in change.answers.items()}
    for question_id, answer in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise InvalidQualification(_l("This question is not one of this exhibitor's."))
        if len(answer) > ANSWER_LENGTH:
            raise InvalidQualification(
                _l("An answer can be at most %(count)s characters long.", count=ANSWER_LENGTH)
            )
        if answer and question.choices and answer not in question.choices:
            raise InvalidQualification(_l("Choose one of the answers offered."))
    claimed = db.session.execute(
        sa.update(Lead)
        .where(Lead.id == lead.id, Lead.version == version)
        .values(version=Lead.version + 1, rating=change.rating, tags=tags)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(lead)
    if claimed != 1:
        raise LeadConflict()
    current = {answer.question_id: answer for answer in lead.answers}
    for question_id, answer in answers.items():
        if question_id in current and not answer:
            db.session.delete(current[question_id])
        elif question_id in current:
            current[question_id].answer = answer
        elif answer:
            db.session.add(LeadAnswer(lead=lead, question_id=question_id, answer=answer))
    db.session.flush()
    db.session.refresh(lead)
    return lead


def questions_of(*, exhibitor: Exhibitor) -> list[LeadQuestion]:
    return list(
        db.session.scalars(
            sa.select(LeadQuestion)
            .where(LeadQuestion.exhibitor_id == exhibitor.id)
            .order_by(LeadQuestion.position, LeadQuestion.id)
        )
    )


def add_question(
    *, exhibitor: Exhibitor, text_vi: str, text_en: str = "", choices: list[str] | None = None
) -> LeadQuestion:
    """A new qualifying question at the end (at most MAX_QUESTIONS; the exhibitor's row is
    locked so that two additions at once cannot pass the limit together)."""
    db.session.execute(
        sa.select(Exhibitor.id).where(Exhibitor.id == exhibitor.id).with_for_update()
    )
    if not _line(text_vi):
        raise InvalidQualification(_l("Write the question in Vietnamese."))
    existing = questions_of(exhibitor=exhibitor)
    if len(existing) >= MAX_QUESTIONS:
        raise TooManyQuestions()
    question = LeadQuestion(
        exhibitor=exhibitor,
        position=(existing[-1].position + 1) if existing else 1,
        text_vi=_line(text_vi),
        text_en=_line(text_en),
        choices=[c for c in (_line(c) for c in choices or ()) if c],
    )
    db.session.add(question)
    db.session.flush()
    return question


class QuestionNotFound(DomainError):
    code = "not_found"
    status = 404
    message = _l("Not found.")


def question_of(*, exhibitor: Exhibitor, question_id: int) -> LeadQuestion:
    """One of the exhibitor's questions; another's (or none) is not found."""
    question = db.session.get(LeadQuestion, question_id) if question_id < 2**31 else None
    if question is None or question.exhibitor_id != exhibitor.id:
        raise QuestionNotFound()
    return question


def change_question(*, question: LeadQuestion, text_vi: str, text_en: str = "") -> None:
    """New wording of a question (its choices and answers stay)."""
    if not _line(text_vi):
        raise InvalidQualification(_l("Write the question in Vietnamese."))
    question.text_vi, question.text_en = _line(text_vi), _line(text_en)
    db.session.flush()


def move_question(*, question: LeadQuestion, by: int) -> None:
    """Move a question up (by=-1) or down (by=1) the list; at either end nothing moves."""
    questions = questions_of(exhibitor=question.exhibitor)
    index = questions.index(question)
    other = index + by
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for position, each in enumerate(questions, start=1):
        each.position = position
    db.session.flush()


def answer_count(*, question: LeadQuestion) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(LeadAnswer.question_id == question.id)
    )


def delete_question(*, question: LeadQuestion) -> None:
    """Delete a question and every answer to it."""
    db.session.execute(sa.delete(LeadAnswer).where(LeadAnswer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()
