"""Running the site: the mail worker and the gunicorn server (with the mail worker and the
payment job in threads beside it)."""

import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from ..exhibitors import lead_retention
from ..mail.worker import run, start_in_thread
from ..matchmaking import jobs as matchmaking_jobs
from ..payments import jobs as payment_jobs


@click.command("mail-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due, then stop.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
def mail_worker_command(once: bool, interval: float):
    """Deliver e-mail from the outbox (several workers may run side by side).

    SIGTERM or Ctrl-C stops it gracefully: the message being sent is finished and recorded, the
    others it had claimed are handed back for the other workers at once, then it exits."""
    app = current_app._get_current_object()
    stop = threading.Event()

    def stop_gracefully(signum, frame):
        if stop.is_set():  # asked twice: stop now (the message in flight may be sent again)
            raise KeyboardInterrupt
        app.logger.warning("mail worker: stopping after the message in flight")
        stop.set()

    signal.signal(signal.SIGTERM, stop_gracefully)
    signal.signal(signal.SIGINT, stop_gracefully)
    try:
        sent = run(app, interval=interval, once=once, stop=stop)
    except KeyboardInterrupt:
        sent = 0
    if once:
        click.echo(f"Sent {sent} message(s).")


@click.command("serve")
@with_appcontext
@click.option("--host", default=None, help="Defaults to HOST.")
@click.option("--port", default=None, type=int, help="Defaults to PORT.")
@click.option("--threads", default=8, show_default=True, help="Request threads.")
def serve_command(host: str | None, port: int | None, threads: int):
    """Serve with gunicorn (one process, threads), an in-process mail worker, the payment job
    (reminders and expiry every 10 minutes), the matchmaking job (request expiry and meeting
    reminders every minute) and the lead retention reminders (hourly): everything on one
    machine."""
    # gunicorn only for `serve`: it imports fcntl, which the app and the other commands need not load.
    from gunicorn.app.base import BaseApplication

    app = current_app._get_current_object()
    background: list[tuple[threading.Thread, threading.Event]] = []

    def start_background(worker) -> None:
        background.append(start_in_thread(app))
        background.append(payment_jobs.start_in_thread(app))
        background.append(matchmaking_jobs.start_in_thread(app))
        background.append(lead_retention.start_in_thread(app))

    def stop_background(server, worker) -> None:
        """The worker is exiting: let the mail in flight and the payment job finish, then stop."""
        for _thread, stop in background:
            stop.set()
        for thread, _stop in background:
            thread.join(timeout=30)

    host = host or app.config["HOST"]
    port = port or app.config["PORT"]

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", 1)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_worker_init", start_background)
            self.cfg.set("worker_exit", stop_background)

        def load(self):
            return app

    mail_mode = app.config.get("MAIL_SERVER") or f"files in {app.config['MAIL_FILE_DIR']}"
    click.echo(f"Mail: {mail_mode}")
    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)")
    sys.stdout.flush()
    Server().run()
