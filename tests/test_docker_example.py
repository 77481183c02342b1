"""Scenario 4 of the Docker tier: examples/compose/docker-compose.yml is the file that runs.

``docker compose -f examples/compose/docker-compose.yml -f override.yml``: the override only
swaps the images for the local base image (no registry here: MiniStack plays LocalStack),
adds read-only mounts, and moves the published port to a free one on 127.0.0.1. The
service names, network, healthcheck command, environment and depends_on are the example's,
and the first test checks that the merged configuration still says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, need
from tests.pyz_fixtures import pyz
from tests.support import docker, emulators
from tests.support.docker import Engine, Project

EXAMPLE = ROOT / "examples" / "compose" / "docker-compose.yml"
PYZ = "/opt/foundry-discover.pyz"  # where the example mounts the .pyz
__all__ = ["pyz"]


def override(pyz: Path) -> str:
    """The override file: images, mounts, and the port (``!override`` replaces the example's list)."""
    ministack = docker.emulator_service("ministack", volumes=docker.volumes(docker.emulator_paths("ministack")))
    localstack = {**ministack, "volumes": [*ministack["volumes"], f"{pyz}:{PYZ}:ro"]}
    backend = {
        "image": docker.BASE_IMAGE,
        "pull_policy": "never",
        "init": True,
        "command": ["sleep", "infinity"],
        "volumes": ["/usr:/usr:ro", f"{pyz}:{PYZ}:ro"],
    }
    text: str = yaml.safe_dump({"services": {"localstack": localstack, "foundry-backend": backend}}, sort_keys=False)
    # The example publishes 127.0.0.1:4566, which another LocalStack on this machine may hold.
    return text.replace("  localstack:\n", '  localstack:\n    ports: !override ["127.0.0.1::4566"]\n', 1)


@pytest.fixture(scope="module")
def example(docker_engine: Engine, pyz: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    need(emulators.is_installed("ministack"), "MiniStack is not installed (scripts/check installs it)")
    docker.base_image(docker_engine)
    path = tmp_path_factory.mktemp("example") / "override.yml"
    path.write_text(override(pyz))
    yield from Project(docker_engine, "fdexample", [EXAMPLE, path]).running()


def test_the_override_keeps_the_example_as_written(example: Project) -> None:
    written: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    merged: dict[str, Any] = json.loads(example("config", "--format=json").stdout)
    assert set(merged["services"]) == set(written["services"])
    assert set(merged["networks"]) == set(written["networks"]) == {"foundry"}
    for name, service in written["services"].items():
        run = merged["services"][name]
        assert set(run["networks"]) == set(service["networks"]), name
        environment = [f"{k}={v}" for k, v in (run.get("environment") or {}).items()]
        assert set(service.get("environment", [])) <= set(environment), name  # MiniStack adds its own
    localstack, backend = merged["services"]["localstack"], merged["services"]["foundry-backend"]
    assert localstack["healthcheck"]["test"] == written["services"]["localstack"]["healthcheck"]["test"]
    assert {k: v["condition"] for k, v in backend["depends_on"].items()} == {"localstack": "service_healthy"}
    assert [(p["host_ip"], p["target"]) for p in localstack["ports"]] == [("127.0.0.1", 4566)]


def test_the_examples_healthcheck_passes_and_gates_the_backend(example: Project) -> None:
    health = example.inspect("localstack")["State"]["Health"]
    assert health["Status"] == "healthy", health
    assert example.inspect("foundry-backend")["State"]["Running"] is True


def test_doctor_passes_in_the_examples_backend(example: Project) -> None:
    out = example.exec("foundry-backend", "python3", "-I", PYZ, "doctor", "localstack", env={"NO_COLOR": "1"})
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    assert "localstack" in out.stdout.lower()
