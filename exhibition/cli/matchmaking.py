"""Business matching from the command line: the expiry and reminders job, for cron."""

import click
from flask.cli import with_appcontext

from ..matchmaking.reminders import run_due


@click.command("matchmaking-jobs")
@with_appcontext
def matchmaking_jobs_command():
    """Lapse the meeting requests left unanswered past their time (both sides are told) and send
    the meeting reminders due (the evening before at 18:00, and 15 minutes before). Safe to run
    as often as you like: each notice goes once. For cron, every minute."""
    done = run_due()
    click.echo(
        f"Requests expired: {done['expired']}. Evening reminders: {done['evening']}. "
        f"15-minute reminders: {done['soon']}."
    )
