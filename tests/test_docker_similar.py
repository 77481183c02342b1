"""The same service under another name: the matching as pure logic, then real Compose projects.

The pure part builds the Engine API's shapes with tests/support/engine_api.py. The Docker
tier part brings up one Compose project on the private dockerd: MiniStack as the Compose
service ``local-stack`` (the registry asks for ``localstack``), a container named ``my_db``
on another network, and clients on the project's network with and without the Docker socket.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.checks.docker import facts
from foundry_discover.checks.docker.similar import (
    allowed,
    closeness,
    distance,
    localhost_fix,
    near_name,
    nearby,
    without_api,
)
from foundry_discover.registry import Registry, Service
from tests.support import docker
from tests.support.engine_api import inspect, row
from tests.support.message_style import problems
from tests.test_docker_diagnosis import SLACK, TIMEOUT, _result, failed

# ---- edit distance ------------------------------------------------------------------------------


@functools.cache
def reference(a: str, b: str) -> int:
    """Optimal string alignment by its definition, recursively: the slow, obvious one."""
    if not a or not b:
        return len(a) + len(b)
    best = min(reference(a[1:], b) + 1, reference(a, b[1:]) + 1, reference(a[1:], b[1:]) + (a[0] != b[0]))
    if len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0]:
        best = min(best, reference(a[2:], b[2:]) + 1)
    return best


names = st.text("abc-_", max_size=7)


@given(names, names)
def test_distance_is_optimal_string_alignment(a: str, b: str) -> None:
    assert distance(a, b) == reference(a, b) == distance(b, a)
    assert (distance(a, b) == 0) == (a == b)
    assert abs(len(a) - len(b)) <= distance(a, b) <= max(len(a), len(b))


@given(st.text("abcdefgh", min_size=2, max_size=12), st.data())
def test_one_slip_is_one_edit(name: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(name) - 2))
    swapped = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    dropped = name[:i] + name[i + 1 :]
    assert distance(name, swapped) == (0 if swapped == name else 1)
    assert distance(name, dropped) == 1


@pytest.mark.parametrize(
    ("wanted", "name", "near"),
    [
        ("localstack", "local-stack", (0, "same name but for case, -, _ or .")),
        ("localstack", "Local_Stack", (0, "same name but for case, -, _ or .")),
        ("localstack", "LocalStack", (-1, "the same name")),
        ("postgres", "postgress", (1, "1 edit away")),
        ("localstack", "locasltack", (1, "1 edit away")),
        ("localstack", "loclstak", (2, "2 edits away")),
        ("localstack", "localstack-main", (10, "holds localstack as a word")),
        ("app-redis", "redis", (10, "a word of app-redis")),
        ("db", "dc", None),
        ("db", "app-db-1", None),
        ("web", "api", None),
        ("localstack", "minio", None),
    ],
)
def test_closeness(wanted: str, name: str, near: tuple[int, str] | None) -> None:
    assert closeness(wanted, name) == near


def test_allowed_edits_grow_with_the_name() -> None:
    assert [allowed("x" * n) for n in (1, 2, 3, 4, 5, 10, 11, 30)] == [0, 0, 1, 1, 2, 2, 3, 3]


# ---- nearby names across networks -----------------------------------------------------------------


ME = "a" * 64


def _docs() -> list[dict[str, Any]]:
    return [
        inspect("app-backend-1", ME, service="backend", networks={"app_default": ["backend"]}),
        inspect("app-local-stack-1", "b" * 64, service="local-stack", networks={"app_default": ["local-stack"]}),
        inspect("localstack-main", "c" * 64, networks={"tools": []}, network_mode="tools"),
        inspect("old", "d" * 64, service="local_stack", project="old", status="exited", networks={"old_default": []}),
        inspect("cache", "e" * 64, networks={"tools": ["localstak"]}, network_mode="tools"),
        inspect("minio", "f" * 64, networks={"app_default": ["s3"]}),
    ]


def test_nearby_one_per_container_nearest_and_shared_first() -> None:
    docs = _docs()
    rows = [facts.summary(row(d)) for d in docs]
    inspected = {d["Id"]: facts.container(d) for d in docs if d["State"]["Status"] == "running"}
    me = inspected[ME]
    found = nearby(["localstack"], rows, inspected, me)
    assert [(s.name, s.how, s.networks, s.shared, s.state) for s in found] == [
        ("local-stack", "Compose service", ("app_default",), True, "running"),
        ("local_stack", "Compose service", ("old_default",), False, "exited"),
        ("localstak", "network alias", ("tools",), False, "running"),
    ]
    # Without this process's container nothing is "shared": the order is nearness, then running.
    assert [s.shared for s in nearby(["localstack"], rows, inspected, None)] == [None, None, None]
    # Nothing near: nothing.
    assert nearby(["rabbitmq"], rows, inspected, me) == ()


def service(host: str, name: str = "localstack") -> Service:
    return Registry.from_mapping({f"SVC_{name.upper()}_HOST": host, f"{name.upper()}_PORT": "4566"}).get(name)


def _target(host: str, *similar: facts.Similar) -> facts.ContainerTarget:
    return facts.ContainerTarget(host, similar=similar)


SAME = facts.Similar(
    "local-stack", "Compose service", "app-local-stack-1", "app", ("app_default",), "running", "only `-` differs", True
)
APART = facts.Similar("my_db", "container name", "my_db", None, ("tools",), "exited", "only `_` differs", False)


def test_near_name_verdicts() -> None:
    verdict = near_name(service("localstack"), "resolve", _target("localstack", SAME, APART), inside=True)
    assert verdict is not None and verdict.kind == "docker-similar-name"
    assert verdict.cause == (
        "no container or alias is named localstack; on network app_default there is `local-stack` (Compose "
        "service); on network tools there is `my_db` (container name, exited)"
    )
    assert verdict.fix == "Set SVC_LOCALSTACK_HOST=local-stack"
    apart = near_name(service("my-db", "db"), "resolve", _target("my-db", APART), inside=True)
    assert apart is not None and apart.fix == (
        "Set SVC_DB_HOST=my_db, and put this container on network tools (`docker network connect tools`, or "
        "`networks:`); it is exited: start it (`docker start my_db`)"
    )
    host = near_name(service("localstack"), "resolve", _target("localstack", SAME), inside=False)
    assert host is not None
    assert (
        host.fix == "From the host use SVC_LOCALSTACK_HOST=localhost and the port `docker port app-local-stack-1` shows"
    )
    stopped = facts.Similar(**{**SAME.__dict__, "state": "exited"})
    compose = near_name(service("localstack"), "resolve", _target("localstack", stopped), inside=True)
    assert compose is not None
    assert (
        compose.fix
        == "Set SVC_LOCALSTACK_HOST=local-stack; it is exited: start it (`docker compose up -d local-stack`)"
    )
    assert near_name(service("localstack"), "connect", _target("localstack", SAME), True) is None
    assert near_name(service("localstack"), "resolve", _target("localstack"), True) is None


def test_near_name_messages_keep_the_house_style() -> None:
    for similar in ((SAME, APART), (APART,), (facts.Similar(**{**SAME.__dict__, "state": "exited"}),)):
        for inside in (True, False):
            verdict = near_name(service("localstack"), "resolve", _target("localstack", *similar), inside)
            assert verdict is not None and problems(verdict.cause, verdict.fix) == [], verdict
    fix = localhost_fix(service("localhost"), _target("localstack", SAME))
    assert fix is not None and problems("x", fix) == []
    assert problems("x", without_api(service("localstack"), inside=True)) == []


def test_localhost_and_no_api_hints() -> None:
    fix = localhost_fix(service("localhost"), _target("localstack", SAME))
    assert fix == (
        "Set SVC_LOCALSTACK_HOST=local-stack, the Compose service on network app_default whose name is near "
        "localstack, and LOCALSTACK_PORT to its container port"
    )
    assert localhost_fix(service("localstack"), _target("localstack", SAME)) is None
    hint = without_api(service("localstack"), inside=True)
    assert hint is not None and "`docker compose ps`" in hint
    assert "-v /var/run/docker.sock:/var/run/docker.sock:ro" in hint
    assert without_api(service("localhost"), inside=True) is None
    assert without_api(service("db.example.com"), inside=False) is None


# ---- the Docker tier: a renamed Compose service ---------------------------------------------------


PROJECT = "fsim"


@pytest.fixture(scope="module")
def stack(docker_engine: docker.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[docker.Engine]:
    image = docker.base_image(docker_engine)
    tool = docker.volumes(docker.host_paths())
    sock = f"{docker_engine.socket}:/var/run/docker.sock:ro"
    client = {"image": image, "pull_policy": "never", "init": True, "command": ["sleep", "infinity"]}
    doc = {
        "services": {
            "local-stack": docker.emulator_service("ministack"),
            "client": {**client, "volumes": tool},
            "client-sock": {**client, "volumes": [*tool, sock]},
        }
    }
    compose = tmp_path_factory.mktemp("similar") / "docker-compose.yml"
    compose.write_text(json.dumps(doc, indent=1))
    project = docker.Project(docker_engine, PROJECT, [compose])
    docker_engine.docker("network", "create", "fsim_tools")
    try:
        docker.run(docker_engine, "sleep", "infinity", network="fsim_tools", name="my_db", detach=True)
        project.up()
        yield docker_engine
    finally:
        project.down()
        docker_engine.docker("rm", "--force", "my_db", check=False)
        docker_engine.docker("network", "rm", "fsim_tools", check=False)


def doctor_in(engine: docker.Engine, client: str, name: str, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    import time

    flags = [f"--env={k}={v}" for k, v in {"AWS_EC2_METADATA_DISABLED": "true", **env}.items()]
    started = time.monotonic()
    done = engine.docker(
        "exec", *flags, f"{PROJECT}-{client}-1", docker.tool(), "doctor", name, "--json", f"--timeout={TIMEOUT}",
        check=False,
        timeout=TIMEOUT + SLACK,
    )  # fmt: skip
    return _result(done, started)


def test_a_renamed_compose_service_is_suggested_and_the_fix_works(stack: docker.Engine) -> None:
    code, doc = doctor_in(stack, "client-sock", "localstack", {"SVC_LOCALSTACK_HOST": "localstack"})
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "docker-similar-name")
    assert (
        f"no container or alias is named localstack; on network {PROJECT}_default there is `local-stack` "
        "(Compose service)"
    ) in step["detail"]
    assert step["fix"] == "Set SVC_LOCALSTACK_HOST=local-stack"
    similar = doc["result"]["docker"]["targets"]["LOCALSTACK"]["similar"]
    assert similar[0]["container"] == f"{PROJECT}-local-stack-1" and similar[0]["shared"] is True
    assert (similar[0]["project"], similar[0]["differs"]) == (PROJECT, "same name but for case, -, _ or .")
    # ... and the fix works.
    fixed, after = doctor_in(stack, "client-sock", "localstack", {"SVC_LOCALSTACK_HOST": "local-stack"})
    assert fixed == 0, after


def test_a_near_name_on_another_network_says_which_and_how_to_join(stack: docker.Engine) -> None:
    code, doc = doctor_in(stack, "client-sock", "db", {"SVC_DB_HOST": "my-db", "DB_PORT": "5432"})
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "docker-similar-name")
    assert "on network fsim_tools there is `my_db` (container name)" in step["detail"]
    assert step["fix"].startswith("Set SVC_DB_HOST=my_db, and put this container on network fsim_tools")


def test_without_the_api_it_says_what_would_tell(stack: docker.Engine) -> None:
    code, doc = doctor_in(stack, "client", "localstack", {"SVC_LOCALSTACK_HOST": "localstack"})
    step = failed(doc)
    assert (code, step["name"]) == (1, "resolve") and "docker" not in step["data"]
    hint = step["data"]["docker_hint"]
    assert hint.startswith("`docker compose ps` (or `docker ps`) on the Docker host lists the names")
    assert "-v /var/run/docker.sock:/var/run/docker.sock:ro" in hint and hint not in step["fix"]


def test_on_the_host_the_near_name_comes_with_the_published_port_advice(stack: docker.Engine, tmp_path: Path) -> None:
    code, doc = _on_host(stack, tmp_path)
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "docker-similar-name")
    assert step["fix"] == (
        f"From the host use SVC_LOCALSTACK_HOST=localhost and the port `docker port {PROJECT}-local-stack-1` shows"
    )


def _on_host(engine: docker.Engine, tmp: Path) -> tuple[int, dict[str, Any]]:
    """doctor localstack on the host, its resolv.conf the tier's dnsmasq (as test_docker_diagnosis.doctor_on_host)."""
    import os
    import subprocess
    import sys
    import time

    resolv = tmp / "resolv.conf"
    resolv.write_text(f"nameserver {docker.GATEWAY}\noptions timeout:1 attempts:1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SVC_", "DOCKER_", "LOCALSTACK"))}
    env.update(SVC_LOCALSTACK_HOST="localstack", DOCKER_HOST=engine.host, AWS_EC2_METADATA_DISABLED="true")
    script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
    argv = ["unshare", "--mount", "sh", "-c", script, "sh", str(resolv), sys.executable, "-m", "foundry_discover"]
    started = time.monotonic()
    done = subprocess.run(
        [*argv, "doctor", "localstack", "--json", f"--timeout={TIMEOUT}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT + SLACK,
    )
    return _result(done, started)
