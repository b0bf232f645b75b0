"""Staff pages that belong to no one domain: sign-in, the start page with every exhibition the
person works on, and an exhibition's overview."""

from urllib.parse import urlsplit

from flask import (
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from ..accounts.access import (
    allow,
    event_ids_with,
    public,
    signed_in,
    staff_blueprint,
    visible_event_slugs,
)
from ..accounts.models import Role
from ..accounts.services import LoginFailed, authenticate, sign_out
from ..events import services as events
from ..extensions import count_by, db, limiter
from ..mail import services as mail
from ..matchmaking import report as matching_report
from ..visitors.models import Registration, RegistrationStatus
from .forms import LoginForm
from .overview import event_overview, history_chart

bp = staff_blueprint("admin", __name__)


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
    confirmed = Registration.status == RegistrationStatus.CONFIRMED
    counts = count_by(Registration.event_id, confirmed)
    checked_in = count_by(Registration.event_id, confirmed, Registration.checked_in_at.is_not(None))
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
        matching=matching_report.summary(event=event),
        matching_figures=matching_report.FIGURES,
    )
