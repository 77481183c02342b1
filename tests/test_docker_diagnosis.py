"""Scenario 2 of the Docker tier: each broken case gets its cause and fix, against a real daemon.

One Compose project holds every case: ``web`` (an HTTP server on network ``foundry``,
published on 127.0.0.1 only), ``sick`` (running, its healthcheck failing), ``dead``
(exited with code 3), ``apart`` (on network ``other`` only) and two clients on
``foundry`` where doctor runs: ``client`` without the Docker socket and ``client-sock``
with it mounted read-only at /var/run/docker.sock. Plain ``docker run`` gives the default
bridge. The host side runs doctor in a mount namespace whose resolv.conf names the
tier's own dnsmasq, so no lookup leaves this machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import docker

PROJECT = "fdiag"
PUBLISHED = 18000
TIMEOUT = 8
#: Seconds a doctor run may take beyond --timeout: the interpreter's start and `docker exec`.
SLACK = 20
SERVER = ["python3", "-m", "http.server", "8000", "--bind", "0.0.0.0"]
HEALTHY = {
    "test": ["CMD", "python3", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000', timeout=2)"],
    "interval": "1s",
    "timeout": "3s",
    "retries": 30,
}


def _compose_file(engine: docker.Engine) -> dict[str, Any]:
    image = docker.base_image(engine)
    usr = docker.volumes(())
    tool = docker.volumes(docker.host_paths())
    sock = f"{engine.socket}:/var/run/docker.sock:ro"

    def svc(command: list[str], networks: list[str], **extra: Any) -> dict[str, Any]:
        return {"image": image, "pull_policy": "never", "init": True, "command": command, "networks": networks, **extra}

    client = ["sleep", "infinity"]
    return {
        "services": {
            "web": svc(SERVER, ["foundry"], volumes=usr, ports=[f"127.0.0.1:{PUBLISHED}:8000"], healthcheck=HEALTHY),
            "sick": svc(
                SERVER,
                ["foundry"],
                volumes=usr,
                healthcheck={
                    "test": ["CMD", "sh", "-c", "echo 'database connection refused' && exit 1"],
                    "interval": "1s",
                    "retries": 1,
                },
            ),
            "dead": svc(["sh", "-c", "exit 3"], ["foundry"], volumes=usr, restart="no"),
            "flappy": svc(["sh", "-c", "exit 5"], ["foundry"], volumes=usr, restart="always"),
            "apart": svc(SERVER, ["other"], volumes=usr),
            "client": svc(client, ["foundry"], volumes=tool),
            "client-sock": svc(client, ["foundry"], volumes=[*tool, sock]),
            "client-bridge": _without_networks(svc(client, [], volumes=[*tool, sock]), network_mode="bridge"),
        },
        "networks": {"foundry": {}, "other": {}},
    }


def _without_networks(service: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**{k: v for k, v in service.items() if k != "networks"}, **extra}


def _state(engine: docker.Engine, name: str) -> dict[str, Any]:
    return engine.inspect(f"{PROJECT}-{name}-1")[0]["State"]  # type: ignore[return-value]


@pytest.fixture(scope="module")
def stack(docker_engine: docker.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[docker.Engine]:
    folder = tmp_path_factory.mktemp("compose")
    compose = folder / "docker-compose.yml"
    compose.write_text(json.dumps(_compose_file(docker_engine), indent=1))  # JSON is YAML
    files = [compose]
    try:
        docker_engine.compose("up", "--detach", files=files, project=PROJECT)
        deadline = time.monotonic() + 90
        while True:
            web, sick, dead = (_state(docker_engine, n) for n in ("web", "sick", "dead"))
            flappy = docker_engine.inspect(f"{PROJECT}-flappy-1")[0]
            if (
                web["Health"]["Status"] == "healthy"
                and sick["Health"]["Status"] == "unhealthy"
                and dead["Status"] == "exited"
                # Docker's back-off doubles from 100 ms: after 4 restarts it waits 1.6 s and more.
                and flappy["RestartCount"] >= 4
            ):
                break
            assert time.monotonic() < deadline, f"the stack did not settle: {web} {sick} {dead} {flappy['State']}"
            time.sleep(0.5)
        yield docker_engine
    finally:
        docker_engine.compose("down", "--volumes", "--timeout=1", files=files, project=PROJECT, check=False)


def doctor_in(engine: docker.Engine, container: str, name: str, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """`docker exec` doctor in a container of the stack; its exit code and --json document."""
    flags = [f"--env={k}={v}" for k, v in env.items()]
    started = time.monotonic()
    done = engine.docker(
        "exec",
        *flags,
        f"{PROJECT}-{container}-1",
        docker.tool(),
        "doctor",
        name,
        "--json",
        f"--timeout={TIMEOUT}",
        check=False,
        timeout=TIMEOUT + SLACK,
    )
    return _result(done, started)


def _result(done: subprocess.CompletedProcess[str], started: float) -> tuple[int, dict[str, Any]]:
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert "Traceback" not in done.stderr, done.stderr
    doc = json.loads(done.stdout)
    assert doc["exit_code"] == done.returncode
    return done.returncode, doc


def failed(doc: dict[str, Any]) -> dict[str, Any]:
    service = doc["result"]["services"][0]
    step: dict[str, Any] = next(s for s in service["steps"] if s["name"] == service["failed_step"])
    return step


# ---- inside the Compose network ---------------------------------------------------------------


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_a_healthy_service_passes_and_the_socket_adds_the_facts(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "web", {"SVC_WEB_HOST": "web", "WEB_PORT": "8000"})
    assert code == 0, doc
    facts = doc["result"]["docker"]
    assert doc["result"]["runtime"]["kind"] == "container"
    assert "mountinfo" in doc["result"]["runtime"]["container_id_source"]
    if client == "client":
        assert facts["reachable"] is False and "/var/run/docker.sock" in facts["note"]
        return
    assert facts["reachable"] is True and facts["api_version"]
    assert facts["self"]["name"] == f"{PROJECT}-client-sock-1"
    assert "mountinfo" in facts["self_evidence"]
    target = facts["targets"]["WEB"]
    assert target["found_by"] == "Compose service label"
    web = target["container"]
    assert (web["state"], web["health"]["status"]) == ("running", "healthy")
    assert web["networks"][0]["name"] == f"{PROJECT}_foundry" and "web" in web["networks"][0]["aliases"]
    assert {"container_port": 8000, "protocol": "tcp", "host_ip": "127.0.0.1", "host_port": PUBLISHED} in web["ports"]


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_exited_target(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "dead", {"SVC_DEAD_HOST": "dead", "DEAD_PORT": "8000"})
    step = failed(doc)
    assert (code, step["name"]) == (1, "resolve")
    if client == "client-sock":
        assert step["data"]["docker"] == "container-exited"
        assert f"container {PROJECT}-dead-1 (service dead) is not running: it exited with code 3" in step["detail"]
        assert "docker compose logs dead" in step["fix"] and "docker compose up -d dead" in step["fix"]
    else:
        # Without the socket the DNS trace still says why: Docker's DNS does not know the name.
        assert "docker" not in step["data"]
        assert "127.0.0.11" in step["detail"] or "network" in (step["fix"] or "")


def test_restarting_target(stack: docker.Engine) -> None:
    code, doc = doctor_in(stack, "client-sock", "flappy", {"SVC_FLAPPY_HOST": "flappy", "FLAPPY_PORT": "8000"})
    step = failed(doc)
    target = doc["result"]["docker"]["targets"]["FLAPPY"]
    state = {k: target["container"][k] for k in ("state", "exit_code", "restart_count")}
    assert step["data"].get("docker") == "container-restarting", (step["detail"], state)
    # Between two crashes Docker's DNS may still answer for it: then the connect fails.
    assert (code, step["name"]) in ((1, "resolve"), (4, "connect"))
    assert f"container {PROJECT}-flappy-1 (service flappy) keeps restarting (" in step["detail"]
    if target["container"]["state"] == "restarting":  # else caught in its brief up phase
        assert "last exit code 5)" in step["detail"]
    assert "docker compose logs flappy" in step["fix"]


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_unhealthy_target(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "sick", {"SVC_SICK_HOST": "sick", "SICK_PORT": "8000"})
    if client == "client":
        assert code == 0  # the port answers; only Docker knows its healthcheck fails
        return
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "protocol", "container-unhealthy")
    assert "unhealthy" in step["detail"] and "database connection refused" in step["detail"]
    assert "(exit 1)" in step["detail"]
    assert doc["error"]["message"].startswith("sick fails at protocol")


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_target_on_another_network(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "apart", {"SVC_APART_HOST": "apart", "APART_PORT": "8000"})
    step = failed(doc)
    assert (code, step["name"]) == (1, "resolve")
    if client == "client-sock":
        assert step["data"]["docker"] == "docker-other-network"
        assert f"on network {PROJECT}_other" in step["detail"]
        assert f"is on {PROJECT}_foundry" in step["detail"]
        assert "add `other` to the `networks:` of service client-sock" in step["fix"]


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_published_port_used_inside_the_network(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "web", {"SVC_WEB_HOST": "web", "WEB_PORT": str(PUBLISHED)})
    step = failed(doc)
    assert (code, step["name"]) == (4, "connect")
    if client == "client-sock":
        assert step["data"]["docker"] == "docker-published-port"
        assert f"WEB_PORT={PUBLISHED} is the port container {PROJECT}-web-1" in step["detail"]
        assert step["fix"].startswith("Set WEB_PORT=8000")
        # ... and the fix works.
        assert doctor_in(stack, client, "web", {"SVC_WEB_HOST": "web", "WEB_PORT": "8000"})[0] == 0


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_localhost_inside_a_container(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "web", {"SVC_WEB_HOST": "localhost", "WEB_PORT": "8000"})
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (4, "connect", "docker-localhost")
    assert "localhost is the container itself" in step["detail"]
    if client == "client-sock":
        assert step["fix"] == "Set SVC_WEB_HOST=web WEB_PORT=8000"
    else:
        assert "SVC_WEB_HOST to the service's name on the Docker network" in step["fix"]


@pytest.mark.parametrize("client", ["client", "client-sock"])
def test_host_docker_internal_without_extra_hosts(stack: docker.Engine, client: str) -> None:
    code, doc = doctor_in(stack, client, "web", {"SVC_WEB_HOST": "host.docker.internal", "WEB_PORT": "8000"})
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "docker-host-gateway")
    assert "host.docker.internal:host-gateway" in step["fix"]


# ---- plain `docker run`: the default bridge ------------------------------------------------------


@pytest.mark.parametrize("with_socket", [False, True])
def test_default_bridge(stack: docker.Engine, with_socket: bool) -> None:
    extra = [f"--volume={stack.socket}:/var/run/docker.sock:ro"] if with_socket else []
    env = {"SVC_WEB_HOST": f"{PROJECT}-web-1", "WEB_PORT": "8000"}
    started = time.monotonic()
    done = docker.run_on_default_bridge(
        stack,
        docker.tool(),
        "doctor",
        "web",
        "--json",
        f"--timeout={TIMEOUT}",
        paths=docker.host_paths(),
        env=env,
        extra=extra,
        timeout=TIMEOUT + SLACK,
    )
    code, doc = _result(done, started)
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "docker-default-bridge")
    assert "never resolve there, however they are spelled" in step["detail"]
    assert "Check the spelling" not in (step["fix"] or "")
    if with_socket:
        assert "uses network mode default" in step["detail"]
        assert f"--network {PROJECT}_foundry" in step["fix"]
    else:
        assert "no nameserver 127.0.0.11" in step["detail"]
        assert "user-defined network" in step["fix"] and "--network foundry" in step["fix"]


def test_network_mode_bridge_in_compose(stack: docker.Engine) -> None:
    code, doc = doctor_in(stack, "client-bridge", "web", {"SVC_WEB_HOST": "web", "WEB_PORT": "8000"})
    step = failed(doc)
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "docker-default-bridge")
    assert "uses network mode bridge" in step["detail"]
    assert step["fix"] == "Give service client-bridge `networks: [foundry]` instead of `network_mode: bridge`"


# ---- on the host, against a Compose service name ------------------------------------------------


def doctor_on_host(
    engine: docker.Engine, tmp: Path, env: dict[str, str], docker_host: bool
) -> tuple[int, dict[str, Any]]:
    """doctor on the host, its resolv.conf pointing at the tier's dnsmasq (NXDOMAIN for the rest)."""
    resolv = tmp / "resolv.conf"
    resolv.write_text(f"nameserver {docker.GATEWAY}\noptions timeout:1 attempts:1\n")
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SVC_", "DOCKER_"))}
    full.update(env)
    if docker_host:
        full["DOCKER_HOST"] = engine.host
    script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
    argv = ["unshare", "--mount", "sh", "-c", script, "sh", str(resolv), sys.executable, "-m", "foundry_discover"]
    started = time.monotonic()
    done = subprocess.run(
        [*argv, "doctor", "web", "--json", f"--timeout={TIMEOUT}"],
        capture_output=True,
        text=True,
        env=full,
        timeout=TIMEOUT + SLACK,
    )
    return _result(done, started)


@pytest.mark.parametrize("with_api", [False, True])
def test_host_against_a_compose_service_name(stack: docker.Engine, tmp_path: Path, with_api: bool) -> None:
    if not with_api:
        assert not Path("/var/run/docker.sock").exists(), "a system Docker would answer here"
    code, doc = doctor_on_host(stack, tmp_path, {"SVC_WEB_HOST": "web", "WEB_PORT": "8000"}, with_api)
    step = failed(doc)
    assert (code, step["name"]) == (1, "resolve")
    if not with_api:
        assert doc["result"]["docker"]["reachable"] is False
        return
    assert doc["result"]["docker"]["self"] is None
    assert step["data"]["docker"] == "docker-host-vs-service"
    assert f"web is container {PROJECT}-web-1 (service web)" in step["detail"]
    assert f"SVC_WEB_HOST=localhost WEB_PORT={PUBLISHED}" in step["fix"]
    # ... and the fix works.
    fixed = {"SVC_WEB_HOST": "localhost", "WEB_PORT": str(PUBLISHED)}
    assert doctor_on_host(stack, tmp_path, fixed, with_api)[0] == 0
