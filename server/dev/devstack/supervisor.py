"""Keeps the dev stack's child processes running: one that dies is started again.

`make run` and the test stacks use it; production leaves this to the container orchestrator
(a Kubernetes Deployment's restartPolicy: Always with its crash-loop back-off, or systemd's
Restart=on-failure), which restarts the server, worker and Envoy the same way.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("fingate.devstack")

Starter = Callable[[], subprocess.Popen[bytes]]


@dataclass
class _Child:
    proc: subprocess.Popen[bytes]
    start: Starter
    restarts: deque[float] = field(default_factory=deque)  # monotonic times, newest last
    due: float | None = None  # when the pending restart may run


class Supervisor:
    """Polls its children; restarts a dead one after a back-off that doubles with each death in
    the last `window_s` (0.5 s, 1 s, 2 s … `max_delay_s`), and gives up on a child that died
    more than `max_restarts` times in that window, calling `on_give_up(name)`."""

    def __init__(
        self,
        *,
        on_give_up: Callable[[str], None] | None = None,
        on_restart: Callable[[str, subprocess.Popen[bytes]], None] | None = None,
        poll_s: float = 0.2,
        window_s: float = 60.0,
        max_restarts: int = 5,
        max_delay_s: float = 8.0,
    ) -> None:
        self._children: dict[str, _Child] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.on_give_up = on_give_up
        self._on_restart = on_restart
        self._poll_s, self._window_s = poll_s, window_s
        self._max_restarts, self._max_delay_s = max_restarts, max_delay_s
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self.given_up: list[str] = []

    def watch(self, name: str, proc: subprocess.Popen[bytes], start: Starter) -> None:
        """Supervise `proc`; `start` makes its replacement."""
        with self._lock:
            self._children[name] = _Child(proc, start)
        if not self._thread.is_alive() and not self._stop.is_set():
            self._thread.start()

    def forget(self, name: str) -> subprocess.Popen[bytes] | None:
        """Stop supervising `name` (before stopping it on purpose); its current process."""
        with self._lock:
            child = self._children.pop(name, None)
        return child.proc if child else None

    def stop(self) -> None:
        """No restart from now on; the children themselves are left to the caller."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._poll_s):
            with self._lock:
                for name, child in list(self._children.items()):
                    self._check(name, child)

    def _check(self, name: str, child: _Child) -> None:
        code = child.proc.poll()
        if code is None:
            return
        now = time.monotonic()
        if child.due is None:
            while child.restarts and now - child.restarts[0] > self._window_s:
                child.restarts.popleft()
            if len(child.restarts) >= self._max_restarts:
                del self._children[name]
                self.given_up.append(name)
                log.error(
                    "%s died %d times within %.0f s (last exit code %s); not restarting it",
                    name,
                    len(child.restarts) + 1,
                    self._window_s,
                    code,
                )
                if self.on_give_up is not None:
                    self.on_give_up(name)
                return
            delay = min(0.5 * 2 ** len(child.restarts), self._max_delay_s)
            child.due = now + delay
            log.warning("%s exited with code %s; restarting it in %.1f s", name, code, delay)
            return
        if now < child.due:
            return
        child.due = None
        child.restarts.append(now)
        try:
            child.proc = child.start()
        except Exception as exc:  # a start that fails counts as one more death
            log.error("%s could not be started again: %s", name, type(exc).__name__)
            return
        log.warning("%s restarted (pid %d)", name, child.proc.pid)
        if self._on_restart is not None:
            self._on_restart(name, child.proc)
