"""The delivery loop: `flask mail-worker`, or a thread inside `flask serve`."""

import threading

from flask import Flask

from ..extensions import db
from .services import deliver_batch


def run(
    app: Flask,
    *,
    interval: float = 2.0,
    stop: threading.Event | None = None,
    once: bool = False,
    batch: int = 50,
) -> int:
    """Deliver due messages until `stop` is set (with `once`, until none is due); returns how many were sent."""
    stop = stop or threading.Event()
    total = 0
    while True:
        with app.app_context():
            try:
                counts = deliver_batch(limit=batch)
                total += counts["sent"]
                busy = any(counts.values())
            except (
                Exception
            ):  # keep the worker alive; the message's lease expires and it is retried
                app.logger.exception("mail worker: batch failed")
                db.session.rollback()
                busy = False
            finally:
                db.session.remove()
        if not busy:
            if once or stop.wait(interval):
                return total
        elif stop.is_set():
            return total


def start_in_thread(
    app: Flask, *, interval: float = 2.0
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run,
        args=(app,),
        kwargs={"interval": interval, "stop": stop},
        name="mail-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop
