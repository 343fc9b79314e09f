"""Sends the outbox over SMTP from the worker: a job after each commit, and every minute."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.policy
import logging
import smtplib
from email.message import EmailMessage

from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued

from server.platform.config import Settings
from server.platform.db.database import Database
from server.platform.jobs import queues
from server.platform.jobs.app import RETRY, JobQueue, app, runtime
from server.platform.mail import outbox
from server.platform.mail.models import OutboxMail

log = logging.getLogger("fingate.mail")
_BATCH = 20
_MAX_BACKOFF_S = 3600
# Long lines stay 7bit instead of quoted-printable, so links in a stored .eml stay readable.
_POLICY = email.policy.SMTP.clone(max_line_length=998)
# One delivery job waiting is enough: it sends everything due when it runs.
DELIVER_LOCK = "mail.deliver"


# Also every minute, so mail committed by a process that died before deferring is sent.
@app.periodic(cron="* * * * *", periodic_id="sweep")
@app.task(
    name="mail.deliver",
    queue=queues.MAIL,
    queueing_lock=DELIVER_LOCK,
    pass_context=True,
    retry=RETRY,
)
async def deliver_mail(context: JobContext, timestamp: int | None = None) -> int:
    """Sends every due message; returns how many were attempted."""
    rt = runtime(context)
    total = 0
    while True:
        claimed = await send_due(rt.db, rt.settings)
        total += claimed
        if claimed < _BATCH:
            return total


async def request_delivery(jobs: JobQueue) -> None:
    """After committing mail to the outbox: have it sent soon. Never fails the caller."""
    try:
        await jobs.defer(deliver_mail, queueing_lock=DELIVER_LOCK)
    except Exception:  # the mail is committed; the periodic sweep sends it
        log.warning("mail delivery not deferred; the periodic sweep will send it", exc_info=True)


async def request_delivery_from_worker() -> None:
    """The same, from a job: the worker's app is connected already."""
    try:
        await deliver_mail.configure(queueing_lock=DELIVER_LOCK).defer_async()
    except AlreadyEnqueued:
        pass
    except Exception:  # the mail is committed; the periodic sweep sends it
        log.warning("mail delivery not deferred; the periodic sweep will send it", exc_info=True)


async def send_due(db: Database, settings: Settings) -> int:
    """Sends one batch of due messages; returns how many were claimed."""
    async with db.transaction() as s:
        batch = await outbox.claim_due(s, limit=_BATCH)
        for mail in batch:
            try:
                await asyncio.to_thread(_send, settings, mail)
            except (OSError, smtplib.SMTPException) as exc:
                # Per message, so one bad address does not hold back the others.
                attempts = mail.attempts + 1
                delay = min(2**attempts * 5, _MAX_BACKOFF_S)
                retry_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
                await outbox.mark_failed(
                    s, mail.id, attempts=attempts, retry_at=retry_at, error=type(exc).__name__
                )
                log.warning(
                    "mail %s not sent (attempt %d): %s", mail.id, attempts, type(exc).__name__
                )
            else:
                await outbox.mark_sent(s, mail.id)
        return len(batch)


def _send(settings: Settings, mail: OutboxMail) -> None:
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.mail_from
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{mail.id}@fingate>"
    message.set_content(mail.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
