"""Command-line interface: thin commands that call services, commit and echo."""

from flask import Flask

from .access import create_organiser_command, devices_cli
from .booths import allocate_booths_command
from .events import events_cli, seed_demo_command, show_login_command
from .leads import lead_reminders_command
from .matchmaking import matchmaking_jobs_command
from .payments import payments_due_command
from .server import mail_worker_command, serve_command
from .visitors import import_visitors_command, purge_personal_data_command, send_new_links_command


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
        payments_due_command,
        matchmaking_jobs_command,
        lead_reminders_command,
        serve_command,
    ):
        app.cli.add_command(command)
