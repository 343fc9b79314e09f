"""Sends the outbox over SMTP: woken after a commit, and on a timer for retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.policy
import logging
import smtplib
from email.message import EmailMessage

from server.config import Settings
from server.db.database import Database
from server.mail import outbox
from server.mail.models import OutboxMail

log = logging.getLogger("fingate.mail")
_SWEEP_S = 5.0
_BATCH = 20
_MAX_BACKOFF_S = 3600
# Long lines stay 7bit instead of quoted-printable, so links in a stored .eml stay readable.
_POLICY = email.policy.SMTP.clone(max_line_length=998)


class MailDispatcher:
    """One background task per server process."""

    def __init__(self, db: Database, settings: Settings):
        self._db = db
        self._settings = settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        """Ask for a send soon (call after committing an enqueue)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mail-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=_SWEEP_S)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                while await self.send_due() == _BATCH:
                    pass
            except Exception:  # the database may be down: try again at the next sweep
                log.warning("mail sweep failed", exc_info=True)

    async def send_due(self) -> int:
        """Sends one batch of due messages; returns how many were claimed."""
        async with self._db.transaction() as s:
            batch = await outbox.claim_due(s, limit=_BATCH)
            for mail in batch:
                try:
                    await asyncio.to_thread(self._send, mail)
                except (OSError, smtplib.SMTPException) as exc:
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

    def _send(self, mail: OutboxMail) -> None:
        message = EmailMessage(policy=_POLICY)
        message["From"] = self._settings.mail_from
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Message-ID"] = f"<{mail.id}@fingate>"
        message.set_content(mail.body)
        with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
