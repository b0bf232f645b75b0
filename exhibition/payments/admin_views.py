"""The organisers' payments pages: the overview, the receiving account, payment requests and
their lines, and the transactions received (deciding the unmatched ones, the refund list)."""

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import allow, staff_blueprint
from ..accounts.audit import describes
from ..accounts.models import Role
from ..errors import refused
from ..events.services import get_event
from ..exhibitors.services import get_exhibitor
from ..extensions import db, paginate
from ..i18n import money
from ..labels import label
from ..urls import public_url
from . import matching, reports, services
from .forms import AssignForm, EmptyForm, LineForm, ReasonForm, SettingsForm
from .models import UNPAID, Outcome, PaymentLine, RequestState
from .money import in_words
from .references import read_reference
from .transfer import transfer_of

bp = staff_blueprint("payments_admin", __name__, url_prefix="/admin/events/<slug>/payments")

MONEY = (Role.ORGANISER, Role.FINANCE)


@describes("payments.received")
def _describe_received(d: dict) -> str:
    return f"{d['reference']} · {money(d['amount'])} · {label(Outcome(d['outcome']))}"


@describes("payments.request_created", "payments.rereserved")
def _describe_request(d: dict) -> str:
    return f"{d['reference']} · {money(d.get('total', d.get('amount')))}"


@describes(
    "payments.line_added", "payments.line_changed", "payments.line_removed", "payments.adjusted"
)
def _describe_line(d: dict) -> str:
    return f"{d['reference']} · {d['line']} · {money(d['total'])}"


@describes("payments.request_cancelled")
def _describe_cancelled(d: dict) -> str:
    return f"{d['reference']} · {label(RequestState(d['state']))}"


@describes("payments.discarded", "payments.refunded")
def _describe_amount(d: dict) -> str:
    return money(d["amount"])


@bp.get("/")
@allow(*MONEY)
def overview(slug: str):
    """The figures: owed, collected, to refund, waiting for a person; owed by age; per day."""
    g.event = event = get_event(slug=slug)
    collected = reports.collected_per_day(event)
    return render_template(
        "payments/overview.html",
        event=event,
        settings=services.settings_of(event),
        figures=reports.figures(event),
        ages=reports.receivables_by_age(event),
        collected=collected,
        most=max((day["amount"] for day in collected), default=0),
        states=list(RequestState),
    )


@bp.route("/settings", methods=["GET", "POST"])
@allow(*MONEY)
def settings(slug: str):
    """The receiving account (bank, number, holder), the reference prefix and the rules."""
    g.event = event = get_event(slug=slug)
    stored = services.settings_of(event)
    form = _settings_form(event, stored)
    if form.validate_on_submit():
        with refused(form.reference_prefix) as refusal:
            services.save_settings(event=event, user=current_user, **form.values())
        if not refusal:
            db.session.commit()
            flash(_("The payment settings have been saved."), "success")
            return redirect(url_for("payments_admin.settings", slug=slug))
    return _settings_page(event, form, stored), (422 if form.is_submitted() else 200)


def _settings_form(event, stored, *, from_request: bool = True) -> SettingsForm:
    """The settings form: what was sent, else what is stored (or suggested before anything is)."""
    form = SettingsForm(obj=stored) if from_request else SettingsForm(obj=stored, formdata=None)
    form.setup_choices()
    if not (from_request and form.is_submitted()):
        form.default_vat_rate.data = str(stored.default_vat_rate if stored else 8)
        if stored is None:
            form.due_days.data = 14
            form.reference_prefix.data = _suggested_prefix(event)
    return form


def _settings_page(event, form, stored, new_key: str | None = None) -> str:
    return render_template(
        "payments/settings.html",
        event=event,
        form=form,
        stored=stored,
        key_form=EmptyForm(),
        webhook_url=public_url("api.payments_webhook", slug=event.slug),
        new_key=new_key,
    )


