"""`health NAME` for Redis or PostgreSQL loads only what its check needs.

The per-service check lives in ``servicecheck``; the emulator check (``health``), httpx
and JSON belong to the emulator, ``--all`` and ``--wait``. Each case runs the real CLI in
a fresh interpreter against a real server, so it also proves the check still passes.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env

redis = probe_fixtures.redis
pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres

#: Modules `health redis` must not import: the emulator check, its HTTP client, JSON, and
#: the idna codec that getaddrinfo applies to a str host (servicecheck passes ASCII as bytes).
NOT_NEEDED = ("foundry_discover.health", "httpx", "json", "encodings.idna", "rich")

CODE = (
    "import sys\n"
    "from foundry_discover.cli import main\n"
    "sys.argv = ['foundry-discover', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    f"loaded = [m for m in {NOT_NEEDED!r} if m in sys.modules]\n"
    "print('LOADED=' + ','.join(loaded) + f' CODE={code}')\n"
)


def loaded_by(*args: str, env: dict[str, str]) -> tuple[list[str], str]:
    out = subprocess.run([sys.executable, "-c", CODE, *args], capture_output=True, text=True, env=env, timeout=60)
    marker = out.stdout.rsplit("LOADED=", 1)[-1]
    names, _, code = marker.partition(" CODE=")
    assert code.strip() == "0", out.stdout + out.stderr
    return [n for n in names.split(",") if n], out.stdout


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_health_redis_loads_neither_the_emulator_check_nor_httpx(redis, host: str) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(SVC_REDIS_HOST=host, REDIS_PORT=str(redis.port), NO_COLOR="1")
    loaded, stdout = loaded_by("health", "redis", env=env)
    assert loaded == [], stdout
    assert "PONG" in stdout


def test_health_postgres_loads_neither_the_emulator_check_nor_httpx(postgres) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(SVC_POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(postgres.port), NO_COLOR="1")
    loaded, stdout = loaded_by("health", "postgres", env=env)
    assert loaded == [], stdout
    assert "accepting connections" in stdout


def test_health_redis_json_loads_json_only(redis) -> None:  # type: ignore[no-untyped-def]
    # The other side of the same check: --json does need json, and only that.
    env = cli_env(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port))
    loaded, stdout = loaded_by("health", "redis", "--json", env=env)
    assert loaded == ["json"], stdout
    assert '"protocol": "redis"' in stdout
