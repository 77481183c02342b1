"""Ctrl-C and SIGTERM in the middle of `doctor` and `health --all`: the report still comes.

Real subprocesses and real signals, real servers on loopback: a listener that passes, a
server that accepts and never answers (so a check is under way when the signal comes),
a closed port (so a --wait keeps waiting). Services that finished keep their results,
the rest are marked interrupted or not reached, the exit code is 130 (SIGINT) or 143
(SIGTERM), and the --junit file is written.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env, need
from tests.support.emulators import free_port
from tests.support.faulty import Faulty
from tests.support.realservers import PostgresServer, RedisServer
from tests.support.services import HealthServer
from tests.test_json_contract import check_envelope

# Each service answers in its own protocol (issue 11 checks it): a real redis-server and
# PostgreSQL, and an HTTP server for the http-scheme services.
pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres
redis = probe_fixtures.redis

EXE = Path(sys.executable).with_name("foundry-discover")
EXPECTED = {signal.SIGINT: (130, "SIGINT", "interrupted"), signal.SIGTERM: (143, "SIGTERM", "terminated")}
#: The one line every command stopped by a signal ends with; the report holds the rest.
LAST_LINE = {signal.SIGINT: "error: interrupted", signal.SIGTERM: "error: terminated (SIGTERM)"}


def interrupt(argv: list[str], env: dict[str, str], sig: signal.Signals, after: float = 1.5) -> tuple[int, str, str]:
    proc = subprocess.Popen([str(EXE), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(after)  # the fast checks are done, the hung one is under way
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode == -sig:
        need(False, f"{sig.name} is not turned into an exception in this build (the process died of the signal)")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    # An interrupted run must not wait for the checks still under way (the hung one
    # would hold it until --timeout).
    assert took < 5, f"took {took:.1f}s to exit after {sig.name}"
    return proc.returncode, out, err


@pytest.fixture
def stack(tmp_path: Path, redis: RedisServer) -> Iterator[tuple[dict[str, str], Path]]:
    """redis passes at once; backend's health path hangs; both on loopback."""
    with Faulty("hang") as hang:
        file = tmp_path / "services.toml"
        file.write_text(f'[services.backend]\nhost = "127.0.0.1"\nport = {hang.port}\nhealth_path = "/healthz"\n')
        env = cli_env(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port), ENVIRONMENT="development", NO_COLOR="1")
        yield env, file


def service(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["result"]["services"] if s["name"] == name.upper())


def statuses(doc: dict[str, Any], name: str) -> list[str]:
    return [step["status"] for step in service(doc, name)["steps"]]


def junit_cases(path: Path) -> tuple[ET.Element, dict[tuple[str, str], ET.Element]]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    return suite, {(c.get("classname") or "", c.get("name") or ""): c for c in suite.findall("testcase")}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_doctor_interrupted_mid_check_reports_what_it_knows(
    stack: tuple[dict[str, str], Path], tmp_path: Path, sig: signal.Signals
) -> None:
    env, file = stack
    report = tmp_path / "out" / "doctor.xml"
    argv = ["--registry", str(file), "doctor", "redis", "backend", "--timeout", "60", "--junit", str(report), "--json"]
    code, out, err = interrupt(argv, env, sig)
    exit_code, name, kind = EXPECTED[sig]
    assert code == exit_code
    doc = json.loads(out)
    check_envelope(doc, "doctor")
    assert (doc["exit_code"], doc["error"]["type"]) == (exit_code, kind)
    assert doc["result"]["interrupted"] == name
    assert statuses(doc, "redis") == ["pass", "pass", "pass", "pass", "skip"]  # PING answered PONG  # finished: kept
    assert statuses(doc, "backend") == ["pass", "pass", "pass", "interrupted", "not_reached"]
    assert service(doc, "backend")["unfinished_step"] == "protocol"
    assert err.strip().splitlines()[-1] == LAST_LINE[sig]
    suite, cases = junit_cases(report)
    assert suite.get("errors") == "2" and suite.get("failures") == "0"
    assert cases[("doctor.backend", "protocol")].find("error") is not None
    assert cases[("doctor.backend", "aws")].find("error") is not None
    assert len(cases[("doctor.redis", "connect")]) == 0  # a pass: no child element


