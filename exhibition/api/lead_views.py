"""The booth scanners' JSON API: a phone set up by its one-time link scans visitors' lead codes,
uploads scans made offline, and records notes, rating, tags and answers about a lead. It
authenticates with its own bearer token (a booth scanner's, never a door device's)."""

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from pydantic import ValidationError

from ..errors import DomainError, json_error
from ..exhibitors import leads, qualification, scanners
from ..exhibitors.lead_models import LeadRating
from ..exhibitors.scanning import (
    LeadScanOutcome,
    lead_of_scanner,
    record_lead_scan,
    stored_scans,
)
from ..extensions import csrf, db, limiter
from .errors import InvalidJson, ValidationFailed
from .schemas import answers
from .schemas import leads as bodies
from .schemas.requests import SetupRequest
from .views import _answer, _bearer_token, _json_payload

bp = Blueprint("api_leads", __name__, url_prefix="/api/v1/booth")
csrf.exempt(bp)  # scanners send a bearer token, never a cookie


def _scanner():
    """The booth scanner of this request's bearer token, looked up once per request (the rate
    limit's key reads it before the view); InvalidToken or ScannerRevoked when there is none."""
    if "api_scanner" not in g:
        try:
            g.api_scanner = scanners.authenticate_scanner(token=_bearer_token())
        except DomainError as error:
            g.api_scanner = error
    if isinstance(g.api_scanner, DomainError):
        raise g.api_scanner
    return g.api_scanner


def _scanner_or_address() -> str:
    """A scanner's limit counts against the scanner; anything else (no token, an invented or a
    revoked one) against the client's address."""
    try:
        return f"scanner:{_scanner().id}"
    except DomainError:
        return get_remote_address()


def _refused(fields: dict[str, str]):
    """`422 validation_failed` with the message of each refused field."""
    db.session.rollback()
    failed = ValidationFailed()
    return json_error(failed.code, failed.message, failed.status, fields=fields)


def _message(outcome: LeadScanOutcome) -> str:
    if outcome.result == "lead":
        return _("Contact saved.")
    return _("This visitor has not agreed to share their details.")


def _scan_ref(scan) -> dict:
    return {
        "id": scan.id,
        "nonce": scan.nonce,
        "scanned_at": scan.scanned_at,
        "offline": scan.offline,
    }


def _scan_answer(outcome: LeadScanOutcome) -> dict:
    return {
        "result": outcome.result,
        "message": _message(outcome),
        "lead": leads.lead_view(outcome.lead),
        "scan": _scan_ref(outcome.scan),
        "replayed": outcome.replayed,
    }


def _questions(scanner) -> list[dict]:
    return [
        {"id": q.id, "text": q.tr("text"), "choices": list(q.choices or [])}
        for q in qualification.questions_of(exhibitor=scanner.exhibitor)
    ]


@bp.get("")
@limiter.limit("60 per minute", key_func=_scanner_or_address)
def scanner_info():
    """Who this scanner is: the booth page calls it when set up."""
    scanner = _scanner()
    exhibitor = scanner.exhibitor
    event = exhibitor.event
    info = {
        "scanner": {"id": scanner.id, "name": scanner.name},
        "exhibitor": {
            "id": exhibitor.id,
            "name": exhibitor.tr("company_name"),
            "booths": ", ".join(b.code for b in exhibitor.booths),
        },
        "event": {
            "slug": event.slug,
            "name": event.tr("name"),
            "first_day": event.first_day,
            "last_day": event.last_day,
            "timezone": event.timezone,
        },
        "leads_enabled": exhibitor.leads_enabled,
        "questions": _questions(scanner),
    }
    return _answer(bodies.ScannerInfo, info)


@bp.post("/setup")
@limiter.limit("10 per minute")
def setup():
    """Exchange a one-time set-up code (from the e-mailed link) for the scanner's token."""
    try:
        code = SetupRequest.model_validate(_json_payload()).code
    except ValidationError:
        code = ""  # answered as a spent or wrong code
    scanner, token = scanners.redeem_scanner_setup(code=code)
    answer = {"token": token, "scanner": {"id": scanner.id, "name": scanner.name}}
    return _answer(bodies.ScannerSetupAnswer, answer, no_store=True)


@bp.post("/scan")
@limiter.limit("600 per minute", key_func=_scanner_or_address)
def scan():
    """A visitor's lead code scanned at the booth: their shared details, or an anonymous visit;
    the same nonce again returns the stored answer and adds nothing."""
    scanner = _scanner()
    payload = _json_payload()
    if payload is None:
        raise InvalidJson(_l("Send a JSON object with code and nonce."))
    request_body, refused = bodies.LeadScanRequest.read(payload)
    if refused:
        return _refused(refused)
    try:
        outcome = record_lead_scan(
            scanner=scanner,
            text=request_body.code,
            nonce=request_body.nonce,
            scanned_at=request_body.scanned_at,
        )
    except DomainError as error:
        db.session.commit()  # an invalid code is counted on the scanner
        return json_error(error.code, error.message, error.status)
    return _answer(bodies.LeadScanAnswer, _scan_answer(outcome), no_store=True)


