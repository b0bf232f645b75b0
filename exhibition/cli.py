"""Command-line interface: thin commands that call services, commit and echo."""

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .errors import DomainError
from .extensions import db

events_cli = AppGroup("events", help="Exhibitions in this installation.")
devices_cli = AppGroup("devices", help="Scanner devices for check-in.")


def _fail(error: DomainError):
    db.session.rollback()
    raise click.ClickException(str(error.message))


@events_cli.command("list")
def events_list():
    """One line per event: slug, dates, name."""
    from .events.services import list_events

    for event in list_events():
        start = event.starts_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{event.slug}\t{start}\t{event.name_vi}")


@devices_cli.command("create")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.option("--name", required=True, help="A name such as 'Cổng 1'.")
def devices_create(slug: str, name: str):
    """Create a scanner device; the token is printed alone on the last line."""
    from .checkin.services import create_device
    from .events.services import get_event

    try:
        event = get_event(slug=slug)
        device, token = create_device(event=event, name=name)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Device {device.id} '{device.name}' for {event.slug}. Its token (shown once):")
    click.echo(token)


@devices_cli.command("revoke")
@click.argument("device_id", type=int)
def devices_revoke(device_id: int):
    """Revoke a device: its scans are refused from now on."""
    from .accounts.audit import COMMAND_LINE, record
    from .checkin.models import Device
    from .checkin.services import revoke_device

    device = db.session.get(Device, device_id)
    if device is None:
        raise click.ClickException(f"No device {device_id}.")
    revoke_device(device=device)
    record(
        actor=COMMAND_LINE,
        action="device.revoked",
        event=device.event,
        target=device,
        summary=device.name,
        details={"device": device.name},
    )
    db.session.commit()
    click.echo(f"Device {device.id} revoked.")


@click.command("create-organiser")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option(
    "--role",
    type=click.Choice(["administrator", "organiser", "checkin", "exhibitors"]),
    default="administrator",
    show_default=True,
    help="Administrators may do everything; the other roles work in the exhibitions given.",
)
@click.option("--event", "slugs", multiple=True, help="An exhibition's slug (repeat for more).")
@click.password_option()
def create_organiser_command(
    email: str, name: str, role: str, slugs: tuple[str, ...], password: str
):
    """Create a staff account (or set a new password on an existing one) and give it a role."""
    from .accounts.models import Role
    from .accounts.services import create_organiser, grant_role
    from .events.services import EventNotFound, get_event

    if role != "administrator" and not slugs:
        raise click.UsageError("Give the exhibition(s) with --event for this role.")
    try:
        user = create_organiser(
            email=email, password=password, name=name, administrator=role == "administrator"
        )
        for slug in slugs:
            try:
                event = get_event(slug=slug)
            except EventNotFound:
                raise click.ClickException(f"No exhibition '{slug}'.") from None
            if role != "administrator":
                grant_role(user=user, event=event, role=Role(role))
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{user.email} can sign in ({role}{': ' + ', '.join(slugs) if slugs else ''}).")


@click.command("allocate-booths")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.option("--dry-run", is_flag=True, help="Show the plan without assigning anything.")
@with_appcontext
def allocate_booths_command(slug: str, dry_run: bool):
    """Give free booths to approved exhibitors without one, optimally (see booths/allocation.py)."""
    from .booths.assignment import apply_allocation, plan_allocation
    from .events.services import get_event

    try:
        event = get_event(slug=slug)
        plan = plan_allocation(event=event) if dry_run else apply_allocation(event=event)
    except DomainError as error:
        _fail(error)
    for proposal in plan.proposals:
        wish = f"choice {proposal.rank}" if proposal.rank <= 5 else "not wished"
        codes = ",".join(b.code for b in proposal.booths)
        click.echo(f"{codes}\t{wish}\t{proposal.exhibitor.company_name_vi}")
    for exhibitor in plan.unserved:
        click.echo(f"-\tno booth\t{exhibitor.company_name_vi}")
    if dry_run:
        db.session.rollback()
        click.echo(
            f"Dry run: {len(plan.proposals)} would get booths, {len(plan.unserved)} would not."
        )
    else:
        db.session.commit()
        click.echo(
            f"Assigned: {len(plan.proposals)} exhibitors; without a booth: {len(plan.unserved)}."
        )


