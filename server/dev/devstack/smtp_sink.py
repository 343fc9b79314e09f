"""A local SMTP sink: every message lands as one raw `.eml` file in a mail directory.

Usage: `python -m server.dev.devstack.smtp_sink --dir var/mail --port 1025`.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

DEFAULT_MAIL_DIR = Path("var/mail")


class MailDirHandler:
    """aiosmtpd handler that writes each message's raw bytes to `<mail_dir>/<time>-<uuid>.eml`."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Store the message; names sort by arrival (UTC time to the microsecond)."""
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        path = self.mail_dir / f"{stamp}-{uuid.uuid4()}.eml"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader polling the directory never sees half a message.
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        return "250 Message accepted for delivery"


def start_sink(*, mail_dir: Path = DEFAULT_MAIL_DIR, port: int = 1025) -> Controller:
    """Start the sink on 127.0.0.1:`port` in a background thread; it is ready on return."""
    mail_dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(MailDirHandler(mail_dir), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> int:
    """Run the sink until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_MAIL_DIR, help="mail directory")
    parser.add_argument("--port", type=int, default=1025, help="SMTP port on 127.0.0.1")
    args = parser.parse_args(argv)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    controller = start_sink(mail_dir=args.dir, port=args.port)
    print(f"SMTP sink on 127.0.0.1:{args.port}, mail in {args.dir.resolve()}/", flush=True)
    try:
        done.wait()
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
