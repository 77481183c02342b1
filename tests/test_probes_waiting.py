"""Not ready yet vs the wrong service: `--wait` goes on for the first and gives up on the second.

A real Redis loading a large RDB answers -LOADING; a real PostgreSQL standby with
hot_standby=off answers SQLSTATE 57P03 (pg_isready: "rejecting connections") until it
is promoted. And `doctor` over LocalStack, Redis and PostgreSQL shows each one's verdict.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests import probe_fixtures
from tests.conftest import cli_env, run_cli
from tests.support import emulators
from tests.support.realservers import PG_PASSWORD, REDIS_PASSWORD, RedisServer
from tests.test_json_contract import check_envelope

pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres
redis = probe_fixtures.redis
redis_auth = probe_fixtures.redis_auth


def env_for(**services: int) -> dict[str, str]:
    env = {"AWS_EC2_METADATA_DISABLED": "true", "ENVIRONMENT": "development", "PGPASSWORD": PG_PASSWORD}
    env["REDISCLI_AUTH"] = REDIS_PASSWORD
    for name, port in services.items():
        env[f"SVC_{name.upper()}_HOST"] = "127.0.0.1"
        env[f"{name.upper()}_PORT"] = str(port)
    return cli_env(**env)


def test_redis_loading_is_not_ready_and_the_wait_goes_on_until_pong() -> None:
    probe_fixtures.need_redis()
    server = RedisServer.loading(keys=10000, delay_us=300)
    try:
        env = env_for(redis=server.port)
        once = run_cli("health", "redis", "--json", env=env)
        doc = json.loads(once.stdout)
        check_envelope(doc, "health")
        assert once.returncode == 1, once.stderr
        assert doc["result"]["verdict"] == "not_ready"
        assert "loading its dataset" in doc["result"]["reasons"][0]
        waited = run_cli("health", "redis", "--wait", "--timeout", "120", env=env, timeout=150)
        assert waited.returncode == 0, waited.stderr
        assert "waiting" in waited.stderr and "loading" in waited.stderr
        assert server.cli("PING") == "PONG"  # it really finished loading
    finally:
        server.stop()


def test_postgres_rejecting_until_promoted(pg_cluster) -> None:  # type: ignore[no-untyped-def]
    standby = pg_cluster.start(standby=True)
    env = env_for(postgres=standby.port)
    assert standby.isready()[0] == 1  # pg_isready: "rejecting connections"
    once = run_cli("health", "postgres", "--json", env=env)
    doc = json.loads(once.stdout)
    assert once.returncode == 1
    assert doc["result"]["verdict"] == "not_ready"
    assert "rejecting connections" in doc["result"]["reasons"][0] and "57P03" in doc["result"]["reasons"][0]
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    waiter = subprocess.Popen(
        [exe, "health", "postgres", "--wait", "--timeout", "90"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        assert waiter.poll() is None  # still waiting: rejecting is "not yet", not "wrong"
        standby.promote()
        out, err = waiter.communicate(timeout=100)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    assert waiter.returncode == 0, err
    assert "accepting connections" in out
    assert standby.isready()[0] == 0


def test_the_wrong_service_ends_a_wait_at_once(redis, postgres) -> None:  # type: ignore[no-untyped-def]
    for args, env in (
        (["redis"], env_for(redis=postgres.port)),
        (["postgres"], env_for(postgres=redis.port)),
        ([], env_for(localstack=postgres.port)),
    ):
        started = time.monotonic()
        out = run_cli("health", *args, "--wait", "--timeout", "60", env=env, timeout=90)
        took = time.monotonic() - started
        assert out.returncode == 1, out.stderr
        assert "probably names the wrong service" in out.stderr
        assert took < 20, took  # gave up: no wait makes another protocol the right one


def test_a_port_that_opens_late_is_waited_for() -> None:
    port = emulators.free_port()
    with probe_fixtures.redis_later(port, after=1.0):
        out = run_cli("health", "redis", "--wait", "--timeout", "60", env=env_for(redis=port), timeout=90)
    assert out.returncode == 0, out.stderr
    assert "PONG" in out.stdout


def test_doctor_over_localstack_redis_and_postgres(localstack, redis_auth, postgres) -> None:  # type: ignore[no-untyped-def]
    env = env_for(localstack=localstack.port, redis=redis_auth.port, postgres=postgres.port)
    out = run_cli("doctor", "localstack", "redis", "postgres", "--json", env=env, timeout=120)
    doc = json.loads(out.stdout)
    check_envelope(doc, "doctor")
    assert out.returncode == 0, out.stdout + out.stderr
    protocol = {s["name"]: s["steps"][3] for s in doc["result"]["services"]}
    assert protocol["LOCALSTACK"]["status"] == "pass" and "LocalStack" in protocol["LOCALSTACK"]["detail"]
    assert protocol["REDIS"]["status"] == "pass" and "NOAUTH" in protocol["REDIS"]["detail"]
    assert "does not authenticate" in protocol["REDIS"]["detail"]
    assert protocol["REDIS"]["data"] == {"expected": "redis", "protocol": "redis"}
    assert protocol["POSTGRES"]["status"] == "pass"
    assert protocol["POSTGRES"]["detail"].startswith("accepting connections")
    assert protocol["POSTGRES"]["data"] == {"expected": "postgresql", "protocol": "postgresql"}
    human = run_cli("doctor", "localstack", "redis", "postgres", env=dict(env, NO_COLOR="1"), timeout=120)
    assert human.returncode == 0
    assert "PostgreSQL" not in human.stderr
    for text in (out.stdout, out.stderr, human.stdout, human.stderr):
        assert REDIS_PASSWORD not in text and PG_PASSWORD not in text
    # Crossed ports: each fails at protocol, naming what answers instead.
    crossed = env_for(localstack=redis_auth.port, redis=postgres.port, postgres=redis_auth.port)
    out = run_cli("doctor", "localstack", "redis", "postgres", "--json", env=crossed, timeout=120)
    doc = json.loads(out.stdout)
    assert out.returncode == 1
    failed = {s["name"]: s["steps"][3] for s in doc["result"]["services"]}
    assert all(step["status"] == "fail" for step in failed.values())
    assert "speaks RESP (Redis), not HTTP: LOCALSTACK_PORT" in failed["LOCALSTACK"]["detail"]
    assert "speaks the PostgreSQL protocol, not Redis (RESP): REDIS_PORT" in failed["REDIS"]["detail"]
    assert "speaks RESP (Redis), not PostgreSQL: POSTGRES_PORT" in failed["POSTGRES"]["detail"]
    assert REDIS_PASSWORD not in out.stdout + out.stderr and PG_PASSWORD not in out.stdout + out.stderr
