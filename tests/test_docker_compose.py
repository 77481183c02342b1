"""The Docker tier: the seed's stack in real containers on a private dockerd, with Compose v2.

Each module-scoped fixture brings one Compose project up once and its tests share it. Images
come from no registry (tests/support/docker.py imports a bare root filesystem and mounts the
host's /usr and Pythons read-only); every name that Docker's DNS does not own gets NXDOMAIN
from our own dnsmasq on the bridge, so nothing is asked of the outside.

1. The seed's Compose file: MiniStack as ``localstack`` and ``foundry-backend`` on network
   ``foundry``, the backend gated on ``foundry-discover health`` as localstack's healthcheck;
   ``doctor localstack`` inside the backend passes and saw Docker's embedded DNS.
3. The .pyz in a container with nothing but a bare python3.
4. ``examples/compose/docker-compose.yml`` itself, with an override that only swaps images
   and adds mounts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, cli_env, need, run_cli
from tests.pyz_fixtures import pyz
from tests.support import docker, emulators
from tests.support.docker import Engine, Project

EXAMPLE = ROOT / "examples" / "compose" / "docker-compose.yml"
# No AWS set-up of this machine's, and no metadata endpoint: credentials are LocalStack's test ones.
AWS_OFF = {"AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1"}
__all__ = ["pyz"]  # the session's .pyz build, shared with the other .pyz tests


def envelope(text: str) -> dict[str, Any]:
    doc = json.loads(text)
    assert isinstance(doc, dict)
    return doc


def when(stamp: str) -> datetime:
    """Docker's RFC 3339 timestamps carry nanoseconds: cut to microseconds for datetime."""
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", stamp.replace("Z", "+00:00"))
    return datetime.fromisoformat(stamp)


# ---- 1. the seed's Compose file -------------------------------------------------------------


def seed_compose(kind: str = "ministack") -> dict[str, Any]:
    """The seed's file, with ``kind`` (MiniStack or real LocalStack) as the service `localstack`."""
    tool = docker.tool()
    return {
        "services": {
            "localstack": docker.emulator_service(
                kind,
                ports=["127.0.0.1::4566"],  # the seed's '4566:4566', on loopback and a free host port
                healthcheck={
                    "test": ["CMD", tool, "health", "--url", "http://127.0.0.1:4566", "--require", "secretsmanager"],
                    "interval": "1s",
                    "timeout": "10s",
                    "retries": 60,
                },
                networks=["foundry"],
            ),
            "foundry-backend": {
                "image": docker.BASE_IMAGE,
                "pull_policy": "never",
                "init": True,
                "command": ["sleep", "infinity"],
                "environment": ["SVC_LOCALSTACK_HOST=localstack", "LOCALSTACK_PORT=4566", "ENVIRONMENT=development"],
                "volumes": docker.volumes(docker.host_paths()),
                "depends_on": {"localstack": {"condition": "service_healthy"}},
                "networks": ["foundry"],
            },
        },
        "networks": {"foundry": {}},
    }


@pytest.fixture(scope="module", params=["ministack", "localstack"])
def seed(
    request: pytest.FixtureRequest, docker_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Project]:
    """The seed's stack, once with MiniStack and once with real LocalStack as `localstack`."""
    kind = request.param
    need(emulators.is_installed(kind), f"{kind} is not installed (scripts/check installs it)")
    docker.base_image(docker_engine)
    path = docker.write_json(tmp_path_factory.mktemp("seed") / "docker-compose.json", seed_compose(kind))
    yield from Project(docker_engine, f"fdseed-{kind}", [path]).running()


def test_backend_starts_only_once_the_healthcheck_passed(seed: Project) -> None:
    localstack, backend = seed.inspect("localstack"), seed.inspect("foundry-backend")
    health = localstack["State"]["Health"]
    assert health["Status"] == "healthy", health
    passed = [when(probe["End"]) for probe in health["Log"] if probe["ExitCode"] == 0]
    assert passed, health["Log"]
    assert when(backend["State"]["StartedAt"]) >= min(passed), "depends_on service_healthy was not honoured"
    networks = {seed.network("foundry")}
    assert set(localstack["NetworkSettings"]["Networks"]) == networks
    assert set(backend["NetworkSettings"]["Networks"]) == networks


def test_doctor_inside_the_backend_passes_and_saw_the_embedded_dns(seed: Project) -> None:
    out = seed.exec("foundry-backend", docker.tool(), "doctor", "localstack", "--json", env=AWS_OFF)
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    result = envelope(out.stdout)["result"]
    runtime = result["runtime"]
    assert (runtime["kind"], runtime["docker_dns"]) == ("container", True), runtime
    assert any("127.0.0.11" in line for line in runtime["evidence"]), runtime["evidence"]
    (service,) = result["services"]
    steps = {step["name"]: step for step in service["steps"]}
    assert [s["status"] for s in service["steps"]] == ["pass"] * len(steps), service["steps"]
    assert {"resolve", "connect", "protocol", "aws"} <= set(steps)
    network = seed.inspect("localstack")["NetworkSettings"]["Networks"][seed.network("foundry")]
    assert steps["resolve"]["data"]["addresses"] == [network["IPAddress"]], "localstack's address on `foundry`"


