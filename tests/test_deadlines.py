"""Deadlines never blame the innocent: when time runs out, every service keeps its last real result.

A passing service stays passed, a failing one keeps its cause, and only work that never
began is "not reached". The end of a --wait falls at a different point of the checks in
every run (and on a loaded machine anywhere at all), so the class is tested by many runs
with the cut point moved each time, against real loopback servers: a listener (passes at
once), a slow health endpoint (passes, but takes a while), a closed port (fails: refused)
and a slow endpoint answering 500 (fails with its own cause).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env, run_cli
from tests.support.emulators import free_port
from tests.support.realservers import PostgresServer, RedisServer
from tests.support.services import HealthServer

# Each service answers in its own protocol (issue 11 checks it): a real redis-server and
# PostgreSQL, and an HTTP server for the http-scheme services.
pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres
redis = probe_fixtures.redis

RUNS = 20
#: Subprocesses at a time: the runs are mostly waiting, but the machine is shared.
PARALLEL = 4
SLOW = 0.2
BLAME = ("did not finish within", "within 0s", "not reached", "timed out after 0", "no reply within 0")


@pytest.fixture
def stack(tmp_path: Path, redis: RedisServer) -> Iterator[tuple[dict[str, str], Path]]:
    slow_ok = HealthServer(200, delay=SLOW)
    slow_bad = HealthServer(500, delay=SLOW)
    file = tmp_path / "services.toml"
    file.write_text(
        f'[services.backend]\nhost = "127.0.0.1"\nport = {slow_ok.port}\nhealth_path = "/healthz"\n'
        f'[services.compiler]\nhost = "127.0.0.1"\nport = {slow_bad.port}\nhealth_path = "/healthz"\n'
    )
    env = cli_env(
        ENVIRONMENT="development",
        SVC_REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(redis.port),
        SVC_POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT=str(free_port()),  # refused, every time
    )
    yield env, file
    slow_ok.close()
    slow_bad.close()


def by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"].lower(): s for s in doc["result"]["services"]}


def repeated(run: Callable[[float], tuple[int, dict[str, Any], str]], first: float) -> list[Any]:
    """RUNS runs, each with --timeout 50 ms longer than the last, so the end falls somewhere new."""
    timeouts = [first + 0.05 * i for i in range(RUNS)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda t: (t, *run(t)), timeouts))


def doctor_wait(env: dict[str, str], file: Path, timeout: float) -> tuple[int, dict[str, Any], str]:
    argv = ["--registry", str(file), "doctor", "redis", "backend", "compiler", "postgres", "--wait", "--json"]
    out = run_cli(*argv, "--timeout", f"{timeout:.2f}", env=env, timeout=60)
    return out.returncode, json.loads(out.stdout), out.stderr


def test_doctor_wait_never_blames_a_healthy_service(stack: tuple[dict[str, str], Path]) -> None:
    env, file = stack
    # The first attempt has time to end even on a loaded machine; the wait ends anywhere after it.
    problems: list[str] = []
    for timeout, code, doc, err in repeated(lambda t: doctor_wait(env, file, t), 3.0):
        services = by_name(doc)
        where = f"--timeout {timeout:.2f}"
        if code != 124:
            problems.append(f"{where}: exit {code}, expected 124 (postgres never passes)")
        for name in ("redis", "backend"):
            if not services[name]["ok"]:
                problems.append(f"{where}: healthy {name} blamed: {services[name]['steps']}")
        compiler = services["compiler"]
        protocol = compiler["steps"][3]
        if compiler["failed_step"] != "protocol" or "HTTP 500" not in protocol["detail"]:
            problems.append(f"{where}: compiler lost its cause (HTTP 500): {compiler['steps']}")
        postgres = services["postgres"]
        if postgres["failed_step"] != "connect" or "refused" not in postgres["steps"][2]["detail"]:
            problems.append(f"{where}: postgres lost its cause (refused): {postgres['steps']}")
        text = json.dumps(doc) + err
        problems += [f"{where}: says {phrase!r}" for phrase in BLAME if phrase in text]
        if doc["result"]["counts"]["passed"] != 2:
            problems.append(f"{where}: counts {doc['result']['counts']}")
    assert not problems, "\n".join(problems)


def health_wait(env: dict[str, str], file: Path, timeout: float) -> tuple[int, dict[str, Any], str]:
    out = run_cli(
        "--registry", str(file), "health", "compiler", "--wait", "--timeout", f"{timeout:.2f}", "--json", env=env
    )
    return out.returncode, json.loads(out.stdout), out.stderr


def test_health_wait_keeps_the_real_cause(stack: tuple[dict[str, str], Path]) -> None:
    env, file = stack
    problems: list[str] = []
    for timeout, code, doc, err in repeated(lambda t: health_wait(env, file, t), 3.0):
        where = f"--timeout {timeout:.2f}"
        if code != 124:
            problems.append(f"{where}: exit {code}, expected 124")
        if "HTTP 500" not in doc["error"]["message"] or "HTTP 500" not in err:
            problems.append(f"{where}: the cause (HTTP 500) was replaced: {doc['error']['message']}")
        if (doc["result"] or {}).get("http_status") != 500:
            problems.append(f"{where}: last result is not the real one: {doc['result']}")
    assert not problems, "\n".join(problems)


def test_health_all_slow_service_blames_only_itself(
    stack: tuple[dict[str, str], Path], tmp_path: Path, redis: RedisServer, postgres: PostgresServer
) -> None:
    """One pass under a deadline shorter than one slow reply: only the slow one is late."""
    env, _ = stack
    slow = HealthServer(200, delay=3)
    fast = HealthServer(200)
    try:
        file = tmp_path / "slow.toml"
        file.write_text(
            f'[services.backend]\nhost = "127.0.0.1"\nport = {slow.port}\nhealth_path = "/healthz"\n'
            f'[services.compiler]\nhost = "127.0.0.1"\nport = {fast.port}\nhealth_path = "/healthz"\n'
        )
        livekit = HealthServer(200)
        for name, port in (("REDIS", redis.port), ("POSTGRES", postgres.port), ("LIVEKIT", livekit.port)):
            env.update({f"SVC_{name}_HOST": "127.0.0.1", f"{name}_PORT": str(port)})
        env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(livekit.port))
        for _ in range(3):
            out = run_cli("--registry", str(file), "health", "--all", "--timeout", "1", "--json", env=env)
            rows = {s["name"].lower(): s for s in json.loads(out.stdout)["result"]["services"]}
            assert rows["backend"]["verdict"] == "unreachable"
            assert "within 1s" in rows["backend"]["reasons"][0]
            for name in ("compiler", "redis", "postgres", "livekit"):
                assert rows[name]["verdict"] == "healthy", rows[name]
    finally:
        slow.close()
        fast.close()
        livekit.close()


def test_no_attempt_begins_after_the_deadline() -> None:
    """poll sleeps up to the deadline; an attempt begun then could only fail for want of time."""
    import time

    from foundry_discover.util.waiting import Deadline, poll

    for _ in range(5):
        deadline = Deadline.after(0.3)
        begun: list[float] = []

        def check(d: Deadline, begun: list[float] = begun) -> bool:
            begun.append(time.monotonic())
            return False

        polled = poll(check, bool, deadline)
        assert polled.timed_out and polled.attempts == len(begun) > 1
        assert all(at < deadline.at for at in begun), [round(deadline.at - at, 4) for at in begun]


def test_work_that_never_began_is_not_reached_not_failed() -> None:
    from foundry_discover.doctor.model import Options
    from foundry_discover.doctor.steps import walk_service
    from foundry_discover.registry import Registry
    from foundry_discover.util.waiting import Deadline

    registry = Registry.from_mapping({"SVC_REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(free_port())})
    report = walk_service(registry, "redis", Deadline.after(0), Options(), "development")
    assert [s.status for s in report.steps] == ["pass", "not_reached", "not_reached", "not_reached", "not_reached"]
    assert report.failure is None and not report.ok and report.exit_code == 124 and report.cut
