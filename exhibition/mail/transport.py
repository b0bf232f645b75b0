"""Delivering outbox messages: over SMTP with Flask-Mail, or as .eml files with no MAIL_SERVER."""

import base64
import smtplib
from email.header import Header
from email.policy import compat32
from email.utils import quote

from flask import current_app
from flask_mail import Connection, Message

from .models import OutboxMessage
from .services import attachment_content, eml_path, message_id, sender, undeliverable


class PermanentFailure(Exception):
    """The server refused the message for good (5xx); retrying will not help."""


def from_header(name: str, address: str) -> str:
    """The From line's value: `name` as RFC 2047 encoded words (base64 UTF-8, each at most 75
    characters and cut between characters), the address on a line of its own, every line short
    enough that no policy folds it again. A decoder joins adjacent encoded words without the
    folding between them (RFC 2047, 6.2), so a word may be cut anywhere. (Python's own parser of
    address headers keeps that folding as a space: it is not the reference.) A short ASCII name
    is written as a quoted string."""
    if not name:
        return address
    if name.isascii() and name.isprintable() and len(name) <= 60:
        return f'"{quote(name)}"\n <{address}>'
    words, chunk = [], ""
    for char in name:
        if len((chunk + char).encode()) > 45:  # 45 bytes are 60 base64 characters
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    encoded = [f"=?utf-8?b?{base64.b64encode(w.encode()).decode('ascii')}?=" for w in words]
    return "\n ".join(encoded) + f"\n <{address}>"


class _Message(Message):
    """Flask-Mail's message with the From line of from_header() and the subject folded by
    email.header: Flask-Mail encodes a long non-ASCII name in one piece and the message's policy
    then folds it again (and Python 3.11's policy folds a subject the same way), putting the space
    between two words into the folding, where mail programs drop it ("Triểnlãm", "chờ:Hội
    thảo")."""

    display_name = ""

    def _message(self):
        built = super()._message()
        if "Subject" in built:
            text = str(built["Subject"])
            del built["Subject"]
            built.set_raw("Subject", Header(text, "utf-8", header_name="Subject").encode("\r\n"))
        policy = built.policy
        built.policy = compat32  # stored as written: its lines are short, so it is not refolded
        built.replace_header("From", from_header(self.display_name, self.sender))
        built.policy = policy
        return built


def _as_flask_mail(message: OutboxMessage) -> Message:
    name, address = sender(message)
    mail_message = _Message(
        subject=message.subject,
        recipients=[message.to_address],
        body=message.body_text,
        html=message.body_html,
        sender=address,  # also the envelope's sender
        reply_to=message.reply_to or None,
        extra_headers={"X-Outbox-Id": str(message.id), "Auto-Submitted": "auto-generated"},
    )
    for item in message.attachments:
        headers = {}
        disposition = "attachment"
        if item.content_id:
            headers["Content-ID"] = f"<{item.content_id}>"
            disposition = "inline"
        content_type, data = attachment_content(item)
        mail_message.attach(item.filename, content_type, data, disposition, headers)
    mail_message.display_name = name
    mail_message.msgId = message_id(message)
    return mail_message


def _write_file(message: OutboxMessage, mail_message: Message) -> str:
    path = eml_path(message)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mail_message.as_bytes())
    return str(path)


class _TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout, so that a stalled server cannot hang a worker."""

    def configure_host(self):
        timeout = current_app.config["MAIL_TIMEOUT"]
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class Sender:
    """Sends messages over one SMTP connection per batch (opened lazily), or writes .eml files."""

    def __init__(self):
        self.connection = None
        self.use_smtp = bool(current_app.config.get("MAIL_SERVER"))

    def send(self, message: OutboxMessage) -> str:
        """Deliver one message; PermanentFailure for a 5xx refusal, other exceptions are transient."""
        if undeliverable(message.to_address):  # erased meanwhile, or retried after erasure
            raise PermanentFailure("The address cannot receive mail (a placeholder).")
        mail_message = _as_flask_mail(message)
        if not self.use_smtp:
            _write_file(message, mail_message)
            return "file"
        try:
            if self.connection is None:
                self.connection = _TimedConnection(current_app.extensions["mail"]).__enter__()
            self.connection.send(mail_message)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = [code for code, _ in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(str(error)) from error
            raise
        except smtplib.SMTPResponseException as error:
            self.close()
            if error.smtp_code >= 500:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        except Exception:
            self.close()
            raise
        return "smtp"

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.__exit__(None, None, None)
            except Exception:  # the connection is gone already
                pass
            self.connection = None