def _batch_item(scanner, index: int, item, stored: dict) -> dict:
    scan_body, refused = bodies.LeadBatchScan.read(item)
    if refused:
        return {"index": index, "error": {"code": "validation_failed", "fields": refused}}
    try:
        outcome = record_lead_scan(
            scanner=scanner,
            text=scan_body.code,
            nonce=scan_body.nonce,
            scanned_at=scan_body.scanned_at,
            stored=stored,
        )
    except DomainError as error:
        return {"index": index, "error": {"code": error.code, "message": str(error.message)}}
    return {
        "index": index,
        "result": outcome.result,
        "lead_id": outcome.lead.id,
        "scan": _scan_ref(outcome.scan),
        "replayed": outcome.replayed,
    }


@bp.post("/scans/batch")
@limiter.limit("60 per minute", key_func=_scanner_or_address)
def scan_batch():
    """Scans made offline, each with its own time: each is answered on its own (a refused one
    leaves the others); nonces already stored return their answer, so a replay adds nothing."""
    scanner = _scanner()
    try:
        batch = bodies.LeadBatchRequest.model_validate(_json_payload())
    except ValidationError as error:
        message = _l(
            "Send a JSON object with a list “scans” of 1 to %(max)s scans.",
            max=bodies.MAX_LEAD_BATCH,
        )
        raise InvalidJson(message) from error
    nonces = [
        item["nonce"].strip()
        for item in batch.scans
        if isinstance(item, dict) and isinstance(item.get("nonce"), str)
    ][: bodies.MAX_LEAD_BATCH]
    stored = stored_scans(scanner=scanner, nonces=nonces)
    results = [_batch_item(scanner, index, item, stored) for index, item in enumerate(batch.scans)]
    return _answer(bodies.LeadBatchAnswer, {"results": results}, no_store=True)


@bp.get("/leads/<int:lead_id>")
@limiter.limit("120 per minute", key_func=_scanner_or_address)
def lead(lead_id: int):
    """One of the company's leads as the scanner sees it."""
    found = lead_of_scanner(scanner=_scanner(), lead_id=lead_id)
    return _answer(bodies.LeadAnswer, {"lead": leads.lead_view(found)}, no_store=True)


@bp.post("/leads/<int:lead_id>/notes")
@limiter.limit("120 per minute", key_func=_scanner_or_address)
def add_note(lead_id: int):
    """A note by this scanner on a lead: added, never overwriting another."""
    scanner = _scanner()
    found = lead_of_scanner(scanner=scanner, lead_id=lead_id)
    try:
        body = bodies.NoteBody.model_validate(_json_payload())
    except ValidationError:
        return _refused({"text": str(bodies.NoteBody.REFUSALS["text"])})
    qualification.add_note(lead=found, text=body.text, scanner=scanner)
    db.session.refresh(found)
    return _answer(bodies.LeadAnswer, {"lead": leads.lead_view(found)}, no_store=True)


@bp.post("/leads/<int:lead_id>/qualification")
@limiter.limit("120 per minute", key_func=_scanner_or_address)
def qualify(lead_id: int):
    """Rating, tags and answers over the version read: a stale version is `409 lead_conflict`
    with the lead as it is now (make the change again on top of it)."""
    scanner = _scanner()
    found = lead_of_scanner(scanner=scanner, lead_id=lead_id)
    try:
        body = bodies.QualificationBody.model_validate(_json_payload())
    except ValidationError as error:
        refusals = bodies.QualificationBody.REFUSALS
        named = {str(p["loc"][0]) for p in error.errors() if p["loc"]} & set(refusals)
        return _refused({name: str(refusals[name]) for name in named or {"version"}})
    sent = body.model_fields_set  # what the body leaves out keeps its value
    change = qualification.Qualification(
        rating=(LeadRating(body.rating) if body.rating else None)
        if "rating" in sent
        else found.rating,
        tags=body.tags if "tags" in sent else list(found.tags),
        answers={int(key): value for key, value in body.answers.items()},
    )
    try:
        qualification.qualify(lead=found, version=body.version, change=change)
    except qualification.LeadConflict as conflict:
        db.session.rollback()
        current = leads.lead_view(lead_of_scanner(scanner=scanner, lead_id=lead_id))
        error = {"code": conflict.code, "message": str(conflict.message)}
        body = answers.dump(bodies.LeadConflictAnswer, {"error": error, "lead": current})
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response, 409
    return _answer(bodies.LeadAnswer, {"lead": leads.lead_view(found)}, no_store=True)


@bp.get("/questions")
@limiter.limit("60 per minute", key_func=_scanner_or_address)
def questions():
    """The company's qualifying questions, in the request's language."""
    return _answer(bodies.QuestionsAnswer, {"questions": _questions(_scanner())})
