"""Organiser pages: sign-in, events, registrations, devices, outgoing mail."""

import hmac
from email.headerregistry import Address
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..checkin.models import Scan
from ..dbtypes import utcnow
from ..errors import DomainError
from ..events import services as events
from ..exhibitors.logos import (
    BANNER,
    EVENT_LOGO,
    InvalidLogo,
    delete_image,
    image_from_form,
    save_image,
)
from ..exports import export_language, export_response
from ..extensions import db, limiter, login_manager
from ..forms import Form
from ..mail import services as mail
from ..mail.models import MessageStatus, OutboxMessage
from ..pagination import paginate
from ..security import allow_large_uploads
from ..visitors import services as visitors
from ..visitors.forms import CategoryChangeForm
from ..visitors.models import Registration, RegistrationStatus, VisitorCategory
from .access import allow, authorise, event_ids_with, public, signed_in, visible_event_slugs
from .audit import both, record
from .forms import CategoryDetailsForm, CategoryForm, EventForm, LoginForm
from .models import Role, User
from .overview import event_overview, history_chart
from .services import EXPORT_COLUMNS, LoginFailed, authenticate, registration_rows, sign_out

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@login_manager.user_loader
def load_user(user_id: str):
    """Flask-Login's loader: the organiser behind a session or remember-me cookie, whose
    identity ("number:session token", see User.get_id) must hold the account's current token."""
    number, _sep, token = user_id.partition(":")
    if not (number.isascii() and number.isdigit() and len(number) < 10 and token):
        return None
    user = db.session.get(User, int(number))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    # An account switched off ends its open sessions at once, not at their next sign-in.
    return user if user.active else None


bp.before_request(authorise)


