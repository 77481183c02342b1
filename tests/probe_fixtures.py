"""Real Redis and PostgreSQL servers and speak-first stand-ins, for the protocol checks.

Import the fixtures a module needs (``from tests.probe_fixtures import redis, postgres``).
Outside CI they skip when redis-server or PostgreSQL is missing (scripts/check installs
both); in CI they fail instead.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import need
from tests.support import realservers
from tests.support.faulty import Faulty
from tests.support.realservers import PostgresCluster, PostgresServer, RedisServer


def need_redis() -> None:
    need(realservers.redis_installed(), "redis-server is not installed (run scripts/check, which installs it)")


def need_postgres() -> None:
    need(realservers.pg_bindir() is not None, "PostgreSQL is not installed (run scripts/check, which installs it)")


def need_openssl() -> None:
    need(shutil.which("openssl") is not None, "openssl is not installed (the TLS stand-in needs a certificate)")


@pytest.fixture(scope="session")
def redis() -> Iterator[RedisServer]:
    need_redis()
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_auth() -> Iterator[RedisServer]:
    """A Redis with requirepass: PING answers -NOAUTH."""
    need_redis()
    server = RedisServer(realservers.REDIS_PASSWORD)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    need_postgres()
    cluster = PostgresCluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def postgres(pg_cluster: PostgresCluster) -> PostgresServer:
    """A PostgreSQL accepting connections (scram-sha-256: a password is set, never sent)."""
    return pg_cluster.start()


@pytest.fixture(scope="session")
def speakers() -> Iterator[dict[str, Faulty]]:
    """Servers that are not what the scheme promises: SSH and SMTP speak first, a TLS
    server (self-signed), and a silent one."""
    need_openssl()
    found = {kind: Faulty(kind).__enter__() for kind in ("ssh", "smtp", "tls", "silent")}
    yield found
    for server in found.values():
        server.stop()


@contextlib.contextmanager
def redis_later(port: int, after: float) -> Iterator[None]:
    """A real redis-server that starts listening on ``port`` ``after`` seconds from now."""
    need_redis()
    late: list[RedisServer] = []
    timer = threading.Timer(after, lambda: late.append(RedisServer(port=port)))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        for server in late:
            server.stop()
