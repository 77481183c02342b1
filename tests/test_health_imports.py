"""`health NAME` for Redis or PostgreSQL loads only what its check needs.

The per-service check lives in ``servicecheck``; the emulator check (``health``), httpx
and JSON belong to the emulator, ``--all`` and ``--wait``. Each case runs the real CLI in
a fresh interpreter against a real server, so it also proves the check still passes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env

redis = probe_fixtures.redis
pg_cluster = probe_fixtures.pg_cluster
postgres = probe_fixtures.postgres

#: Modules `health redis` must not import: the emulator check, its HTTP client, JSON, and
#: the idna codec that getaddrinfo applies to a str host (servicecheck passes ASCII as bytes).
NOT_NEEDED = (
    "foundry_discover.checks.emulator.check",
    "foundry_discover.checks.httpget",
    "httpx",
    "json",
    "encodings.idna",
    "rich",
)

CODE = (
    "import sys\n"
    "from foundry_discover.lite.main import main\n"
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


# ---- the quick start: `health NAME` runs on the standard library's minimum -------------------

#: Beyond what `python -S` has loaded at start-up: what site loads in every normal start
#: anyway (os and its helpers), `__future__` (our modules' annotations import), and the
#: C socket module. No typer, click, typing, dataclasses, inspect, socket, signal, enum,
#: re, struct or json: each costs a healthcheck more than a PING on loopback takes.
ALLOWED = {"__future__", "_collections_abc", "_socket", "_stat", "genericpath", "os", "os.path", "posixpath", "stat"}

BARE = (
    "import sys\n"
    "bare = set(sys.modules)\n"
    "from foundry_discover.lite.main import main\n"
    "sys.argv = ['foundry-discover', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "extra = sorted(m for m in set(sys.modules) - bare if not m.startswith('foundry_discover'))\n"
    "print('LOADED=' + ','.join(extra) + f' CODE={code}')\n"
)


def loaded_from_bare(*args: str, env: dict[str, str]) -> tuple[set[str], str]:
    # -S: no site, so nothing a .pth file imports (an editable install's finder loads re,
    # pathlib and more) hides what the command itself imports; the package comes from PYTHONPATH.
    # Typer (for the forms it gets) comes from the venv's site-packages, named explicitly.
    path = [str(Path(__file__).resolve().parent.parent), sysconfig.get_paths()["purelib"]]
    out = subprocess.run(
        [sys.executable, "-S", "-c", BARE, *args],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.pathsep.join(path)},
        timeout=60,
    )
    names, _, code = out.stdout.rsplit("LOADED=", 1)[-1].partition(" CODE=")
    assert code.strip() == "0", out.stdout + out.stderr
    return {n for n in names.split(",") if n}, out.stdout


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_health_redis_imports_nothing_but_the_socket(redis, host: str) -> None:  # type: ignore[no-untyped-def]
    # localhost: a name is looked up in a thread of its own (servicecheck), on _thread.
    env = cli_env(SVC_REDIS_HOST=host, REDIS_PORT=str(redis.port), NO_COLOR="1")
    loaded, stdout = loaded_from_bare("health", "redis", env=env)
    assert loaded <= ALLOWED, sorted(loaded - ALLOWED)
    assert "PONG" in stdout


def test_health_postgres_imports_nothing_but_the_socket(postgres) -> None:  # type: ignore[no-untyped-def]
    env = cli_env(SVC_POSTGRES_HOST="127.0.0.1", POSTGRES_PORT=str(postgres.port), NO_COLOR="1")
    loaded, stdout = loaded_from_bare("health", "postgres", "--timeout", "5", env=env)
    assert loaded <= ALLOWED, sorted(loaded - ALLOWED)
    assert "accepting connections" in stdout


def test_the_typer_path_is_what_the_quick_start_avoids(redis) -> None:  # type: ignore[no-untyped-def]
    # The other side: a form the quick start leaves to Typer loads Typer (so the checks
    # above would see it if `health NAME` ever went that way).
    env = cli_env(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port), NO_COLOR="1")
    loaded, _ = loaded_from_bare("health", "redis", "--timeout", "5e0", env=env)
    assert {"typer", "typing"} <= loaded