@click.command("import-visitors")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--category", default=None, help="Category code of rows that name none.")
@click.option("--send-confirmations", is_flag=True, help="E-mail each person imported a badge.")
@click.option(
    "--consent-confirmed",
    is_flag=True,
    help="State that these people agreed to the processing of their data for this event.",
)
@with_appcontext
def import_visitors_command(
    slug: str, path: str, category: str | None, send_confirmations: bool, consent_confirmed: bool
):
    """Register the people of a CSV or Excel file (good rows imported, the others listed)."""
    from flask_babel import force_locale

    from .accounts.audit import COMMAND_LINE
    from .events.services import get_event
    from .visitors.importing import MAX_BYTES, import_visitors

    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    with force_locale("en"):
        try:
            event = get_event(slug=slug)
            report = import_visitors(
                event=event, data=data, filename=path, category_code=category,
                send_confirmations=send_confirmations, consent_confirmed=consent_confirmed,
                actor=COMMAND_LINE,
            )  # fmt: skip
        except DomainError as error:
            _fail(error)
    for problem in report.problems:
        click.echo(problem, err=True)
    db.session.commit()
    click.echo(
        f"Imported {report.imported}; skipped {report.skipped} "
        f"({report.refused} with problems, {report.already_registered} registered already)."
    )
    if not (report.imported or report.skipped) and report.problems:
        sys.exit(1)  # the file could not be read at all


