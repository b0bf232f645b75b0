"""The matchmaking job on a timer: the expiry of unanswered requests and the meeting reminders
(the evening before, and 15 minutes before). Cron runs `flask matchmaking-jobs`; on one machine
`flask serve` runs this loop in a thread beside the mail worker. Every notice is claimed by a
conditional update before it is queued, so a cron run and the thread never send one twice."""

import threading

from flask import Flask

from ..mail import worker
from .reminders import run_due

INTERVAL = 60.0  # seconds between runs: a reminder 15 minutes before must not come 10 late


def run(app: Flask, *, interval: float = INTERVAL, stop: threading.Event | None = None) -> None:
    """Run the job now, then every `interval` seconds, until `stop` is set."""
    worker.repeat(
        app,
        run_due,
        interval=interval,
        stop=stop,
        message="matchmaking: %(expired)s expired, %(evening)s evening and %(soon)s 15-minute reminder(s)",
    )


def start_in_thread(
    app: Flask, *, interval: float = INTERVAL
) -> tuple[threading.Thread, threading.Event]:
    """The job in a daemon thread beside the mail worker (`flask serve`); the event stops it."""
    return worker.start_in_thread(app, interval=interval, target=run, name="matchmaking-jobs")
