"""Sending e-mail through the configured SMTP server (``SURVEY_SMTP_*``).

Messages are built with the standard library's ``EmailMessage``: a Vietnamese subject is encoded per RFC 2047
and the body travels as UTF-8, so both arrive intact in any mail client. smtplib blocks, so a message is sent
from a thread; a failure raises, and the job that sends it is retried by the job table.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from survey.settings import Settings

TIMEOUT_S = 30


class MailNotConfigured(RuntimeError):
    """SURVEY_SMTP_HOST is not set: nothing can be mailed."""


def build(settings: Settings, to: list[str], subject: str, body: str,
          attachments: Sequence[tuple[str, bytes, str]] = ()) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_sender.rsplit("@", 1)[-1])
    message.set_content(body, charset="utf-8")
    for name, data, mime in attachments:
        major, minor = mime.split("/", 1)
        message.add_attachment(data, maintype=major, subtype=minor, filename=name)
    return message


def _send(settings: Settings, message: EmailMessage) -> None:
    if settings.smtp_security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S)
    with server:
        if settings.smtp_security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password)
        server.send_message(message)


async def send(settings: Settings, to: list[str], subject: str, body: str,
               attachments: Sequence[tuple[str, bytes, str]] = ()) -> None:
    if not settings.smtp_host:
        raise MailNotConfigured("SURVEY_SMTP_HOST is not set")
    await asyncio.to_thread(_send, settings, build(settings, to, subject, body, attachments))