def _suggested_prefix(event) -> str:
    letters = "".join(ch for ch in event.slug.upper() if ch.isalnum())[:4] or "EX"
    return letters if letters[0].isalpha() and len(letters) >= 2 else "EX" + letters[:4]


@bp.post("/settings/webhook-key")
@allow(*MONEY)
def webhook_key(slug: str):
    """A new key for the bank-notification webhook, shown this once."""
    g.event = event = get_event(slug=slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    key = None
    with refused() as refusal:
        key = services.new_webhook_key(event=event, user=current_user)
    if refusal:
        return redirect(url_for("payments_admin.settings", slug=slug))
    db.session.commit()
    stored = services.settings_of(event)
    return _settings_page(
        event, _settings_form(event, stored, from_request=False), stored, new_key=key
    )


@bp.get("/requests")
@allow(*MONEY)
def requests(slug: str):
    g.event = event = get_event(slug=slug)
    state = request.args.get("state", "")
    state = state if state in reports.FILTERS else ""
    query = request.args.get("q", "")[:200]
    stmt = reports.requests_query(event=event, state=state, query=query)
    return render_template(
        "payments/requests.html",
        event=event,
        page=paginate(stmt, per_page=50),
        state=state,
        query=query,
        filters=[
            (f, _("Overdue") if f == "overdue" else label(RequestState(f))) for f in reports.FILTERS
        ],
        today=reports.today(event),
    )


@bp.post("/requests/new")
@allow(*MONEY)
def create(slug: str):
    """The explicit "create payment request" action of an exhibitor's page."""
    g.event = event = get_event(slug=slug)
    exhibitor = get_exhibitor(
        event=event, exhibitor_id=request.form.get("exhibitor_id", 0, type=int)
    )
    if not EmptyForm().validate_on_submit():
        abort(400)
    made = None
    with refused() as refusal:
        made = services.create_request(exhibitor=exhibitor, user=current_user)
    if refusal:
        return redirect(url_for("exhibitors_admin.detail", slug=slug, exhibitor_id=exhibitor.id))
    db.session.commit()
    flash(_("The payment request has been created and e-mailed to the company."), "success")
    return redirect(url_for("payments_admin.detail", slug=slug, request_id=made.id))


def _page(
    event, payment, *, line_form=None, cancel_form=None, edit_line=None, edit_form=None, status=200
):
    settings = services.settings_of(event)
    transfer = transfer_of(payment, settings) if settings else None
    add_form = line_form or LineForm(formdata=None)
    if line_form is None:
        add_form.vat_rate.data = str(settings.default_vat_rate if settings else 8)
    return render_template(
        "payments/request.html",
        event=event,
        payment=payment,
        transfer=transfer,
        words=in_words(payment.total_vnd),
        outstanding_words=in_words(payment.outstanding_vnd) if payment.outstanding_vnd else "",
        line_form=add_form,
        cancel_form=cancel_form or ReasonForm(formdata=None),
        button_form=EmptyForm(),
        edit_line=edit_line,
        edit_form=edit_form,
        overdue=reports.overdue_since(payment, event),
        unpaid=payment.state in UNPAID,
    ), status


@bp.get("/requests/<int:request_id>")
@allow(*MONEY)
def detail(slug: str, request_id: int):
    g.event = event = get_event(slug=slug)
    payment = services.get_request(event=event, request_id=request_id)
    edit_line = request.args.get("edit", type=int)
    line = _line_of(payment, edit_line) if edit_line else None
    edit_form = None
    if line is not None and payment.editable:
        edit_form = LineForm(obj=line, formdata=None)
        edit_form.vat_rate.data = str(line.vat_rate)
    return _page(event, payment, edit_line=line if edit_form else None, edit_form=edit_form)


def _line_of(payment, line_id: int) -> PaymentLine | None:
    return next((line for line in payment.lines if line.id == line_id), None)


@bp.post("/requests/<int:request_id>/lines")
@allow(*MONEY)
def add_line(slug: str, request_id: int):
    """A service or a discount; once money is received, an adjusting line."""
    g.event = event = get_event(slug=slug)
    payment = services.get_request(event=event, request_id=request_id)
    form = LineForm()
    if form.validate_on_submit():
        with refused(form.unit_price_vnd) as refusal:
            services.add_line(request=payment, user=current_user, **form.values())
        if not refusal:
            db.session.commit()
            flash(_("The line has been added."), "success")
            return redirect(url_for("payments_admin.detail", slug=slug, request_id=request_id))
        payment = services.get_request(event=event, request_id=request_id)
    return _page(event, payment, line_form=form, status=422)


@bp.post("/requests/<int:request_id>/lines/<int:line_id>")
@allow(*MONEY)
def edit_line(slug: str, request_id: int, line_id: int):
    g.event = event = get_event(slug=slug)
    payment = services.get_request(event=event, request_id=request_id)
    line = _line_of(payment, line_id)
    if line is None:
        abort(404)
    form = LineForm()
    if form.validate_on_submit():
        with refused(form.unit_price_vnd) as refusal:
            services.update_line(request=payment, line=line, user=current_user, **form.values())
        if not refusal:
            db.session.commit()
            flash(_("The line has been changed."), "success")
            return redirect(url_for("payments_admin.detail", slug=slug, request_id=request_id))
        payment = services.get_request(event=event, request_id=request_id)
        line = _line_of(payment, line_id)
    return _page(event, payment, edit_line=line, edit_form=form, status=422)


@bp.post("/requests/<int:request_id>/lines/<int:line_id>/remove")
@allow(*MONEY)
def remove_line(slug: str, request_id: int, line_id: int):
    g.event = event = get_event(slug=slug)
    payment = services.get_request(event=event, request_id=request_id)
    line = _line_of(payment, line_id)
    if line is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with refused() as refusal:
        services.remove_line(request=payment, line=line, user=current_user)
    if not refusal:
        db.session.commit()
        flash(_("The line has been removed."), "success")
    return redirect(url_for("payments_admin.detail", slug=slug, request_id=request_id))


@bp.post("/requests/<int:request_id>/cancel")
@allow(*MONEY)
def cancel(slug: str, request_id: int):
    g.event = event = get_event(slug=slug)
    payment = services.get_request(event=event, request_id=request_id)
    form = ReasonForm()
    if form.validate_on_submit():
        with refused(form.reason) as refusal:
            services.cancel_request(request=payment, reason=form.reason.data, user=current_user)
        if not refusal:
            db.session.commit()
            flash(_("The payment request has been cancelled."), "success")
            return redirect(url_for("payments_admin.detail", slug=slug, request_id=request_id))
        payment = services.get_request(event=event, request_id=request_id)
    return _page(event, payment, cancel_form=form, status=422)


@bp.get("/requests/<int:request_id>/vietqr.<any(svg, png):image>")
@allow(*MONEY)
def qr(slug: str, request_id: int, image: str):
    """The VietQR of what is still owed, as an image to save or print."""
    event = get_event(slug=slug)
    payment = services.get_request(event=event, request_id=request_id)
    transfer = transfer_of(payment, services.required_settings(event))
    if image == "svg":
        return Response(transfer.svg(), mimetype="image/svg+xml")
    return Response(
        transfer.png(),
        mimetype="image/png",
        headers={"Content-Disposition": f'inline; filename="vietqr-{payment.reference}.png"'},
    )


@bp.get("/transactions")
@allow(*MONEY)
def transactions(slug: str):
    """Money received, with what it did; the unmatched ones to decide, the refund list."""
    g.event = event = get_event(slug=slug)
    kind = request.args.get("show", "")
    kind = kind if kind in reports.TRANSACTION_FILTERS else ""
    page = paginate(reports.transactions_query(event=event, kind=kind), per_page=50)
    return render_template(
        "payments/transactions.html",
        event=event,
        page=page,
        kind=kind,
        kinds=list(reports.TRANSACTION_FILTERS),
        button_form=EmptyForm(),
    )


@bp.route("/transactions/<int:transaction_id>", methods=["GET", "POST"])
@allow(*MONEY)
def transaction(slug: str, transaction_id: int):
    """One transaction; when unmatched, apply it to a request or discard it with a reason."""
    g.event = event = get_event(slug=slug)
    item = matching.get_transaction(event=event, transaction_id=transaction_id)
    assign_form = AssignForm(prefix="assign")
    discard_form = ReasonForm(prefix="discard")
    candidates = (
        [services.get_request(event=event, request_id=i) for i in item.candidate_ids]
        if item.outcome is Outcome.UNMATCHED
        else []
    )
    open_requests = reports.open_requests(event)
    assign_form.request_id.choices = [("", _("Choose a request"))] + [
        (
            str(r.id),
            f"{r.reference} · {r.exhibitor.company_name_vi} · {r.outstanding_vnd:,} ₫".replace(
                ",", "."
            ),
        )
        for r in dict.fromkeys([*candidates, *open_requests])
    ]
    status = 200
    if request.method == "POST" and item.outcome is not Outcome.UNMATCHED:
        flash(str(matching.AlreadyDecided.message), "error")  # another person was quicker
        status = 409
    elif request.method == "POST":
        if request.form.get("action") == "assign":
            status = _assign(event, item, assign_form)
        else:
            status = _discard(event, item, discard_form)
        if status == 302:
            return redirect(
                url_for("payments_admin.transaction", slug=slug, transaction_id=transaction_id)
            )
        item = matching.get_transaction(event=event, transaction_id=transaction_id)
    return render_template(
        "payments/transaction.html",
        event=event,
        item=item,
        candidates=candidates,
        assign_form=assign_form,
        discard_form=discard_form,
        button_form=EmptyForm(),
        prefix=getattr(services.settings_of(event), "reference_prefix", ""),
    ), status


def _assign(event, item, form) -> int:
    if not form.validate_on_submit():
        return 422
    target = None
    if form.reference.data:
        settings = services.required_settings(event)
        reference = read_reference(form.reference.data, settings.reference_prefix)
        target = services.find_request(event=event, reference=reference) if reference else None
        if target is None:
            form.reference.errors = [
                _("No payment request has this reference (check its characters).")
            ]
            return 422
    elif form.request_id.data:
        target = services.get_request(event=event, request_id=int(form.request_id.data))
    else:
        form.request_id.errors = [_("Choose the request this money is for, or type its reference.")]
        return 422
    with refused(form.request_id) as refusal:
        matching.assign(
            transaction=item, request=target, note=form.note.data or "", user=current_user
        )
    if refusal:
        return 409 if refusal.error.status == 409 else 422
    db.session.commit()
    flash(
        _("The transaction has been applied to %(reference)s.", reference=target.reference),
        "success",
    )
    return 302


def _discard(event, item, form) -> int:
    if not form.validate_on_submit():
        return 422
    with refused(form.reason) as refusal:
        matching.discard(transaction=item, reason=form.reason.data, user=current_user)
    if refusal:
        return 409 if refusal.error.status == 409 else 422
    db.session.commit()
    flash(_("The transaction has been discarded."), "success")
    return 302


@bp.post("/transactions/<int:transaction_id>/refunded")
@allow(*MONEY)
def refunded(slug: str, transaction_id: int):
    """The money to give back has been sent back."""
    g.event = event = get_event(slug=slug)
    item = matching.get_transaction(event=event, transaction_id=transaction_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with refused() as refusal:
        matching.mark_refunded(transaction=item, user=current_user)
    if not refusal:
        db.session.commit()
        flash(_("Marked as refunded."), "success")
    return redirect(url_for("payments_admin.transactions", slug=slug, show="refunds"))
