"""Booths: the optimal allocation run."""

import click
from flask.cli import with_appcontext

from ..booths.assignment import apply_allocation, plan_allocation
from ..errors import DomainError
from ..events.services import get_event
from ..extensions import db
from .common import fail


@click.command("allocate-booths")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.option("--dry-run", is_flag=True, help="Show the plan without assigning anything.")
@with_appcontext
def allocate_booths_command(slug: str, dry_run: bool):
    """Give free booths to approved exhibitors without one, optimally (see booths/allocation.py)."""
    try:
        event = get_event(slug=slug)
        plan = plan_allocation(event=event) if dry_run else apply_allocation(event=event)
    except DomainError as error:
        fail(error)
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
