"""Visitors: imports, the retention purge and new links."""

import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..accounts.audit import COMMAND_LINE, record
from ..errors import DomainError
from ..events.services import get_event
from ..exhibitors.lead_retention import purge_leads
from ..extensions import db
from ..visitors.erasure import purge_personal_data
from ..visitors.importing import MAX_BYTES, import_visitors
from ..visitors.services import send_new_links
from .common import fail


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
            fail(error)
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
    """Anonymise personal data of exhibitions past their retention period, and delete exhibitors'
    leads past theirs (run it daily)."""
    results = purge_personal_data(dry_run=dry_run)
    lead_results = purge_leads(dry_run=dry_run)
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
        for event, count in lead_results:
            record(
                actor=COMMAND_LINE,
                action="leads.purged",
                event=event,
                details={"leads": count, "days": event.lead_retention_days},
            )
        db.session.commit()
    verb = "would be anonymised" if dry_run else "anonymised"
    for event, count in results:
        click.echo(f"{event.slug}\t{count} {verb}")
    if not results:
        click.echo("No exhibition is past its retention period.")
    verb = "would be deleted" if dry_run else "deleted"
    for event, count in lead_results:
        click.echo(f"{event.slug}\t{count} lead(s) {verb}")


@click.command("send-new-links")
@with_appcontext
def send_new_links_command():
    """E-mail their new "my registration" link to the people whose link an upgrade replaced
    (run once after upgrading; running it again sends nobody a second one)."""
    total = 0
    while True:
        claimed = send_new_links()
        db.session.commit()
        total += claimed
        if not claimed:
            break
    click.echo(f"New links e-mailed: {total}")
