"""The product image: the root Dockerfile built with the real ``docker build``, then used.

Offline (tests/support/image.py): BASE is a locally imported image with a real Python and
pip, and pip installs from a wheelhouse in the build context. The image then runs as a
user would run it beside a broken stack: ``docker run --network PROJECT_default IMAGE
doctor`` in a Compose project (MiniStack as ``localstack``, the host's redis-server as
``redis``), with the Docker socket mounted read-only for the Docker facts, and hardened
(``--read-only --user UID --cap-drop ALL``).
"""

from __future__ import annotations

import ast
import json
import statistics
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from foundry_discover import __version__
from tests.conftest import ROOT, need
from tests.support import docker, emulators, image, realservers
from tests.support.docker import Engine, Project

HARDENED = ["--read-only", "--cap-drop=ALL", "--security-opt=no-new-privileges"]
ENV = {"ENVIRONMENT": "development", "AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1"}
PROJECT = "fdimage"


@pytest.fixture(scope="module")
def built(docker_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[image.Built]:
    base = image.python_base(docker_engine)
    work = tmp_path_factory.mktemp("image")
    wheels = image.wheelhouse(work / "wheels")
    context = image.context(work / "context", wheels)
    done = image.build(docker_engine, context, f"foundry-discover-test/image:{uuid.uuid4().hex[:8]}", base)
    ident = docker_engine.inspect(done.image)[0]["Id"]
    try:
        yield done
    finally:
        docker_engine.docker("rmi", "--force", ident, check=False)


def stack_file() -> dict[str, Any]:
    redis = {
        "image": docker.BASE_IMAGE,
        "pull_policy": "never",
        "init": True,
        "user": "65534:65534",
        "command": ["redis-server", "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
        "volumes": docker.volumes(()),
        "healthcheck": {"test": ["CMD", "redis-cli", "ping"], "interval": "1s", "retries": 30},
    }
    health = [docker.tool(), "health", "--url", "http://127.0.0.1:4566", "--require", "secretsmanager"]
    localstack = docker.emulator_service(
        "ministack", healthcheck={"test": ["CMD", *health], "interval": "1s", "timeout": "10s", "retries": 60}
    )
    return {"services": {"localstack": localstack, "redis": redis}}


@pytest.fixture(scope="module")
def stack(docker_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    need(emulators.is_installed("ministack"), "MiniStack is not installed (scripts/check installs it)")
    need(realservers.redis_installed(), "redis-server is not installed (scripts/check installs it)")
    docker.base_image(docker_engine)
    path = docker.write_json(tmp_path_factory.mktemp("stack") / "compose.json", stack_file())
    yield from Project(docker_engine, PROJECT, [path]).running()


def run_image(
    engine: Engine, built: image.Built, *args: str, flags: tuple[str, ...] = (), timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = [f"--env={k}={v}" for k, v in ENV.items()]
    return engine.docker("run", "--rm", *env, *flags, built.image, *args, check=False, timeout=timeout)


def test_the_image_is_labelled_non_root_and_runs_the_tool(docker_engine: Engine, built: image.Built) -> None:
    config = docker_engine.inspect(built.image)[0]["Config"]
    assert (config["Entrypoint"], config["Cmd"]) == (["foundry-discover"], ["--help"])
    assert config["User"] == "10001:10001"
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == "foundry-discover"
    assert labels["org.opencontainers.image.version"] == __version__
    assert labels["org.opencontainers.image.licenses"] == "MIT"
    assert labels["org.opencontainers.image.base.name"] == image.PYTHON_BASE  # the BASE it was built on
    out = run_image(docker_engine, built, "--version")
    assert (out.returncode, out.stdout) == (0, f"foundry-discover {__version__}\n"), out.stderr
    user = run_image(docker_engine, built, "-c", "id -u; id -un", flags=("--entrypoint=/bin/sh",))
    assert user.stdout.split() == ["10001", "foundry"], user.stderr


def test_completions_and_bytecode_are_installed(docker_engine: Engine, built: image.Built) -> None:
    share = "/usr/local/share"
    files = [
        f"{share}/bash-completion/completions/foundry-discover",
        f"{share}/zsh/site-functions/_foundry-discover",
        f"{share}/fish/vendor_completions.d/foundry-discover.fish",
    ]
    out = run_image(docker_engine, built, "-c", f"cat {' '.join(files)}", flags=("--entrypoint=/bin/sh",))
    assert out.returncode == 0, out.stderr
    assert "foundry-discover" in out.stdout and "complete" in out.stdout
    code = "import foundry_discover.cli.doctor as m, importlib.util as u, os\n"
    code += "print(os.path.exists(u.cache_from_source(m.__file__)))"
    pyc = run_image(docker_engine, built, "-c", code, flags=("--entrypoint=python3",))
    assert pyc.stdout.strip() == "True", pyc.stderr  # compiled at build time: a read-only root loses nothing


def test_botocore_keeps_the_models_the_pyz_keeps(docker_engine: Engine, built: image.Built) -> None:
    code = "import botocore, os; d = os.path.join(os.path.dirname(botocore.__file__), 'data')\n"
    code += "print(' '.join(sorted(m for m in os.listdir(d) if os.path.isdir(os.path.join(d, m)))))"
    models = run_image(docker_engine, built, "-c", code, flags=("--entrypoint=python3",))
    tree = ast.parse((ROOT / "scripts" / "build_pyz.py").read_text())
    assigned = [n for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "KEEP_MODELS"]
    keep = ast.literal_eval(assigned[0].value)
    assert models.stdout.split() == sorted(keep), models.stderr


def test_doctor_passes_from_the_projects_network(docker_engine: Engine, built: image.Built, stack: Project) -> None:
    net = f"--network={stack.network('default')}"
    out = run_image(docker_engine, built, "doctor", "localstack", "redis", "--json", flags=(net, *HARDENED))
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    result = json.loads(out.stdout)["result"]
    assert result["runtime"]["kind"] == "container" and result["runtime"]["docker_dns"] is True
    steps = {s["name"]: {step["name"]: step["status"] for step in s["steps"]} for s in result["services"]}
    assert set(steps) == {"LOCALSTACK", "REDIS"}
    for name, statuses in steps.items():
        assert set(statuses.values()) <= {"pass", "skip"} and statuses["protocol"] == "pass", (name, statuses)
    assert steps["LOCALSTACK"]["aws"] == "pass"
    people = run_image(docker_engine, built, "doctor", "localstack", "redis", flags=(net,))
    assert people.returncode == 0 and "Traceback" not in people.stderr, people.stderr


def test_the_socket_mounted_read_only_gives_the_docker_facts(
    docker_engine: Engine, built: image.Built, stack: Project
) -> None:
    group = docker_engine.socket.stat().st_gid  # the image's user reaches the socket through its group
    flags = (
        f"--network={stack.network('default')}",
        f"--volume={docker_engine.socket}:/var/run/docker.sock:ro",
        f"--group-add={group}",
        *HARDENED,
    )
    out = run_image(docker_engine, built, "doctor", "redis", "--json", flags=flags)
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    facts = json.loads(out.stdout)["result"]["docker"]
    assert facts["reachable"] is True and facts["api_version"], facts
    target = facts["targets"]["REDIS"]
    assert target["found_by"] == "Compose service label"
    assert (target["container"]["state"], target["container"]["health"]["status"]) == ("running", "healthy")
    assert target["container"]["networks"][0]["name"] == stack.network("default")


@pytest.mark.parametrize("user", ["12345:12345", "65534:65534"])
def test_it_runs_read_only_as_any_uid_with_no_capabilities(
    docker_engine: Engine, built: image.Built, stack: Project, user: str
) -> None:
    flags = (f"--network={stack.network('default')}", *HARDENED, f"--user={user}")
    health = run_image(docker_engine, built, "health", "redis", flags=flags)
    assert health.returncode == 0, f"{health.stdout}\n{health.stderr}"
    emulator = run_image(docker_engine, built, "health", "--require", "secretsmanager", flags=flags)
    assert emulator.returncode == 0, f"{emulator.stdout}\n{emulator.stderr}"
    doctor = run_image(docker_engine, built, "doctor", "localstack", "redis", flags=flags)
    assert doctor.returncode == 0, f"{doctor.stdout}\n{doctor.stderr}"


def test_audit_reads_a_repository_mounted_read_only(docker_engine: Engine, built: image.Built) -> None:
    """The image carries the audit extra (PyYAML), which the pure-Python .pyz cannot."""
    clean, broken = ROOT / "tests/data/audit/seed-clean", ROOT / "tests/data/audit/compose-broken"
    mounts = (f"--volume={clean}:/src:ro", f"--volume={broken}:/broken:ro", "--workdir=/src")
    flags = (*HARDENED, "--user=12345:12345", *mounts)
    out = run_image(docker_engine, built, "audit", flags=flags)
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    found = run_image(docker_engine, built, "audit", "--json", "/broken", flags=flags)
    assert found.returncode == 1, found.stderr
    assert json.loads(found.stdout)["result"]["findings"], found.stdout


def _median_seconds(engine: Engine, argv: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = engine.docker(*argv, check=False)
        times.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr
    return statistics.median(times)


def test_size_and_start_up(
    docker_engine: Engine, built: image.Built, stack: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """Measured, and printed (``pytest -s``): the README's numbers come from here."""
    size = docker_engine.inspect(built.image)[0]["Size"]
    base = docker_engine.inspect(image.PYTHON_BASE)[0]["Size"]
    nothing = _median_seconds(docker_engine, ["run", "--rm", "--entrypoint=/usr/bin/true", built.image])
    version = _median_seconds(docker_engine, ["run", "--rm", built.image, "--version"])
    net = f"--network={stack.network('default')}"
    health = _median_seconds(docker_engine, ["run", "--rm", net, *HARDENED, built.image, "health", "redis"])
    report = {
        "image_mb": round(size / 1e6, 1),
        "base_mb": round(base / 1e6, 1),
        "added_mb": round((size - base) / 1e6, 1),
        "build_s": round(built.seconds, 1),
        "run_true_s": round(nothing, 3),
        "run_version_s": round(version, 3),
        "run_health_redis_s": round(health, 3),
    }
    with capsys.disabled():
        print(f"\nimage measurements: {json.dumps(report)}")
    # The tool and its dependencies only: no wheel, pip cache or build tree left in a layer.
    assert size - base < 40e6, report
