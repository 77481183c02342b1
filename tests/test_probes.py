"""Every scheme's protocol check against every kind of server, through the real CLI.

Real servers only: Debian's redis-server (with and without requirepass) and PostgreSQL,
MiniStack and LocalStack as the HTTP side, and small loopback servers that speak first
as SSH and SMTP servers do, a TLS server and a silent listener. Each pair ends with its
verdict and exit code; a wrong service is named within about a second, never after
--timeout; and no password appears in any output, although the environment holds them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env, run_cli
from tests.support.realservers import PG_PASSWORD, REDIS_PASSWORD
from tests.test_json_contract import check_envelope

#: What each kind of server speaks, as the JSON's "protocol" names it.
SPEAKS = {
    "redis": "redis",
    "redis_auth": "redis",
    "postgres": "postgresql",
    "ministack": "http",
    "localstack": "http",
    "ssh": "ssh",
    "smtp": "smtp",
    "tls": "tls",
    "silent": "silent",
}
#: How the verdict names each kind, when it is the wrong one.
LABEL = {
    "redis": "RESP (Redis)",
    "postgresql": "the PostgreSQL protocol",
    "http": "HTTP",
    "ssh": "SSH (banner 'SSH-2.0-OpenSSH",
    "smtp": "SMTP (banner '220 ",
    "tls": "TLS",
}
#: The service checked -> (the scheme's protocol, its port variable).
CHECKS = {
    "redis": ("redis", "REDIS_PORT"),
    "postgres": ("postgresql", "POSTGRES_PORT"),
    "backend": ("http", "BACKEND_PORT"),
    "localstack": ("http", "LOCALSTACK_PORT"),
}
pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres
redis = probe_fixtures.redis
redis_auth = probe_fixtures.redis_auth
speakers = probe_fixtures.speakers
SECRETS = {"REDISCLI_AUTH": REDIS_PASSWORD, "REDIS_PASSWORD": REDIS_PASSWORD, "PGPASSWORD": PG_PASSWORD}


def port_of(request: pytest.FixtureRequest, kind: str) -> int:
    if kind in ("ssh", "smtp", "tls", "silent"):
        return int(request.getfixturevalue("speakers")[kind].port)
    return int(request.getfixturevalue(kind).port)


def env_for(name: str, port: int, **extra: str) -> dict[str, str]:
    upper = name.upper()
    return cli_env(**{f"SVC_{upper}_HOST": "127.0.0.1", f"{upper}_PORT": str(port), **SECRETS, **extra})


def no_secrets(*texts: str) -> None:
    for text in texts:
        assert REDIS_PASSWORD not in text and PG_PASSWORD not in text


def health(*args: str, env: dict[str, str]) -> tuple[int, dict[str, Any], str, float]:
    started = time.monotonic()
    out = run_cli("health", *args, "--json", env=env)
    took = time.monotonic() - started
    doc = json.loads(out.stdout)
    check_envelope(doc, "health")
    assert "Traceback" not in out.stderr
    no_secrets(out.stdout, out.stderr)
    return out.returncode, doc, out.stderr, took


@pytest.mark.parametrize("server", list(SPEAKS))
@pytest.mark.parametrize("check", list(CHECKS))
def test_each_scheme_against_each_server(request: pytest.FixtureRequest, check: str, server: str) -> None:
    port = port_of(request, server)
    expected, variable = CHECKS[check]
    speaks = SPEAKS[server]
    emulator = check == "localstack"
    args = [] if emulator else [check]
    # A silent port to the emulator check is a stuck HTTP server: it waits for the reply
    # until --timeout (kept short here); everywhere else a wrong service is named at once.
    timeout = "3" if emulator and speaks == "silent" else "30"
    code, doc, err, took = health(*args, "--timeout", timeout, env=env_for(check, port))
    if speaks == expected:
        assert code == 0, err
        if not emulator:
            assert doc["result"]["protocol"] == expected and doc["result"]["verdict"] == "healthy"
        return
    if speaks == "silent":
        assert code == 4, err
        assert "answered nothing" in err or "sent no reply" in err
        if not emulator:
            assert doc["result"]["protocol"] == "silent"
            assert took < 10, took  # judged after about a second, not after --timeout
        return
    assert code == 1, err
    assert f"port {port} speaks {LABEL[speaks]}" in err, err
    assert f"{variable} probably names the wrong service" in err, err
    assert took < 10, took  # named within about a second, never after --timeout (30 s)
    if not emulator:
        assert doc["result"]["protocol"] == speaks
        assert doc["result"]["probe"]["expected"] == expected


@pytest.mark.parametrize("server", ["redis", "postgres", "ssh", "silent"])
def test_unknown_scheme_is_tcp_only_and_says_so(request: pytest.FixtureRequest, server: str, tmp_path: Path) -> None:
    port = port_of(request, server)
    registry = tmp_path / "services.toml"
    registry.write_text(f'[services.queue]\nhost = "127.0.0.1"\nport = {port}\nscheme = "amqp"\n')
    env = cli_env(FOUNDRY_DISCOVER_REGISTRY=str(registry))
    code, doc, _, _ = health("queue", env=env)
    assert code == 0
    assert doc["result"]["protocol"] == "tcp" and "TCP only" in doc["result"]["probe"]["detail"]
    human = run_cli("health", "queue", env=env)
    assert "TCP only" in human.stdout


def test_redis_with_a_password_passes_with_a_note(redis_auth) -> None:  # type: ignore[no-untyped-def]
    env = env_for("redis", redis_auth.port, NO_COLOR="1")
    code, doc, _, _ = health("redis", env=env)
    assert code == 0
    assert "NOAUTH" in doc["result"]["probe"]["detail"]
    assert "does not authenticate" in doc["result"]["probe"]["note"]
    human = run_cli("health", "redis", env=env)
    assert human.returncode == 0 and "note: Redis requires a password" in human.stdout
    no_secrets(human.stdout, human.stderr)


def test_postgres_answer_is_pg_isready_s(postgres) -> None:  # type: ignore[no-untyped-def]
    assert postgres.isready() == (0, f"127.0.0.1:{postgres.port} - accepting connections")
    code, doc, _, _ = health("postgres", env=env_for("postgres", postgres.port))
    assert code == 0
    assert doc["result"]["probe"]["detail"].startswith("accepting connections")
    assert "SASL; none attempted" in doc["result"]["probe"]["detail"]


def test_health_path_5xx_is_up_but_failing(ministack, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.faulty import Faulty

    with Faulty("http500") as srv:
        registry = tmp_path / "services.toml"
        registry.write_text(f'[services.api]\nhost = "127.0.0.1"\nport = {srv.port}\n')
        code, doc, err, _ = health("api", env=cli_env(FOUNDRY_DISCOVER_REGISTRY=str(registry)))
    assert code == 1
    assert "up but failing: GET / answered HTTP 500" in err
    assert doc["result"]["protocol"] == "http" and doc["result"]["http_status"] == 500


def test_all_names_the_protocol_of_each(redis, postgres, speakers) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(
        SVC_REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(postgres.port),  # the wrong service
        SVC_POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT=str(postgres.port),
        NO_COLOR="1",
        **{f"SVC_{n}_HOST": "127.0.0.1" for n in ("LOCALSTACK", "BACKEND", "COMPILER", "LIVEKIT")},
        **{f"{n}_PORT": str(redis.port) for n in ("LOCALSTACK", "BACKEND", "COMPILER", "LIVEKIT")},
        **SECRETS,
    )
    out = run_cli("health", "--all", "--json", env=env)
    doc = json.loads(out.stdout)
    by_name = {c["name"]: c for c in doc["result"]["services"]}
    assert by_name["POSTGRES"]["verdict"] == "healthy" and by_name["POSTGRES"]["protocol"] == "postgresql"
    assert by_name["REDIS"]["protocol"] == "postgresql" and by_name["REDIS"]["verdict"] == "unhealthy"
    assert by_name["BACKEND"]["protocol"] == "redis"
    assert "speaks RESP (Redis), not HTTP" in " ".join(by_name["LOCALSTACK"]["reasons"])
    assert out.returncode == 1
    human = run_cli("health", "--all", env=env)
    assert "CHECKED" in human.stdout and "postgresql" in human.stdout
    no_secrets(out.stdout, out.stderr, human.stdout, human.stderr)


def test_https_scheme(ministack, speakers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """https against plain HTTP names it; against a self-signed server the certificate fails."""
    registry = tmp_path / "services.toml"
    registry.write_text(
        f'[services.plain]\nhost = "127.0.0.1"\nport = {ministack.port}\nscheme = "https"\n'
        f'[services.selfsigned]\nhost = "127.0.0.1"\nport = {speakers["tls"].port}\nscheme = "https"\n'
    )
    env = cli_env(FOUNDRY_DISCOVER_REGISTRY=str(registry))
    code, doc, err, _ = health("plain", env=env)
    assert code == 1
    assert "speaks HTTP" in err and "not HTTPS" in err and "scheme to http" in err
    assert doc["result"]["protocol"] == "http"
    code, doc, err, _ = health("selfsigned", env=env)
    assert code == 1
    assert "TLS with 127.0.0.1" in err and "CERTIFICATE_VERIFY_FAILED" in err
    assert doc["result"]["protocol"] == "tls" and doc["result"]["probe"]["state"] == "failing"
