"""Protocol checks against a real redis-server and PostgreSQL, started and stopped here.

1. In-process: what each protocol check adds over a bare TCP connect on loopback (medians
   of interleaved runs). Target: at most 5 ms, so the row's baseline is that budget. For
   PostgreSQL the raw exchange pg_isready makes (SSLRequest, 'N', startup message, the
   first answer; plain sockets, no foundry-discover code) is timed alongside: the check's
   cost over it is our own, the rest is the server's (it forks a backend per connection).
2. `health redis` vs `redis-cli ping` and `health postgres` vs `pg_isready`, after
   subtracting Python's start-up (`python -c pass`, same interpreter, same environment),
   all timed in the same interleaved rounds. The subtraction is the median of each
   round's difference, so a load spike that hits one round hits both sides of it.
   Target: <= 1.3. `health NAME` starts without Typer (cli/quick.py) for this reason.
   Printed for context: the floor (a plain script doing the same exchange on `_socket`,
   nothing of ours), and a bare Typer app, which is what the same check would start at
   through Typer.
"""

from __future__ import annotations

import functools
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._harness import Comparison, time_once
from foundry_discover.lite import net as wire
from foundry_discover.lite.probes import postgres, probe
from foundry_discover.registry import Registry
from foundry_discover.util.waiting import Deadline
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

#: The least Python can do for the same answer: the exchange on the C socket module, no
#: registry, no result types, no rendering. Its cost over `python -c pass` is the floor.
FLOOR = """
import _socket
import struct
import sys

name, port = sys.argv[1], int(sys.argv[2])
sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
sock.settimeout(5)
sock.connect(("127.0.0.1", port))
if name == "redis":
    sock.sendall(b"*1\\r\\n$4\\r\\nPING\\r\\n")
    assert sock.recv(64).startswith(b"+PONG")
else:
    sock.sendall(struct.pack("!ii", 8, 80877103))
    assert sock.recv(1) == b"N"
    body = struct.pack("!i", 196608) + b"user\\0floor\\0\\0"
    sock.sendall(struct.pack("!i", len(body) + 4) + body)
    assert sock.recv(4096)[:1] == b"R"
sock.close()
print(name, "healthy")
"""


def _median_ms(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _pg_isready_exchange(port: int) -> None:
    """What pg_isready sends and waits for (strace shows it), with nothing of ours."""
    with socket.create_connection((b"127.0.0.1", port), timeout=5) as sock:  # type: ignore[arg-type]
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(postgres.SSL_REQUEST)
        assert sock.recv(1) == b"N"
        sock.sendall(postgres.startup())
        assert sock.recv(4096)[:1] == b"R"


def overhead(name: str, env: dict[str, str], port: int, runs: int) -> Comparison:
    service = Registry.from_mapping(env).get(name)

    def connect() -> None:
        sock, _ = wire.connect("127.0.0.1", port, Deadline.after(5))
        sock.close()

    def check() -> None:
        result = probe(service, "127.0.0.1", Deadline.after(5))
        assert result.ok, result.detail

    timed: dict[str, Callable[[], object]] = {"connect": connect, "check": check}
    if name == "postgres":
        timed["raw"] = functools.partial(_pg_isready_exchange, port)
    times: dict[str, list[float]] = {key: [] for key in timed}
    for _ in range(runs):
        for key, fn in timed.items():
            times[key] += _median_ms(fn, 10)
    med = {key: statistics.median(v) for key, v in times.items()}
    added = med["check"] - med["connect"]
    print(f"{name}: TCP connect {med['connect']:.2f} ms, with its check {med['check']:.2f} ms")
    if "raw" in med:
        print(
            f"{name}: pg_isready's exchange on plain sockets {med['raw']:.2f} ms "
            f"({med['raw'] - med['connect']:+.2f} ms over the connect: the server's part); "
            f"the check {med['check'] - med['raw']:+.2f} ms over it (ours)"
        )
    return Comparison(
        f"{name} check: ms added over a TCP connect vs the {BUDGET_MS:g} ms budget", added, BUDGET_MS, 1.0
    )


def versus(
    name: str,
    candidate: list[str],
    peer: list[str],
    typer: list[str],
    floor: list[str],
    env: dict[str, str],
    runs: int,
) -> Comparison:
    argvs = {
        "candidate": candidate,
        "peer": peer,
        "python": [sys.executable, "-c", "pass"],
        "floor": floor,
        "typer": typer,
    }
    times: dict[str, list[float]] = {key: [] for key in argvs}
    for _ in range(3):
        for argv in argvs.values():
            time_once(argv, env)
    for _ in range(runs):
        for key, argv in argvs.items():
            times[key].append(time_once(argv, env))
    med = {k: statistics.median(v) for k, v in times.items()}

    def over_python(key: str) -> float:
        # Paired by round: each round's time minus the same round's `python -c pass`.
        return statistics.median(t - p for t, p in zip(times[key], times["python"], strict=True))

    ours, least, typer_start = over_python("candidate"), over_python("floor"), over_python("typer")
    print(
        f"{name}: {med['candidate']:.1f} ms, peer {med['peer']:.1f} ms, python -c pass {med['python']:.1f} ms; "
        f"over Python's start-up: ours {ours:.1f} ms, the floor {least:.1f} ms (ratio {least / med['peer']:.2f}); "
        f"a bare Typer app starts {typer_start:.1f} ms over it"
    )
    return Comparison(f"{name} minus `python -c pass` vs {os.path.basename(peer[0])}", ours, med["peer"], 1.3)


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
            typer = [sys.executable, str(bare), "redis"]
            least = Path(tmp) / "floor.py"
            least.write_text(FLOOR)
            return [
                overhead("redis", env, redis.port, runs),
                overhead("postgres", env, pg.port, runs),
                versus(
                    "health redis",
                    [exe, "health", "redis"],
                    ["redis-cli", "-p", str(redis.port), "ping"],
                    typer,
                    [sys.executable, str(least), "redis", str(redis.port)],
                    env,
                    runs,
                ),
                versus(
                    "health postgres",
                    [exe, "health", "postgres"],
                    [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(pg.port)],
                    typer,
                    [sys.executable, str(least), "postgres", str(pg.port)],
                    env,
                    runs,
                ),
            ]
    finally:
        redis.stop()
        cluster.stop()
