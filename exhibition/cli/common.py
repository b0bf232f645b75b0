"""What the commands share."""

import click

from ..errors import DomainError
from ..extensions import db


def fail(error: DomainError):
    """Roll back and end the command with the error's message."""
    db.session.rollback()
    raise click.ClickException(str(error.message))