def test_doctor_interrupted_human_output(stack: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, file = stack
    report = tmp_path / "doctor.xml"
    code, out, err = interrupt(
        ["--registry", str(file), "doctor", "redis", "backend", "--timeout", "60", "--junit", str(report)],
        env,
        signal.SIGINT,
    )
    assert code == 130
    assert "STOP  protocol  interrupted by SIGINT while this step ran" in out
    assert "1 interrupted (backend: protocol)" in out and "(interrupted by SIGINT)" in out
    assert report.exists()
    assert err.strip().splitlines()[-1] == LAST_LINE[signal.SIGINT]


def test_doctor_wait_interrupted_keeps_each_last_result(tmp_path: Path, redis: RedisServer) -> None:
    report = tmp_path / "doctor.xml"
    env = cli_env(
        SVC_REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(redis.port),
        SVC_POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT=str(free_port()),  # refused: the wait goes on
        ENVIRONMENT="development",
    )
    argv = ["doctor", "redis", "postgres", "--wait", "--timeout", "60", "--junit", str(report), "--json"]
    code, out, _ = interrupt(argv, env, signal.SIGINT)
    assert code == 130
    doc = json.loads(out)
    assert doc["result"]["interrupted"] == "SIGINT" and doc["result"]["timed_out"] is False
    assert doc["result"]["attempts"] > 1
    assert statuses(doc, "redis") == ["pass", "pass", "pass", "pass", "skip"]  # PING answered PONG
    postgres = service(doc, "postgres")
    assert postgres["failed_step"] == "connect" and "refused" in postgres["steps"][2]["detail"]
    suite, _ = junit_cases(report)
    assert suite.get("failures") == "1"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_health_all_interrupted_keeps_finished_rows(
    sig: signal.Signals, redis: RedisServer, postgres: PostgresServer
) -> None:
    web = [HealthServer(200) for _ in range(3)]
    ports = [*(server.port for server in web), redis.port, postgres.port]
    try:
        with Faulty("hang") as hang:
            env = cli_env(ENVIRONMENT="development", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(hang.port))
            for name, port in zip(("BACKEND", "COMPILER", "LIVEKIT", "REDIS", "POSTGRES"), ports, strict=True):
                env.update({f"SVC_{name}_HOST": "127.0.0.1", f"{name}_PORT": str(port)})
            code, out, err = interrupt(["health", "--all", "--timeout", "60", "--json"], env, sig)
    finally:
        for server in web:
            server.close()
    exit_code, name, kind = EXPECTED[sig]
    assert code == exit_code
    doc = json.loads(out)
    check_envelope(doc, "health")
    assert doc["error"]["type"] == kind and doc["result"]["interrupted"] == name
    verdicts = {s["name"]: s["verdict"] for s in doc["result"]["services"]}
    assert verdicts.pop("LOCALSTACK") == "interrupted"
    assert set(verdicts.values()) == {"healthy"}, verdicts
    assert err.strip().splitlines()[-1] == LAST_LINE[sig]


def test_stopped_before_any_walk_began_still_gives_a_junit_report() -> None:
    """The report --junit writes when a signal lands before the services' walks start."""
    from foundry_discover.checks.runtime import detect
    from foundry_discover.doctor.model import Options
    from foundry_discover.doctor.run import not_started
    from foundry_discover.lite.errors import Terminated
    from foundry_discover.registry import Registry
    from foundry_discover.render.doctor import junit_xml

    registry = Registry.from_mapping({"SVC_REDIS_HOST": "127.0.0.1", "ENVIRONMENT": "production"})
    report = not_started(registry, [], Options(secrets=("app/db",)), detect(), Terminated())
    assert report.interrupted == "SIGTERM"
    assert [s.name for s in report.services] == ["REDIS", "SECRETSMANAGER"]
    assert all(step.status == "not_reached" and step.exit_code == 143 for s in report.services for step in s.steps)
    suite = ET.fromstring(junit_xml(report)).find("testsuite")
    assert suite is not None and suite.get("errors") == "7" and suite.get("failures") == "0"
