"""Exhibitions and the demo: list the events, load the demo, print its login."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ..accounts.models import User
from ..accounts.services import create_organiser
from ..checkin.models import Device
from ..checkin.services import create_device, issue_setup_code
from ..events.demo import DEMO_SLUG, demo_password, seed_demo
from ..events.models import Event
from ..events.services import list_events
from ..extensions import db
from ..payments.demo import write_sample_statement
from ..qr import qr_text
from ..urls import public_url

events_cli = AppGroup("events", help="Exhibitions in this installation.")


@events_cli.command("list")
def events_list():
    """One line per event: slug, dates, name."""
    for event in list_events():
        start = event.starts_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{event.slug}\t{start}\t{event.name_vi}")


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
        sample = write_sample_statement(
            event=event, folder=Path(current_app.instance_path) / "demo"
        )
        click.echo(f"A sample bank statement to import (Payments, Bank statements): {sample}")
        click.echo(
            "`flask show-login` prints the organiser's login and a check-in station set-up link."
        )


DEMO_DEVICE = "Cổng 1"


def _demo_setup_link() -> list[str]:
    """A fresh one-time set-up link for the demo's station (any earlier one stops working; the
    station already set up keeps its code until the link is opened), and its QR code drawn in
    the terminal. Nothing when there is no demo device."""
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
