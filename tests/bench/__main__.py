"""`python -m tests.bench`: start a stack, measure, print the tables, rewrite docs/benchmarks.md."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
import time
from pathlib import Path
from time import perf_counter

import uvloop

from server.dev.devstack.stack import Ports, Stack
from tests.bench import banking, crypto, gateway, machine, networth, processes, scenarios
from tests.bench.cpu import CpuMeter
from tests.bench.report import RunInfo, document, kept_comparisons, latest_run
from tests.bench.stats import Result

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
PORTS = Ports(http=38080, grpc=35051, admin=39901, smtp=31025, sandbox=38090, metrics=39464)
JWT_SECRET = "fingate-bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN"
COMMAND = "make bench"
# Quiet time after start-up and sign-up (PostgreSQL, Envoy and the mail outbox settle).
SETTLE_S = 2.0


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def settle(mail_dir: Path, email: str, *, timeout: float = 10.0) -> None:
    """Wait for the sign-up's verification mail, so its delivery does not land in a timed row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(email in path.read_text(errors="replace") for path in mail_dir.glob("*.eml")):
            break
        time.sleep(0.1)
    time.sleep(SETTLE_S)


def measure(
    stack: Stack, *, embedded_pg: bool, with_banking: bool
) -> tuple[
    list[Result],
    banking.BankingReport | None,
    crypto.CryptoReport,
    networth.NetWorthReport,
    gateway.GatewayReport,
    processes.ProcessesReport | None,
]:
    """Sign one user up, then run the one-client rows, the concurrent rows, the banking rows
    and the crypto rows."""
    target = scenarios.sign_up(rest_url=stack.rest_url, grpc_target=stack.grpc_target)
    settle(stack.mail_dir, target.email)
    meter = CpuMeter(machine.stack_pids(stack, embedded_pg=embedded_pg), trees={"postgres"})
    meter.pids["client"] = os.getpid()
    _say("one-client rows")
    results = scenarios.sequential(target, meter)
    _say(f"{scenarios.CONCURRENCY}-client rows")
    results += uvloop.run(scenarios.concurrent(target, meter))
    report = banking.run(stack, target, meter, say=_say) if with_banking else None
    _say("crypto rows")
    assert stack.database_url is not None
    org, user = asyncio.run(banking._personal_org(stack.database_url, target.email))
    health = next(r for r in results if r.name == "REST GET /health")
    coins = crypto.run(stack, target, meter, organization_id=org, health_p50_ms=health.p50_ms)
    _say("net-worth rows")
    worth = networth.run(
        stack, target, meter, organization_id=org, user_id=user, health_p50_ms=health.p50_ms
    )
    _say("gateway rows")
    gate = gateway.run(stack, meter)
    _say("server-process rows")
    scaling = processes.run(stack, target, with_banking=with_banking, say=_say)
    return results, report, coins, worth, gate, scaling


# The limiter still runs on every call (its cost is measured); its limits are out of reach.
UNLIMITED = {
    **{
        f"RATE_LIMIT_{name}": "1000000/minute"
        for name in ("GENERAL", "WRITE", "SYNC", "LIVE", "ADMIN", "AUTH")
    },
    # Token buckets (capacity:refill/period), as out of reach.
    "RATE_LIMIT_API_READ": "1000000:1000000/minute",
    "RATE_LIMIT_PROVIDER_SYNC": "1000000:1000000/minute",
}


def main() -> int:
    """Run the benchmark once; 0 on success."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = perf_counter()
    load = machine.load_average()
    database_url = os.environ.get("DATABASE_URL") or None
    shutil.rmtree(VAR / "mail", ignore_errors=True)  # only this run's mail, for settle()
    _say(f"starting the stack on {PORTS} under {VAR}")
    with Stack(
        ports=PORTS,
        var_dir=VAR,
        database_url=database_url,
        env={"JWT_SECRET": JWT_SECRET, **UNLIMITED},
        app_env="test",
    ) as stack:
        results, bank, coins, worth, gate, scaling = measure(
            stack,
            embedded_pg=database_url is None,
            with_banking=os.environ.get("BENCH_BANKING", "1") != "0",
        )
        _say("stopping the stack")
    info = RunInfo(
        date=machine.today(),
        commit=machine.commit(ROOT),
        uncommitted=machine.uncommitted(ROOT),
        cpus=machine.cpus(),
        python=machine.python_version(),
        platform=machine.os_name(),
        load_average=load,
        postgres="DATABASE_URL" if database_url else "embedded (pgserver, unix socket)",
        command=COMMAND,
        duration_s=perf_counter() - started,
    )
    extra = (
        (banking.section(bank) if bank else "")
        + crypto.section(coins)
        + networth.section(worth)
        + gateway.section(gate)
        + (processes.section(scaling) if scaling else "")
    )
    print(latest_run(info, results) + extra)
    DOC.parent.mkdir(parents=True, exist_ok=True)
    kept = kept_comparisons(DOC.read_text()) if DOC.exists() else ""
    DOC.write_text(document(info, results) + extra + kept)
    _say(f"wrote {DOC.relative_to(ROOT)}")
    bank_errors = bank is not None and any(
        row.fingate.errors or row.peer.errors for row in bank.lists
    )
    gate_errors = gate.payments.errors or gate.keys != gate.stored
    scaling_errors = scaling is not None and scaling.errors
    failed = bank_errors or gate_errors or scaling_errors or any(r.errors for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