@click.command("purge-personal-data")
@click.option("--dry-run", is_flag=True, help="Count what would be anonymised; change nothing.")
@with_appcontext
def purge_personal_data_command(dry_run: bool):
    """Anonymise personal data of exhibitions past their retention period (run it daily)."""
    from .accounts.audit import COMMAND_LINE, record
    from .visitors.erasure import purge_personal_data

    results = purge_personal_data(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        for event, count in results:
            if not count:
                continue
            record(
                actor=COMMAND_LINE,
                action="personal_data.purged",
                event=event,
                details={"people": count, "days": event.retention_days},
            )
        db.session.commit()
    verb = "would be anonymised" if dry_run else "anonymised"
    for event, count in results:
        click.echo(f"{event.slug}\t{count} {verb}")
    if not results:
        click.echo("No exhibition is past its retention period.")


@click.command("send-new-links")
@with_appcontext
def send_new_links_command():
    """E-mail their new "my registration" link to the people whose link an upgrade replaced
    (run once after upgrading; running it again sends nobody a second one)."""
    from .visitors.services import send_new_links

    total = 0
    while True:
        claimed = send_new_links()
        db.session.commit()
        total += claimed
        if not claimed:
            break
    click.echo(f"New links e-mailed: {total}")


def _login_file() -> Path:
    return Path(current_app.instance_path) / "organiser-login.txt"


@click.command("seed-demo")
@click.option(
    "--today",
    is_flag=True,
    help="Make the exhibition open today, for trying the check-in stations (a demo loaded "
    "before is moved to today).",
)
@with_appcontext
def seed_demo_command(today: bool):
    """Load the demo exhibition, an organiser and a scanner device, dated from today (running it
    again changes nothing)."""
    from .accounts.models import User
    from .accounts.services import create_organiser
    from .checkin.services import create_device
    from .events.demo import demo_password, seed_demo

    event, done = seed_demo(today=today)
    email = "organiser@example.com"
    password = None
    if db.session.scalar(sa.select(User).where(User.email == email)) is None:
        password = demo_password()
        create_organiser(email=email, password=password, name="Ban tổ chức")
        create_device(event=event, name=DEMO_DEVICE)
    db.session.commit()
    if password is not None:
        path = _login_file()
        path.write_text(f"Organiser login: {email} / {password}\n")
        path.chmod(0o600)
    if done == "there":
        click.echo(f"Demo exhibition '{event.slug}' already there.")
        return
    click.echo(
        f"Demo exhibition '{event.slug}' {done}: {event.first_day:%Y-%m-%d} to "
        f"{event.last_day:%Y-%m-%d}."
    )
    if done == "loaded":
        click.echo(
            "`flask show-login` prints the organiser's login and a check-in station set-up link."
        )


DEMO_DEVICE = "Cổng 1"


def _demo_setup_link() -> list[str]:
    """A fresh one-time set-up link for the demo's station (any earlier one stops working; the
    station already set up keeps its code until the link is opened), and its QR code drawn in
    the terminal. Nothing when there is no demo device."""
    from .checkin.models import Device
    from .checkin.services import issue_setup_code
    from .events.demo import DEMO_SLUG
    from .events.models import Event
    from .qr import qr_text
    from .urls import public_url

    device = db.session.scalar(
        sa.select(Device)
        .join(Event, Event.id == Device.event_id)
        .where(Event.slug == DEMO_SLUG, Device.name == DEMO_DEVICE, Device.revoked_at.is_(None))
        .order_by(Device.id)
        .limit(1)
    )
    if device is None:
        return []
    link = public_url("checkin.setup", code=issue_setup_code(device=device))
    db.session.commit()
    return [
        f"Check-in station '{device.name}': open this one-time set-up link on the station's "
        "phone or tablet, or scan the QR code (valid 24 hours; `flask show-login` makes a new one):",
        link,
        qr_text(link).rstrip("\n"),
    ]


@click.command("show-login")
@with_appcontext
def show_login_command():
    """Print the demo organiser's login written by seed-demo, and a fresh one-time set-up link
    for the demo's check-in station."""
    path = _login_file()
    if path.exists():
        click.echo(path.read_text().rstrip())
    else:
        click.echo("No demo login recorded; create one with `flask create-organiser`.")
    for line in _demo_setup_link():
        click.echo(line)


@click.command("mail-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
def mail_worker_command(once: bool, interval: float):
    """Deliver e-mail from the outbox (several workers may run side by side).

    SIGTERM or Ctrl-C stops it gracefully: the message being sent is finished and recorded, the
    others it had claimed are handed back for the other workers at once, then it exits."""
    import signal
    import threading

    from .mail.worker import run

    app = current_app._get_current_object()
    stop = threading.Event()

    def stop_gracefully(signum, frame):
        if stop.is_set():  # asked twice: stop now (the message in flight may be sent again)
            raise KeyboardInterrupt
        app.logger.warning("mail worker: stopping after the message in flight")
        stop.set()

    signal.signal(signal.SIGTERM, stop_gracefully)
    signal.signal(signal.SIGINT, stop_gracefully)
    try:
        sent = run(app, interval=interval, once=once, stop=stop)
    except KeyboardInterrupt:
        sent = 0
    if once:
        click.echo(f"Sent {sent} message(s).")


@click.command("serve")
@with_appcontext
@click.option("--host", default=None, help="Defaults to HOST.")
@click.option("--port", default=None, type=int, help="Defaults to PORT.")
@click.option("--threads", default=8, show_default=True, help="Request threads.")
def serve_command(host: str | None, port: int | None, threads: int):
    """Serve with gunicorn (one process, threads) and an in-process mail worker (one machine)."""
    from gunicorn.app.base import BaseApplication

    from .mail.worker import start_in_thread

    app = current_app._get_current_object()
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_worker_init", lambda worker: start_in_thread(app))

        def load(self):
            return app

    mail_mode = app.config.get("MAIL_SERVER") or f"files in {app.config['MAIL_FILE_DIR']}"
    click.echo(f"Mail: {mail_mode}")
    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)")
    sys.stdout.flush()
    Server().run()


def register_cli(app: Flask) -> None:
    app.cli.add_command(events_cli)
    app.cli.add_command(devices_cli)
    for command in (
        allocate_booths_command,
        import_visitors_command,
        purge_personal_data_command,
        send_new_links_command,
        create_organiser_command,
        seed_demo_command,
        show_login_command,
        mail_worker_command,
        serve_command,
    ):
        app.cli.add_command(command)
