"""`doctor` end to end with real pieces on loopback: the emulators, listeners, health servers.

Every test names its services: the built-in defaults (redis, postgres, ...) would be looked
up on this machine's resolver, which is not ours to query.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env, run_cli
from tests.support import emulators
from tests.support.realservers import RedisServer
from tests.support.services import HealthServer, Listener
from tests.test_json_contract import check_envelope

STEPS = ["config", "resolve", "connect", "protocol", "aws"]
redis = probe_fixtures.redis  # a real redis-server, for every test that takes it


def env_for(emulator: emulators.Emulator | None = None, **extra: str) -> dict[str, str]:
    env = {"AWS_EC2_METADATA_DISABLED": "true", "ENVIRONMENT": "development"}
    if emulator is not None:
        env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(emulator.port))
    env.update(extra)
    return cli_env(**env)


def doctor(*args: str, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    out = run_cli("doctor", *args, "--json", env=env, timeout=120)
    doc = json.loads(out.stdout)
    check_envelope(doc, "doctor")
    assert doc["exit_code"] == out.returncode
    assert "Traceback" not in out.stderr
    return out.returncode, doc, out.stderr


def service(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["result"]["services"] if s["name"] == name.upper())


def statuses(doc: dict[str, Any], name: str) -> list[str]:
    return [step["status"] for step in service(doc, name)["steps"]]


@pytest.fixture
def registry_file(tmp_path: Path) -> Iterator[tuple[Path, HealthServer]]:
    """BACKEND declared with a health path, served by a real HTTP server."""
    server = HealthServer(200)
    file = tmp_path / "services.toml"
    file.write_text(f'[services.backend]\nhost = "127.0.0.1"\nport = {server.port}\nhealth_path = "/healthz"\n')
    yield file, server
    server.close()


def test_healthy_chain(
    emulator: emulators.Emulator, registry_file: tuple[Path, HealthServer], redis: RedisServer
) -> None:
    file, server = registry_file
    env = env_for(emulator, SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port))
    out = run_cli("--registry", str(file), "doctor", "localstack", "backend", "redis", "--json", env=env)
    doc = json.loads(out.stdout)
    check_envelope(doc, "doctor")
    assert out.returncode == 0, out.stdout + out.stderr
    assert statuses(doc, "localstack") == ["pass"] * 5
    assert statuses(doc, "backend") == ["pass", "pass", "pass", "pass", "skip"]
    assert statuses(doc, "redis") == ["pass", "pass", "pass", "pass", "skip"]
    assert service(doc, "redis")["steps"][3]["detail"] == "PONG"
    protocol = service(doc, "localstack")["steps"][3]
    assert protocol["data"]["emulator"] in ("LocalStack", "MiniStack")
    assert "secret(s) listed" in service(doc, "localstack")["steps"][4]["detail"]
    assert server.hits == 1
    assert doc["result"]["counts"] == {
        "services": 3,
        "passed": 3,
        "failed": 0,
        "unfinished": 0,
        "warned": 0,
        "left_out": 0,
    }
    assert doc["result"]["runtime"]["kind"] in ("host", "container", "kubernetes")


def test_bad_env_value_stops_at_config(localstack: emulators.Emulator) -> None:
    code, doc, err = doctor("localstack", env=env_for(localstack, LOCALSTACK_PORT="45x"))
    assert code == 3
    assert statuses(doc, "localstack") == ["fail", "skip", "skip", "skip", "skip"]
    step = service(doc, "localstack")["steps"][0]
    assert "LOCALSTACK_PORT='45x'" in step["detail"]
    assert "1 to 65535" in step["fix"]
    assert "localstack fails at config" in err


def test_unknown_service_is_a_config_failure_with_a_suggestion() -> None:
    code, doc, _ = doctor("localstak", env=env_for())
    assert code == 3
    assert "did you mean localstack?" in service(doc, "localstak")["steps"][0]["detail"]


def test_closed_port_stops_at_connect() -> None:
    port = emulators.free_port()  # nothing listens there
    code, doc, err = doctor("redis", env=env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port)))
    assert code == 4
    assert statuses(doc, "redis") == ["pass", "pass", "fail", "skip", "skip"]
    assert "refused" in service(doc, "redis")["steps"][2]["detail"]
    assert "redis fails at connect" in err


def test_health_path_answering_500_stops_at_protocol(tmp_path: Path) -> None:
    server = HealthServer(500)
    try:
        file = tmp_path / "r.toml"
        file.write_text(f'[services.backend]\nhost = "127.0.0.1"\nport = {server.port}\nhealth_path = "/healthz"\n')
        out = run_cli("--registry", str(file), "doctor", "backend", "--json", env=env_for())
    finally:
        server.close()
    doc = json.loads(out.stdout)
    assert out.returncode == 1
    step = service(doc, "backend")["steps"][3]
    assert (step["status"], step["name"]) == ("fail", "protocol")
    assert "HTTP 500" in step["detail"]


def test_service_in_error_stops_at_protocol(start_emulator) -> None:  # type: ignore[no-untyped-def]
    emu = start_emulator("localstack")
    emu.put_json("/_localstack/health", {"services:secretsmanager": "error"})
    code, doc, _ = doctor("localstack", env=env_for(emu))
    assert code == 1
    assert statuses(doc, "localstack") == ["pass", "pass", "pass", "fail", "skip"]
    assert "secretsmanager is in state error" in service(doc, "localstack")["steps"][3]["detail"]


def test_failed_init_script_stops_at_protocol_with_its_fix(start_emulator) -> None:  # type: ignore[no-untyped-def]
    emu = start_emulator("localstack", init_scripts={"01-broken.sh": "#!/bin/sh\necho seeding; exit 3\n"})
    code, doc, _ = doctor("localstack", env=env_for(emu))
    assert code == 1
    step = service(doc, "localstack")["steps"][3]
    assert step["status"] == "fail"
    assert "01-broken.sh" in step["detail"]
    assert "init script" in step["fix"]


def test_missing_secret_stops_at_aws(emulator: emulators.Emulator) -> None:
    code, doc, _ = doctor("localstack", "--secret", "fd/doctor/nope", env=env_for(emulator))
    assert code == 1
    step = service(doc, "localstack")["steps"][4]
    assert (step["status"], step["name"]) == ("fail", "aws")
    assert "not found" in step["detail"]


def test_required_service_not_enabled(localstack: emulators.Emulator) -> None:
    code, doc, _ = doctor("localstack", "--require", "nosuchservice", env=env_for(localstack))
    assert code == 1
    assert "not enabled" in service(doc, "localstack")["steps"][3]["detail"]


def test_production_skips_the_aws_call(localstack: emulators.Emulator) -> None:
    code, doc, _ = doctor("localstack", env=env_for(localstack, ENVIRONMENT="production"))
    assert code == 0
    step = service(doc, "localstack")["steps"][4]
    assert step["status"] == "skip" and "production" in step["detail"]


def test_most_severe_exit_code_wins() -> None:
    port = emulators.free_port()  # nothing listens there
    env = env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port), SVC_POSTGRES_HOST="127.0.0.1", POSTGRES_PORT="x")
    code, _, err = doctor("redis", "postgres", env=env)
    assert code == 3  # configuration before the network
    assert "2 of 2 services fail" in err


def test_junit_report_parses(tmp_path: Path, redis: RedisServer) -> None:
    port = emulators.free_port()  # nothing listens there
    report = tmp_path / "reports" / "doctor.xml"
    env = env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port), SVC_POSTGRES_HOST="127.0.0.1")
    env["POSTGRES_PORT"] = str(port)
    out = run_cli("doctor", "redis", "postgres", "--junit", str(report), env=env)
    assert out.returncode == 4
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        (f"doctor.{svc}", step) for svc in ("redis", "postgres") for step in STEPS
    ]
    assert suite.get("tests") == "10"
    assert suite.get("failures") == "1"
    failed = [c for c in cases if c.find("failure") is not None]
    assert [(c.get("classname"), c.get("name")) for c in failed] == [("doctor.postgres", "connect")]
    assert "fix:" in (failed[0].find("failure").text or "")  # type: ignore[union-attr]
    assert len([c for c in cases if c.find("skipped") is not None]) == int(suite.get("skipped") or 0) == 3


def test_unwritable_junit_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    listener = Listener()
    try:
        env = env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(listener.port))
        out = run_cli("doctor", "redis", "--junit", str(blocker / "report.xml"), env=env)
    finally:
        listener.close()
    assert out.returncode == 3
    assert "cannot write --junit" in out.stderr and "Traceback" not in out.stderr


def test_wait_succeeds_when_a_service_appears_late() -> None:
    port = emulators.free_port()
    with probe_fixtures.redis_later(port, after=1.5):
        started = time.monotonic()
        env = env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port))
        out = run_cli("doctor", "redis", "--wait", "--timeout", "30", "--json", env=env, timeout=60)
        took = time.monotonic() - started
    doc = json.loads(out.stdout)
    assert out.returncode == 0, out.stderr
    assert doc["result"]["attempts"] > 1
    assert took < 25
    assert "waiting:" in out.stderr and "redis (connect" in out.stderr


def test_wait_times_out_with_124_and_what_is_missing() -> None:
    port = emulators.free_port()  # nothing listens there
    env = env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port))
    code, doc, err = doctor("redis", "--wait", "--timeout", "1.5", env=env)
    assert code == 124
    assert doc["result"]["timed_out"] is True
    assert doc["error"]["type"] == "timeout"
    assert "still failing: redis (connect" in err


def test_wait_gives_up_at_once_on_a_config_error() -> None:
    started = time.monotonic()
    code, _, _ = doctor("redis", "--wait", "--timeout", "30", env=env_for(REDIS_PORT="nope"))
    assert code == 3
    assert time.monotonic() - started < 15


def test_human_output_names_the_step_and_the_fix() -> None:
    port = emulators.free_port()  # nothing listens there
    out = run_cli("doctor", "redis", env=env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port), NO_COLOR="1"))
    assert out.returncode == 4
    assert "FAIL  connect" in out.stdout
    assert "fix (connect): Check that the service is running" in out.stdout
    assert "1 of 1 failing (redis: connect)" in out.stdout
    assert "\x1b[" not in out.stdout


def test_fetched_secret_value_never_appears(emulator: emulators.Emulator, tmp_path: Path) -> None:
    import boto3

    name, value = "fd/doctor/present", "doctor-must-not-print-this-7f3a"
    client = boto3.client(
        "secretsmanager",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    try:
        client.create_secret(Name=name, SecretString=value)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=value)
    report = tmp_path / "doctor.xml"
    env = env_for(emulator)
    human = run_cli("doctor", "localstack", "--secret", name, "--junit", str(report), env=env)
    code, doc, err = doctor("localstack", "--secret", name, env=env)
    assert (human.returncode, code) == (0, 0), human.stdout + human.stderr
    assert f"fetched secret {name}" in service(doc, "localstack")["steps"][4]["detail"]
    for text in (human.stdout, human.stderr, json.dumps(doc), err, report.read_text()):
        assert value not in text


def test_production_leaves_localstack_out_unless_asked() -> None:
    """Every other built-in points at a closed loopback port: nothing is looked up outside."""
    port = emulators.free_port()  # nothing listens there
    hosts = {f"SVC_{n}_HOST": "127.0.0.1" for n in ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT")}
    ports = {f"{n}_PORT": str(port) for n in ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT")}
    env = env_for(ENVIRONMENT="production", **hosts, **ports)
    code, doc, _ = doctor(env=env)
    assert code == 4
    assert [s["name"] for s in doc["result"]["services"]] == ["BACKEND", "COMPILER", "LIVEKIT", "POSTGRES", "REDIS"]
    assert "localstack left out" in doc["result"]["notes"][0]
    # In development it is part of the stack (here: nothing listens, so it fails too).
    dev = env_for(
        ENVIRONMENT="development", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port), **hosts, **ports
    )
    _, doc, _ = doctor(env=dev)
    assert "LOCALSTACK" in [s["name"] for s in doc["result"]["services"]]
    assert doc["result"]["notes"] == []
