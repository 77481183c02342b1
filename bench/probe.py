"""Protocol checks against a real redis-server and PostgreSQL, started and stopped here.

1. In-process: what each protocol check adds over a bare TCP connect on loopback (medians
   of interleaved runs). Target: at most 5 ms, so the row's baseline is that budget.
2. `health redis` vs `redis-cli ping` and `health postgres` vs `pg_isready`, after
   subtracting start-up: a bare Typer app (Python plus the CLI framework, which any Typer
   command pays before its first line runs) is timed in the same interleaved run and
   subtracted from the candidate. Target: <= 1.3. `python -c pass` is printed alongside.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._harness import Comparison, time_once
from foundry_discover.probes import probe, wire
from foundry_discover.registry import Registry
from foundry_discover.waiting import Deadline
from tests.support.realservers import PostgresCluster, RedisServer, pg_bindir, redis_installed

BUDGET_MS = 5.0
BARE_TYPER = """
import typer

app = typer.Typer()

@app.command()
def health(name: str) -> None:
    print(name, "healthy")

app()
"""


def _median_ms(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def overhead(name: str, env: dict[str, str], port: int, runs: int) -> Comparison:
    service = Registry.from_mapping(env).get(name)

    def connect() -> None:
        sock, _ = wire.connect("127.0.0.1", port, Deadline.after(5))
        sock.close()

    def check() -> None:
        result = probe(service, "127.0.0.1", Deadline.after(5))
        assert result.ok, result.detail

    bare: list[float] = []
    full: list[float] = []
    for _ in range(runs):
        bare += _median_ms(connect, 10)
        full += _median_ms(check, 10)
    added = statistics.median(full) - statistics.median(bare)
    print(f"{name}: TCP connect {statistics.median(bare):.2f} ms, with its check {statistics.median(full):.2f} ms")
    return Comparison(
        f"{name} check: ms added over a TCP connect vs the {BUDGET_MS:g} ms budget", added, BUDGET_MS, 1.0
    )


def versus(
    name: str, candidate: list[str], peer: list[str], startup: list[str], env: dict[str, str], runs: int
) -> Comparison:
    times: dict[str, list[float]] = {"candidate": [], "peer": [], "startup": [], "python": []}
    argvs = {"candidate": candidate, "peer": peer, "startup": startup, "python": [sys.executable, "-c", "pass"]}
    for _ in range(3):
        for argv in argvs.values():
            time_once(argv, env)
    for _ in range(runs):
        for key, argv in argvs.items():
            times[key].append(time_once(argv, env))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{name}: {med['candidate']:.1f} ms, peer {med['peer']:.1f} ms, bare Typer {med['startup']:.1f} ms, "
        f"python -c pass {med['python']:.1f} ms"
    )
    return Comparison(
        f"{name} minus bare-Typer start-up vs {os.path.basename(peer[0])}",
        med["candidate"] - med["startup"],
        med["peer"],
        1.3,
    )


def run(runs: int = 20) -> list[Comparison]:
    bindir = pg_bindir()
    if not redis_installed() or bindir is None:
        print("probe: skipped (needs redis-server and PostgreSQL: scripts/check installs them)", file=sys.stderr)
        return []
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    redis = RedisServer()
    cluster = PostgresCluster()
    try:
        pg = cluster.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SVC_", "FOUNDRY_"))}
        env.update(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port))
        env.update(SVC_POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(pg.port))
        with tempfile.TemporaryDirectory() as tmp:
            bare = Path(tmp) / "bare_typer.py"
            bare.write_text(BARE_TYPER)
            startup = [sys.executable, str(bare), "redis"]
            return [
                overhead("redis", env, redis.port, runs),
                overhead("postgres", env, pg.port, runs),
                versus(
                    "health redis",
                    [exe, "health", "redis"],
                    ["redis-cli", "-p", str(redis.port), "ping"],
                    startup,
                    env,
                    runs,
                ),
                versus(
                    "health postgres",
                    [exe, "health", "postgres"],
                    [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(pg.port)],
                    startup,
                    env,
                    runs,
                ),
            ]
    finally:
        redis.stop()
        cluster.stop()
