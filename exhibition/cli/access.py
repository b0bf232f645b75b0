"""Who may act: staff accounts and scanner devices."""

import click
from flask.cli import AppGroup, with_appcontext

from ..accounts.audit import COMMAND_LINE, record
from ..accounts.models import Role
from ..accounts.services import create_organiser, grant_role
from ..checkin.models import Device
from ..checkin.services import create_device, revoke_device
from ..errors import DomainError
from ..events.services import EventNotFound, get_event
from ..extensions import db
from .common import fail

devices_cli = AppGroup("devices", help="Scanner devices for check-in.")


@devices_cli.command("create")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.option("--name", required=True, help="A name such as 'Cổng 1'.")
def devices_create(slug: str, name: str):
    """Create a scanner device; the token is printed alone on the last line."""
    try:
        event = get_event(slug=slug)
        device, token = create_device(event=event, name=name)
    except DomainError as error:
        fail(error)
    db.session.commit()
    click.echo(f"Device {device.id} '{device.name}' for {event.slug}. Its token (shown once):")
    click.echo(token)


@devices_cli.command("revoke")
@click.argument("device_id", type=int)
def devices_revoke(device_id: int):
    """Revoke a device: its scans are refused from now on."""
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
    type=click.Choice(["administrator", *(role.value for role in Role)]),
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
        fail(error)
    db.session.commit()
    click.echo(f"{user.email} can sign in ({role}{': ' + ', '.join(slugs) if slugs else ''}).")
