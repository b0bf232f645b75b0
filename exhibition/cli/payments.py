"""Booth fees from the command line: the reminders and expiry job, for cron."""

import click
from flask.cli import with_appcontext

from ..payments.services import run_due


@click.command("payments-due")
@with_appcontext
def payments_due_command():
    """Send the payment reminders due (3 days before the due date, and on it) and expire the
    requests unpaid after it, freeing their booths. Safe to run as often as you like: each
    reminder goes once. For cron, e.g. every 10 minutes."""
    done = run_due()
    click.echo(f"Reminders sent: {done['reminded']}. Requests expired: {done['expired']}.")
