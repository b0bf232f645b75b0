"""The payment job on a timer: reminders before and on the due date, and the expiry of unpaid
requests after it. Cron runs `flask payments-due`; on one machine `flask serve` (`make run`)
runs this loop in a thread beside the mail worker. Each request is settled in its own
transaction under its row lock, so a cron run and the thread never act twice on one request."""

import threading

from flask import Flask

from ..mail import worker
from .services import run_due

INTERVAL = 600.0  # seconds between runs: reminders are per day, expiry the day after the due date


def run(app: Flask, *, interval: float = INTERVAL, stop: threading.Event | None = None) -> None:
    """Run the job now, then every `interval` seconds, until `stop` is set."""
    worker.repeat(
        app,
        run_due,
        interval=interval,
        stop=stop,
        message="payments: %(reminded)s reminder(s), %(expired)s expired",
    )


def start_in_thread(
    app: Flask, *, interval: float = INTERVAL
) -> tuple[threading.Thread, threading.Event]:
    """The job in a daemon thread beside the mail worker (`flask serve`); the event stops it."""
    return worker.start_in_thread(app, interval=interval, target=run, name="payments-due")