def _safe_next(target: str | None) -> str:
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
# Only wrong attempts count: the staff of a venue signing in behind one address at the start
# of a shift are not refused.
@limiter.limit(
    "10 per minute", methods=["POST"], deduct_when=lambda response: response.status_code == 401
)
@public
def login():
    """Organiser sign-in."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(email=form.email.data, password=form.password.data)
        except LoginFailed as error:
            form.password.errors.append(str(error.message))
        else:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("admin/login.html", form=form), (401 if form.is_submitted() else 200)


@bp.post("/logout")
@signed_in
def logout():
    """Sign out: this cookie and every copy of it (or of the account's other cookies) stop
    working, not only the one this browser held."""
    sign_out(user=current_user._get_current_object())
    db.session.commit()
    logout_user()
    return redirect(url_for("events.index"))


@bp.get("/")
@signed_in
def dashboard():
    """The exhibitions this person works on, with their figures, and the mail queue."""
    counts = dict(
        db.session.execute(
            sa.select(Registration.event_id, sa.func.count())
            .where(Registration.status == RegistrationStatus.CONFIRMED)
            .group_by(Registration.event_id)
        ).all()
    )
    checked_in = dict(
        db.session.execute(
            sa.select(Registration.event_id, sa.func.count())
            .where(
                Registration.checked_in_at.is_not(None),
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .group_by(Registration.event_id)
        ).all()
    )
    slugs = visible_event_slugs(current_user)
    shown = [e for e in events.list_events() if slugs is None or e.slug in slugs]
    organised = event_ids_with(current_user, Role.ORGANISER)
    return render_template(
        "admin/dashboard.html",
        events=shown,
        counts=counts,
        checked_in=checked_in,
        mail_counts=mail.status_counts(event_ids=organised)
        if organised is None or organised
        else None,
    )


# The event form may carry a banner and a logo, more than the site-wide upload limit.
allow_large_uploads(bp, {"admin.event_new", "admin.event_edit"}, 5 * 1024 * 1024)
EVENT_IMAGES = (("banner", BANNER), ("logo", EVENT_LOGO))


def _event_images(form: EventForm) -> dict[str, bytes | None] | None:
    """The banner and logo sent with the event form, checked and re-encoded; None (and an error
    next to the field) when one is not a fit image."""
    images: dict[str, bytes | None] = {}
    for name, kind in EVENT_IMAGES:
        try:
            images[name] = image_from_form(form[name], kind)
        except InvalidLogo as error:
            form[name].errors.append(str(error.message))
    return None if any(form[name].errors for name, _kind in EVENT_IMAGES) else images


def _store_event_images(event, form: EventForm, images: dict[str, bytes | None]) -> list[str]:
    """Store new images (or forget removed ones); returns the files no longer used."""
    unused = []
    for name, kind in EVENT_IMAGES:
        column = f"{name}_filename"
        if images[name] is not None or form[f"remove_{name}"].data:
            unused.append(getattr(event, column))
            setattr(event, column, save_image(images[name], kind) if images[name] else None)
    return [name for name in unused if name]


def _delete_event_images(names: list[str]) -> None:
    for name in names:
        delete_image(name, BANNER if name.endswith(".jpg") else EVENT_LOGO)


@bp.route("/events/new", methods=["GET", "POST"])
@allow()
def event_new():
    """Create an exhibition."""
    form = EventForm()
    if form.validate_on_submit() and (images := _event_images(form)) is not None:
        try:
            event = events.create_event(data=form.event_data())
        except DomainError as error:
            db.session.rollback()
            form.slug.errors.append(str(error.message))
        else:
            _store_event_images(event, form, images)
            record(actor=current_user, action="event.created", event=event, summary=event.slug)
            db.session.commit()
            flash(_("The exhibition has been created."), "success")
            return redirect(url_for("admin.registrations", slug=event.slug))
    return render_template("admin/event_form.html", form=form, event=None), (
        422 if form.is_submitted() else 200
    )


def _event(slug: str):
    g.event = event = events.get_event(slug=slug)
    return event


@bp.get("/events/<slug>/dashboard")
@allow(Role.ORGANISER)
def event_dashboard(slug: str):
    """An exhibition's figures at a glance: registrations, exhibitors, booths, sessions, mail."""
    event = _event(slug)
    overview = event_overview(event=event)
    return render_template(
        "admin/overview.html",
        event=event,
        overview=overview,
        chart=history_chart(overview["registrations"]["history"]),
    )


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def event_edit(slug: str):
    """Change an exhibition's settings."""
    event = _event(slug)
    form = EventForm()
    if request.method == "GET":
        form.fill_from(event)
    if form.validate_on_submit() and (images := _event_images(form)) is not None:
        try:
            events.update_event(event=event, data=form.event_data())
        except DomainError as error:
            db.session.rollback()
            form.slug.errors.append(str(error.message))
        else:
            unused = _store_event_images(event, form, images)
            record(actor=current_user, action="event.updated", event=event, summary=event.slug)
            db.session.commit()
            _delete_event_images(unused)
            flash(_("Saved."), "success")
            return redirect(url_for("admin.event_edit", slug=event.slug))
    return render_template("admin/event_form.html", form=form, event=event), (
        422 if form.is_submitted() else 200
    )


def _filters():
    query = request.args.get("q", "")[:200]
    category = request.args.get("category", "")
    category_id = (
        int(category) if category.isascii() and category.isdigit() and len(category) < 10 else None
    )
    status = request.args.get("status", "")
    return query, category_id, status


@bp.get("/events/<slug>/registrations")
@allow(Role.ORGANISER)
def registrations(slug: str):
    """Registrations with search (diacritics ignored) and filters."""
    event = _event(slug)
    query, category_id, status = _filters()
    stmt = visitors.registrations_query(
        event=event, query=query, category_id=category_id, status=status
    )
    return render_template(
        "admin/registrations.html",
        event=event,
        page=paginate(stmt, page=request.args.get("page", type=int), size=PAGE_SIZE),
        query=query,
        category_id=category_id,
        status=status,
        categories=visitors.all_categories(event=event),
    )


@bp.get("/events/<slug>/registrations.<any(csv, xlsx):kind>")
@allow(Role.ORGANISER)
def registrations_export(slug: str, kind: str):
    """The filtered registrations as Excel or CSV, in the language chosen (see exports.py)."""
    event = _event(slug)
    query, category_id, status = _filters()
    stmt = visitors.registrations_query(
        event=event, query=query, category_id=category_id, status=status
    )
    language = export_language()
    with force_locale(language):
        rows = registration_rows(stmt=stmt)
        # The search words are not recorded: they may be a person's name.
        record(
            actor=current_user,
            action="registrations.exported",
            event=event,
            details={"format": kind, "rows": len(rows), "language": language},
        )
        db.session.commit()
        stamp = utcnow().astimezone(event.tz).strftime("%Y%m%d-%H%M")
        return export_response(
            EXPORT_COLUMNS,
            rows,
            kind=kind,
            name=f"{event.slug}-registrations-{stamp}",
            tz=event.tz,
            language=language,
            title=_("Registrations"),
        )


def _registration(slug: str, registration_id: int) -> Registration:
    event = _event(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _log_registration(action: str, registration: Registration) -> None:
    """An entry naming the registration by number and category only (no personal data)."""
    record(
        actor=current_user,
        action=action,
        event=registration.event,
        target=registration,
        summary=registration.category.code,
        details={"category": both(registration.category.name_vi, registration.category.name_en)},
    )


@bp.get("/events/<slug>/registrations/<int:registration_id>")
@allow(Role.ORGANISER)
def registration_detail(slug: str, registration_id: int):
    """One registration with its consents, scans and e-mails."""
    registration = _registration(slug, registration_id)
    scans = db.session.scalars(
        sa.select(Scan).where(Scan.registration_id == registration.id).order_by(Scan.id)
    ).all()
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .order_by(OutboxMessage.id)
    ).all()
    category_form = None
    if not (registration.is_cancelled or registration.is_erased):
        category_form = CategoryChangeForm(formdata=None, category=registration.category_id)
        category_form.setup_choices(categories=visitors.all_categories(event=registration.event))
    return render_template(
        "admin/registration.html",
        event=registration.event,
        registration=registration,
        scans=scans,
        messages=messages,
        form=Form(),
        category_form=category_form,
    )


@bp.post("/events/<slug>/registrations/<int:registration_id>/resend")
@allow(Role.ORGANISER)
def registration_resend(slug: str, registration_id: int):
    """Send the confirmation e-mail again."""
    registration = _registration(slug, registration_id)
    if not Form().validate_on_submit():
        abort(400)
    try:
        visitors.resend_confirmation(registration=registration)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _log_registration("registration.resent", registration)
        db.session.commit()
        flash(_("The confirmation e-mail will be sent again."), "success")
    return redirect(
        url_for("admin.registration_detail", slug=slug, registration_id=registration_id)
    )


@bp.route("/events/<slug>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def registration_cancel(slug: str, registration_id: int):
    """Cancel a registration: the badge stops working (a page asks first)."""
    registration = _registration(slug, registration_id)
    form = Form()
    if not form.validate_on_submit():
        if form.is_submitted():
            abort(400)
        return render_template(
            "admin/registration_cancel.html",
            event=registration.event,
            registration=registration,
            form=form,
        )
    try:
        visitors.cancel_registration(registration=registration)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        _log_registration("registration.cancelled", registration)
        db.session.commit()
        flash(_("The registration has been cancelled."), "success")
    return redirect(
        url_for("admin.registration_detail", slug=slug, registration_id=registration_id)
    )


@bp.route("/events/<slug>/categories", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def categories(slug: str):
    """Visitor categories of an exhibition; organisers can add more and change them."""
    event = _event(slug)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = visitors.add_category(
                event=event,
                code=form.code.data,
                name_vi=form.name_vi.data,
                name_en=form.name_en.data,
                color=form.color.data.lower(),
                is_public=form.is_public.data,
            )
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(str(error.message))
        else:
            record(
                actor=current_user,
                action="category.created",
                event=event,
                target=category,
                target_type="category",
                summary=category.code,
                details={"category": both(category.name_vi, category.name_en)},
            )
            db.session.commit()
            flash(_("The category has been added."), "success")
            return redirect(url_for("admin.categories", slug=slug))
    return render_template(
        "admin/categories.html",
        event=event,
        form=form,
        categories=visitors.all_categories(event=event),
    ), (422 if form.is_submitted() else 200)


@bp.route("/events/<slug>/categories/<int:category_id>", methods=["GET", "POST"])
@allow(Role.ORGANISER)
def category_edit(slug: str, category_id: int):
    """Change a visitor category: its names, colour, and whether the public form offers it."""
    event = _event(slug)
    category = db.session.get(VisitorCategory, category_id)
    if category is None or category.event_id != event.id:
        abort(404)
    form = CategoryDetailsForm(obj=category)
    if form.validate_on_submit():
        visitors.update_category(
            category=category,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data,
            color=form.color.data.lower(),
            is_public=form.is_public.data,
        )
        record(
            actor=current_user,
            action="category.changed",
            event=event,
            target=category,
            target_type="category",
            summary=category.code,
        )
        db.session.commit()
        flash(_("The category has been saved."), "success")
        return redirect(url_for("admin.categories", slug=slug))
    return render_template("admin/category_form.html", event=event, category=category, form=form), (
        422 if form.is_submitted() else 200
    )


def _mail_scope() -> set[int] | None:
    """The exhibitions whose mail this person sees: all for administrators, else those organised."""
    return event_ids_with(current_user, Role.ORGANISER)


@bp.get("/mail")
@allow(Role.ORGANISER)
def outbox():
    """Outgoing mail with its status; failed messages can be retried."""
    scope = _mail_scope()
    status = request.args.get("status", "")
    to = (request.args.get("to") or "").strip()[:254]
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if scope is not None:
        stmt = stmt.where(OutboxMessage.event_id.in_(scope))
    if status in {s.value for s in MessageStatus}:
        stmt = stmt.where(OutboxMessage.status == MessageStatus(status))
    if to:
        escaped = to.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(sa.func.lower(OutboxMessage.to_address).like(f"%{escaped}%", escape="\\"))
    return render_template(
        "admin/outbox.html",
        page=paginate(stmt, page=request.args.get("page", type=int), size=PAGE_SIZE),
        status=status,
        to=to,
        counts=mail.status_counts(event_ids=scope),
        statuses=list(MessageStatus),
        form=Form(),
    )


def _scoped_message(message_id: int) -> OutboxMessage:
    """A message of an exhibition this person organises (any, for administrators), else 404."""
    message = db.session.get(OutboxMessage, message_id)
    scope = _mail_scope()
    if message is None or (scope is not None and message.event_id not in scope):
        abort(404)
    return message


@bp.get("/mail/<int:message_id>")
@allow(Role.ORGANISER)
def outbox_message(message_id: int):
    """One message as it is sent: its headers, text part, HTML part and attachments."""
    message = _scoped_message(message_id)
    name, address = mail.sender(message)
    return render_template(
        "admin/outbox_message.html",
        message=message,
        sender=str(Address(display_name=name, addr_spec=address)),
        message_id_header=mail.message_id(message),
        file_name=mail.eml_path(message).name if message.transport == "file" else "",
        form=Form(),
    )


# The stored HTML of a message, shown in a sandboxed frame of the message page: no script, no
# form, no request anywhere (not even for images: inline ones come as data: URLs), and only
# this site may frame it.
MESSAGE_HTML_POLICY = (
    "default-src 'none'; img-src cid: data:; style-src 'unsafe-inline'; sandbox; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@bp.get("/mail/<int:message_id>/html")
@allow(Role.ORGANISER)
def outbox_message_html(message_id: int):
    """The HTML part of a message, for the message page's frame."""
    message = _scoped_message(message_id)
    response = make_response(mail.preview_html(message))
    response.mimetype = "text/html"
    response.headers["Content-Security-Policy"] = MESSAGE_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/mail/retry-failed")
@allow(Role.ORGANISER)
def outbox_retry_failed():
    """Send every failed message again."""
    if not Form().validate_on_submit():
        abort(400)
    count = mail.retry_failed(event_ids=_mail_scope())
    record(actor=current_user, action="mail.retry_failed", details={"messages": count})
    db.session.commit()
    flash(_("%(count)s failed message(s) will be sent again.", count=count), "success")
    return redirect(url_for("admin.outbox"))


@bp.post("/mail/<int:message_id>/retry")
@allow(Role.ORGANISER)
def outbox_retry(message_id: int):
    """Send a failed or waiting message now."""
    message = _scoped_message(message_id)
    if not Form().validate_on_submit():
        abort(400)
    mail.retry_now(message=message)
    db.session.commit()
    flash(_("The message will be sent again."), "success")
    if request.form.get("next") == "message":
        return redirect(url_for("admin.outbox_message", message_id=message.id))
    return redirect(url_for("admin.outbox"))
