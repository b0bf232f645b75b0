"""Lead retrieval from the command line: the retention reminders job, for cron."""

import click
from flask.cli import with_appcontext

from ..exhibitors.lead_retention import run_due


@click.command("lead-reminders")
@with_appcontext
def lead_reminders_command():
    """E-mail the exhibitors whose leads `flask purge-personal-data` deletes in 14 days, and in
    3 days. Safe to run as often as you like: each reminder goes once. For cron, daily."""
    done = run_due()
    click.echo(f"14-day reminders: {done['14']}. 3-day reminders: {done['3']}.")