def test_published_port_is_on_loopback_and_answers_from_the_host(seed: Project) -> None:
    port = seed.port("localstack", 4566)
    out = run_cli("health", "--url", f"http://127.0.0.1:{port}", "--require", "secretsmanager", env=cli_env(**AWS_OFF))
    assert out.returncode == 0, out.stderr


def test_names_docker_does_not_own_get_nxdomain_from_our_dns(seed: Project, docker_engine: Engine) -> None:
    assert docker_engine.dnsmasq is not None
    mark = docker_engine.dnsmasq.mark()
    out = seed.exec("foundry-backend", docker.tool(), "resolve", "nosuch.example", "--json", env=AWS_OFF)
    assert out.returncode != 0, out.stdout
    assert ("A", "nosuch.example") in docker_engine.dnsmasq.queries(mark), "the embedded DNS must forward to ours"


# ---- 3. the .pyz in a container with nothing but a bare python3 ----------------------------

PYZ = "/opt/foundry-discover.pyz"


@pytest.fixture(scope="module")
def bare(seed: Project, pyz: Path) -> Iterator[str]:
    """A container on the seed's `foundry` network: python3 without site-packages, and the .pyz."""
    need(Path("/usr/bin/python3").exists(), "/usr/bin/python3 is missing (Debian package python3)")
    name = "fd-bare-python"
    flags = docker.bare_python_flags(pyz, PYZ)
    started = docker.run(
        seed.engine, "sleep", "infinity", network=seed.network("foundry"), name=name, detach=True, extra=flags
    )
    assert started.returncode == 0, started.stderr
    try:
        yield name
    finally:
        seed.engine.docker("rm", "--force", name, check=False)


def in_bare(engine: Engine, name: str, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    flags = [f"--env={k}={v}" for k, v in {**AWS_OFF, **env}.items()]
    return engine.docker("exec", *flags, name, *command, check=False)


def test_the_bare_python_has_only_the_standard_library(docker_engine: Engine, bare: str) -> None:
    version = in_bare(docker_engine, bare, "python3", "-I", "-c", "import sys; print(sys.version_info >= (3, 10))")
    assert version.stdout.strip() == "True", version.stderr
    for module in ("yaml", "httpx", "typer"):  # yaml is in the host's Debian dist-packages
        probe = in_bare(docker_engine, bare, "python3", "-I", "-c", f"import {module}")
        assert "ModuleNotFoundError" in probe.stderr, f"{module} must not be importable: {probe.stderr}"


def test_pyz_url_health_and_doctor_on_a_bare_python(docker_engine: Engine, bare: str) -> None:
    env = {"SVC_LOCALSTACK_HOST": "localstack", "LOCALSTACK_PORT": "4566", "ENVIRONMENT": "development"}
    url = in_bare(docker_engine, bare, "python3", "-I", PYZ, "url", "localstack", **env)
    assert (url.returncode, url.stdout) == (0, "http://localstack:4566\n"), url.stderr
    health = in_bare(docker_engine, bare, "python3", "-I", PYZ, "health", "--require", "secretsmanager", **env)
    assert health.returncode == 0, f"{health.stdout}\n{health.stderr}"
    doctor = in_bare(docker_engine, bare, "python3", "-I", PYZ, "doctor", "localstack", "--json", **env)
    assert doctor.returncode == 0, f"{doctor.stdout}\n{doctor.stderr}"
    result = envelope(doctor.stdout)["result"]
    assert result["runtime"]["docker_dns"] is True
    assert [s["status"] for s in result["services"][0]["steps"]][-1:] == ["pass"]


# ---- the fixture itself ---------------------------------------------------------------------


def test_on_the_default_bridge_container_names_do_not_resolve(seed: Project, docker_engine: Engine) -> None:
    """A plain `docker run` lands on Docker's default bridge: no embedded DNS, only our dnsmasq."""
    assert docker_engine.dnsmasq is not None
    name = seed.inspect("localstack")["Name"].lstrip("/")
    mark = docker_engine.dnsmasq.mark()
    code = f"import socket; print(open('/etc/resolv.conf').read()); socket.getaddrinfo({name!r}, 4566)"
    out = docker.run_on_default_bridge(docker_engine, "python3", "-I", "-c", code)
    assert out.returncode == 1 and "gaierror" in out.stderr, out.stderr
    assert f"nameserver {docker.GATEWAY}" in out.stdout and "127.0.0.11" not in out.stdout, out.stdout
    assert ("A", name) in docker_engine.dnsmasq.queries(mark)


def test_a_second_session_waits_for_the_lock_then_says_who_holds_it(docker_engine: Engine) -> None:
    with pytest.raises(RuntimeError, match=rf"held by pid {os.getpid()} .*another test session is using Docker"):
        docker._acquire_lock(timeout=0.3)
