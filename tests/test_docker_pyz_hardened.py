"""The .pyz in hardened containers of the private dockerd, started as a hardened pod runs.

Every container here is ``--read-only --user UID:GID --cap-drop ALL`` with nothing but the
host's ``/usr/bin/python3`` (its site-packages hidden) and the .pyz mounted read-only; the
variants are the ones a pod spec produces: a UID with no passwd entry or ``nobody``, HOME
unset or Docker's default, no writable folder at all, a ``noexec`` tmpfs on /tmp, an
emptyDir-like tmpfs named by FOUNDRY_DISCOVER_PYZ_CACHE. A real redis-server (the host's,
in a container of its own) is the service the healthcheck forms check.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.pyz_fixtures import pyz
from tests.support import docker, realservers
from tests.support.docker import Engine

__all__ = ["pyz"]
PYZ = "/opt/foundry-discover.pyz"
HARDENED = ["--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges"]
#: (user, HOME): no passwd entry with HOME unset, the same with Docker's HOME=/, and nobody (home /nonexistent).
WHO = {
    "uid-12345-no-home": ("12345:12345", None),
    "uid-12345-docker-home": ("12345:12345", "docker"),
    "nobody": ("65534:65534", "docker"),
}
TO_REDIS = {"SVC_REDIS_HOST": "redis", "REDIS_PORT": "6379", "NO_COLOR": "1"}
#: An emulator nothing listens on: secret gets as far as connecting (exit 4), never to AWS.
NOWHERE = {
    "SVC_LOCALSTACK_HOST": "127.0.0.1",
    "LOCALSTACK_PORT": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_COLOR": "1",
}


@pytest.fixture(scope="module")
def network(docker_engine: Engine) -> Iterator[str]:
    """A user network with a real redis-server named ``redis`` on it."""
    need(realservers.redis_installed(), "redis-server is not installed (scripts/check installs it)")
    name = f"fdpyz-{uuid.uuid4().hex[:8]}"
    net = docker_engine.docker("network", "create", name).stdout.strip()
    redis = ""
    try:
        started = docker.run(
            docker_engine,
            "redis-server",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            network=name,
            name=f"{name}-redis",
            detach=True,
            extra=["--network-alias=redis", "--user=65534:65534", *HARDENED],
        )
        assert started.returncode == 0, started.stderr
        redis = started.stdout.strip()
        yield name
    finally:
        if redis:
            docker_engine.docker("rm", "--force", redis, check=False)
        docker_engine.docker("network", "rm", net, check=False)


def in_hardened(
    engine: Engine,
    pyz: Path,
    who: str,
    *args: str,
    network: str | None = None,
    env: dict[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """``python3 -I foundry-discover.pyz ARGS`` in a hardened container as ``who``."""
    user, home = WHO[who]
    # Docker always sets HOME (to / for a UID with no passwd entry): `env -u` takes it away.
    command = ["/usr/bin/python3", "-I", PYZ, *args]
    if home is None:
        command = ["/usr/bin/env", "-u", "HOME", *command]
    flags = [*HARDENED, f"--user={user}", *docker.bare_python_flags(pyz, PYZ), *extra]
    return docker.run(engine, *command, network=network, env=env, extra=flags)


def one_line_unpack_error(out: subprocess.CompletedProcess[str], command: str) -> None:
    assert out.returncode == 3, f"{out.stdout}\n{out.stderr}"
    assert "Traceback" not in out.stderr
    (line,) = out.stderr.splitlines()
    assert line.startswith(f"error: foundry-discover.pyz must unpack itself for {command}, but "), line
    assert "FOUNDRY_DISCOVER_PYZ_CACHE at a writable emptyDir or tmpfs mount" in line, line


@pytest.mark.parametrize("who", list(WHO))
def test_nothing_writable_healthcheck_forms_and_url_run_from_the_zip(
    docker_engine: Engine, pyz: Path, network: str, who: str
) -> None:
    health = in_hardened(docker_engine, pyz, who, "health", "redis", network=network, env=TO_REDIS)
    assert health.returncode == 0, f"{health.stdout}\n{health.stderr}"
    assert "redis" in health.stdout.lower()
    as_json = in_hardened(docker_engine, pyz, who, "health", "redis", "--json", network=network, env=TO_REDIS)
    assert json.loads(as_json.stdout)["ok"] is True, as_json.stderr
    url = in_hardened(docker_engine, pyz, who, "url", "redis", env=TO_REDIS)
    assert (url.returncode, url.stdout) == (0, "redis://redis:6379\n"), url.stderr
    # The emulator form goes through httpx: its CA bundle is read from the zip, not copied to /tmp.
    emulator = in_hardened(docker_engine, pyz, who, "health", "--url", "http://127.0.0.1:1", "--timeout", "3")
    assert emulator.returncode == 4, f"{emulator.stdout}\n{emulator.stderr}"
    assert "Traceback" not in emulator.stderr and emulator.stderr.startswith("error: "), emulator.stderr


@pytest.mark.parametrize("who", list(WHO))
def test_nothing_writable_secret_and_doctor_stop_with_exit_3_in_one_line(
    docker_engine: Engine, pyz: Path, who: str
) -> None:
    secret = in_hardened(docker_engine, pyz, who, "secret", "get", "db", env=NOWHERE)
    one_line_unpack_error(secret, "secret")
    home = "/nonexistent/.cache, " if who == "nobody" else "/.cache, " if WHO[who][1] else ""
    assert f"nothing here is writable (tried {home}/tmp, /var/tmp)." in secret.stderr, secret.stderr
    doctor = in_hardened(docker_engine, pyz, who, "doctor", "--json", env=NOWHERE)
    assert doctor.returncode == 3, doctor.stderr
    error = json.loads(doctor.stdout)["error"]
    assert (error["type"], error["exit_code"]) == ("config", 3)
    assert "FOUNDRY_DISCOVER_PYZ_CACHE" in error["fix"] and "emptyDir" in error["fix"]


def test_a_named_cache_that_is_not_writable_is_named(docker_engine: Engine, pyz: Path) -> None:
    env = {**NOWHERE, "FOUNDRY_DISCOVER_PYZ_CACHE": "/cache"}
    out = in_hardened(docker_engine, pyz, "uid-12345-no-home", "secret", "get", "db", env=env)
    one_line_unpack_error(out, "secret")
    assert "FOUNDRY_DISCOVER_PYZ_CACHE=/cache is not a writable folder" in out.stderr


@pytest.mark.parametrize("who", ["uid-12345-no-home", "nobody"])
def test_a_noexec_tmp_is_enough_to_unpack(docker_engine: Engine, pyz: Path, network: str, who: str) -> None:
    """Everything bundled is pure Python: it is read, never executed, so noexec does not matter."""
    tmp = ("--tmpfs=/tmp:rw,noexec,nosuid,nodev,size=96m,mode=1777",)
    secret = in_hardened(docker_engine, pyz, who, "secret", "get", "db", env=NOWHERE, extra=tmp)
    assert secret.returncode == 4, f"{secret.stdout}\n{secret.stderr}"  # unpacked, then the emulator is down
    assert "127.0.0.1:1" in secret.stderr and "Traceback" not in secret.stderr
    doctor = in_hardened(docker_engine, pyz, who, "doctor", "redis", network=network, env=TO_REDIS, extra=tmp)
    assert doctor.returncode == 0, f"{doctor.stdout}\n{doctor.stderr}"


def test_an_emptydir_named_by_the_cache_variable_is_used(docker_engine: Engine, pyz: Path, network: str) -> None:
    cache = ("--tmpfs=/cache:rw,noexec,nosuid,nodev,size=96m,uid=12345,gid=12345,mode=0700",)
    env = {**TO_REDIS, "FOUNDRY_DISCOVER_PYZ_CACHE": "/cache"}
    script = f"/usr/bin/python3 -I {PYZ} doctor redis && ls /cache"
    flags = [*HARDENED, "--user=12345:12345", *docker.bare_python_flags(pyz, PYZ), *cache]
    out = docker.run(docker_engine, "/bin/sh", "-c", script, network=network, env=env, extra=flags)
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    assert out.stdout.splitlines()[-1].isalnum(), out.stdout  # the build's folder, named by its id
