"""The Docker verdicts and the Engine API facts they read: pure logic, no daemon.

The JSON has the shapes dockerd 20.10 answers with (tests/support/engine_api.py builds
it); the real daemon's answers are checked in tests/test_docker_diagnosis.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from foundry_discover.checks.docker import endpoint, facts
from foundry_discover.checks.docker.verdicts import Diagnosis, diagnose
from foundry_discover.checks.runtime import Runtime, container_id_from_cgroup, container_id_from_mountinfo
from foundry_discover.registry import Registry, Service
from tests.support.engine_api import inspect

ME = "a" * 64
WEB = "b" * 64
CONTAINER = Runtime("container", True, None, None, ("nameserver 127.0.0.11",), ME, "/proc/self/mountinfo")
BRIDGED = Runtime("container", False, None, None, ("/proc/self/mountinfo names container",), ME, "mountinfo")
HOST = Runtime("host", False, None, None, ())


def service(host: str = "web", port: int = 8000) -> Service:
    return Registry.from_mapping({"SVC_WEB_HOST": host, "WEB_PORT": str(port)}).get("web")


def known(me: dict[str, object] | None, them: dict[str, object] | None, host: str = "web") -> facts.DockerFacts:
    found = facts.DockerFacts("unix:///var/run/docker.sock", "the default socket", True, "")
    found.self = facts.container(me) if me else None
    target = facts.ContainerTarget(host)
    if them is not None:
        target.container, target.found_by = facts.container(them), "Compose service label"
    found.targets["WEB"] = target
    return found


def client(**kw: object) -> dict[str, object]:
    args: dict[str, object] = {"service": "backend", "networks": {"app_foundry": ["backend", "aaaaaaaaaaaa"]}}
    args.update(kw)
    return inspect("app-backend-1", ME, **args)  # type: ignore[arg-type]


def web(**kw: object) -> dict[str, object]:
    args: dict[str, object] = {
        "service": "web",
        "networks": {"app_foundry": ["web", "bbbbbbbbbbbb"]},
        "ports": {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18000"}]},
    }
    args.update(kw)
    return inspect("app-web-1", WEB, **args)  # type: ignore[arg-type]


def verdict(step: str, runtime: Runtime, found: facts.DockerFacts | None, **kw: object) -> Diagnosis:
    result = diagnose(service(**kw), step, runtime, found)  # type: ignore[arg-type]
    assert result is not None
    return result


# ---- facts from Engine API JSON -------------------------------------------------------------


def test_inspect_becomes_facts() -> None:
    health = {
        "Status": "unhealthy",
        "FailingStreak": 4,
        "Log": [{"ExitCode": 0, "Output": "ok"}, {"ExitCode": 1, "Output": "curl: (7) Failed\n to connect\n"}],
    }
    c = facts.container(web(health=health, restart_count=2))
    assert (c.name, c.service, c.project, c.state, c.restart_count) == ("app-web-1", "web", "app", "running", 2)
    assert c.health == facts.Health("unhealthy", 4, 1, "curl: (7) Failed to connect")
    assert c.networks == (facts.Network("app_foundry", ("web", "bbbbbbbbbbbb"), "172.30.1.2"),)
    assert c.ports == (facts.Port(8000, "tcp", "127.0.0.1", 18000),)
    assert c.published(8000) == c.published_as(18000) == facts.Port(8000, "tcp", "127.0.0.1", 18000)
    assert c.names_on("app_foundry") == ("app-web-1", "web", "bbbbbbbbbbbb")


def test_ports_exposed_unpublished_and_both_address_families() -> None:
    doc = web(
        ports={
            "8000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "18000"}, {"HostIp": "::", "HostPort": "18000"}],
            "53/udp": None,
        }
    )
    assert facts.container(doc).ports == (
        facts.Port(53, "udp"),
        facts.Port(8000, "tcp", "0.0.0.0", 18000),
    )


def test_missing_keys_are_tolerated() -> None:
    c = facts.container({"Id": WEB, "Name": "/x", "State": {"Running": True}})
    assert (c.state, c.health, c.networks, c.ports, c.service) == ("running", None, (), (), None)


def test_long_healthcheck_output_keeps_its_tail() -> None:
    output = "x" * 1000 + " the real error"
    c = facts.container(web(health={"Status": "unhealthy", "Log": [{"ExitCode": 1, "Output": output}]}))
    assert c.health is not None and c.health.last_output is not None
    assert c.health.last_output.endswith("the real error") and len(c.health.last_output) <= facts.OUTPUT_LIMIT + 3


# ---- which container this is --------------------------------------------------------------------


def test_container_id_from_the_resolv_conf_bind_mount() -> None:
    text = (
        "1 0 254:0 / / rw - overlay overlay rw\n"
        f"2 1 254:1 /tmp/fd-dockerd-x/data/containers/{ME}/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw\n"
    )
    found = container_id_from_mountinfo(text)
    assert found is not None and found[0] == ME and "/etc/resolv.conf is mounted from" in found[1]


def test_podman_mountinfo_and_no_container() -> None:
    podman = f"5 1 0:4 /containers/storage/overlay-containers/{ME}/userdata/hostname /etc/hostname rw - tmpfs x rw\n"
    assert container_id_from_mountinfo(podman) is not None
    assert container_id_from_mountinfo("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n") is None


@pytest.mark.parametrize(
    "line", [f"0::/system.slice/docker-{ME}.scope", f"12:memory:/docker/{ME}", f"0::/machine.slice/libpod-{ME}.scope"]
)
def test_container_id_from_cgroup(line: str) -> None:
    found = container_id_from_cgroup(line + "\n")
    assert found is not None and found[0] == ME


def test_cgroup_v2_namespace_shows_nothing() -> None:
    assert container_id_from_cgroup("0::/\n") is None


# ---- where the API is ------------------------------------------------------------------------------


def test_endpoint_from_docker_host_and_default_socket(tmp_path: Path) -> None:
    sock = tmp_path / "docker.sock"
    sock.touch()
    assert endpoint.find({"DOCKER_HOST": f"unix://{sock}"})[0] == endpoint.Endpoint("unix", str(sock), "DOCKER_HOST")
    tcp = endpoint.find({"DOCKER_HOST": "tcp://10.0.0.5:2376", "DOCKER_CERT_PATH": "/certs"})[0]
    assert tcp is not None and (tcp.scheme, tcp.address, tcp.tls, tcp.cert_path) == (
        "tcp",
        "10.0.0.5:2376",
        True,
        "/certs",
    )
    assert endpoint.find({}, default_socket=str(sock))[0] == endpoint.Endpoint("unix", str(sock), "the default socket")
    missing = endpoint.find({}, default_socket=str(tmp_path / "none"))
    assert missing[0] is None and "no DOCKER_HOST" in missing[1]
    assert "no socket at" in endpoint.find({"DOCKER_HOST": f"unix://{tmp_path}/gone.sock"})[1]
    assert "not supported" in endpoint.find({"DOCKER_HOST": "ssh://me@box"})[1]


# ---- the verdicts --------------------------------------------------------------------------------


def test_exited_target_names_its_exit_code_on_any_step() -> None:
    found = known(client(), web(status="exited", exit_code=3))
    for step in ("resolve", "connect", "protocol"):
        v = verdict(step, CONTAINER, found)
        assert v.kind == "container-exited"
        assert v.cause == "container app-web-1 (service web) is not running: it exited with code 3"
        assert "docker compose logs web" in v.fix and "docker compose up -d web" in v.fix


def test_restarting_paused_and_created_targets() -> None:
    v = verdict("resolve", CONTAINER, known(client(), web(status="restarting", exit_code=1, restart_count=5)))
    assert (v.kind, v.cause) == (
        "container-restarting",
        "container app-web-1 (service web) keeps restarting (5 restart(s), last exit code 1)",
    )
    assert verdict("connect", CONTAINER, known(client(), web(status="paused"))).fix.endswith(
        "`docker compose unpause web`"
    )
    assert verdict("resolve", CONTAINER, known(client(), web(status="created"))).kind == "container-not-started"


def test_unhealthy_target_shows_the_last_healthcheck_output() -> None:
    health = {"Status": "unhealthy", "FailingStreak": 3, "Log": [{"ExitCode": 1, "Output": "db refused\n"}]}
    v = verdict("protocol", CONTAINER, known(client(), web(health=health)))
    assert v.kind == "container-unhealthy"
    assert v.cause.endswith("failed 3 time(s) in a row, last (exit 1): db refused")
    assert "docker inspect --format '{{json .State.Health}}' app-web-1" in v.fix


def test_own_container_is_never_the_stopped_target() -> None:
    me = client(health={"Status": "starting"})
    found = known(me, me)
    assert diagnose(service(), "protocol", CONTAINER, found) is None


def test_default_bridge_without_the_api() -> None:
    v = verdict("resolve", BRIDGED, None)
    assert v.kind == "docker-default-bridge"
    assert "never resolve there, however they are spelled" in v.cause and "no nameserver 127.0.0.11" in v.cause
    assert "user-defined network" in v.fix and "`docker run --network foundry ...`" in v.fix


def test_default_bridge_with_the_api_names_the_targets_network() -> None:
    me = inspect("quirky_name", ME, networks={"bridge": []})
    v = verdict("resolve", BRIDGED, known(me, web()))
    assert "network mode default" in v.cause
    assert (
        v.fix
        == "Run this container on container app-web-1 (service web)'s network: `docker run --network app_foundry ...`"
    )


def test_network_mode_bridge_in_compose() -> None:
    me = client(network_mode="bridge", networks={"bridge": []})
    v = verdict("resolve", BRIDGED, known(me, web()))
    assert v.kind == "docker-default-bridge"
    assert v.fix == "Give service backend `networks: [foundry]` instead of `network_mode: bridge`"


def test_docker_dns_is_not_the_default_bridge() -> None:
    assert diagnose(service(), "resolve", CONTAINER, None) is None
    assert diagnose(service("db.example.com"), "resolve", BRIDGED, None) is None  # not a container name


def test_target_on_another_network_same_project() -> None:
    found = known(client(), web(networks={"app_other": ["web"]}))
    v = verdict("resolve", CONTAINER, found)
    assert v.kind == "docker-other-network"
    assert "container app-web-1 (service web) is on network app_other" in v.cause
    assert "this container app-backend-1 (service backend) is on app_foundry" in v.cause
    assert v.fix == "Put both on one network: add `other` to the `networks:` of service backend in the Compose file"


def test_target_on_another_network_other_project_and_plain_container() -> None:
    found = known(client(), web(project="infra", networks={"infra_shared": ["web"]}))
    assert "`infra_shared` as an external network" in verdict("resolve", CONTAINER, found).fix
    plain = inspect("debug", ME, networks={"mynet": []}, network_mode="mynet")
    assert "`docker network connect app_foundry debug`" in verdict("resolve", CONTAINER, known(plain, web())).fix


def test_shared_network_is_no_verdict() -> None:
    assert diagnose(service(), "resolve", CONTAINER, known(client(), web())) is None


def test_published_port_inside_the_network() -> None:
    v = verdict("connect", CONTAINER, known(client(), web()), port=18000)
    assert v.kind == "docker-published-port"
    assert v.cause.startswith("WEB_PORT=18000 is the port container app-web-1 (service web) publishes on the host")
    assert v.fix.startswith("Set WEB_PORT=8000")
    assert diagnose(service(port=8000), "connect", CONTAINER, known(client(), web())) is None


def test_host_against_a_compose_service_name() -> None:
    v = verdict("resolve", HOST, known(None, web()))
    assert v.kind == "docker-host-vs-service"
    assert "web is container app-web-1 (service web)" in v.cause
    assert v.fix == (
        "From the host use localhost and the published port: "
        "SVC_WEB_HOST=localhost WEB_PORT=18000 (container port 8000)"
    )
    unpublished = verdict("resolve", HOST, known(None, web(ports={"8000/tcp": None})))
    assert 'ports: ["127.0.0.1:8000:8000"]' in unpublished.fix


def test_host_without_facts_is_no_docker_verdict() -> None:
    assert diagnose(service(), "resolve", HOST, None) is None


def test_localhost_inside_a_container() -> None:
    bare = verdict("connect", CONTAINER, None, host="localhost")
    assert bare.kind == "docker-localhost" and "localhost is the container itself" in bare.cause
    found = known(client(), web(), host="web")
    assert verdict("connect", CONTAINER, found, host="127.0.0.1").fix == "Set SVC_WEB_HOST=web WEB_PORT=8000"
    assert diagnose(service("localhost"), "connect", HOST, None) is None  # on the host localhost is right


def test_host_docker_internal() -> None:
    v = verdict("resolve", CONTAINER, None, host="host.docker.internal")
    assert v.kind == "docker-host-gateway" and "host.docker.internal:host-gateway" in v.fix
    asked = known(client(extra_hosts=["host.docker.internal:172.30.250.1"]), None)
    assert diagnose(service("host.docker.internal"), "resolve", CONTAINER, asked) is None
    mac = diagnose(service("host.docker.internal"), "resolve", CONTAINER, None, platform="darwin")
    assert mac is None


# ---- JSON captured from the real daemon (dockerd 20.10.24, the stack of test_docker_diagnosis) -----

CAPTURED = Path(__file__).parent / "data" / "dockerd-20.10"


def captured(name: str) -> facts.Container:
    import json

    return facts.container(json.loads((CAPTURED / f"inspect-{name}.json").read_text()))


def test_captured_inspect_documents_parse() -> None:
    web, sick, dead, me = (captured(n) for n in ("web", "sick", "dead", "client-sock"))
    assert (web.service, web.project, web.state) == ("web", "fdiag", "running")
    assert web.health is not None and web.health.status == "healthy"
    assert web.published(8000) == facts.Port(8000, "tcp", "127.0.0.1", 18000)
    assert web.networks[0].name == "fdiag_foundry" and {"fdiag-web-1", "web"} <= set(web.networks[0].aliases)
    assert sick.health == facts.Health("unhealthy", 1, 1, "database connection refused")
    assert (dead.state, dead.exit_code) == ("exited", 3)
    assert me.network_mode == "fdiag_foundry" and me.service == "client-sock"


def test_captured_facts_give_the_verdicts() -> None:
    me = captured("client-sock")
    runtime = Runtime("container", True, None, None, (), me.id, "mountinfo")

    def with_target(name: str) -> facts.DockerFacts:
        found = facts.DockerFacts("unix:///var/run/docker.sock", "the default socket", True, "", self=me)
        found.targets["WEB"] = facts.ContainerTarget(name, captured(name), "Compose service label", 1)
        return found

    assert verdict("resolve", runtime, with_target("dead"), host="dead").kind == "container-exited"
    assert verdict("protocol", runtime, with_target("sick"), host="sick").kind == "container-unhealthy"
    apart = verdict("resolve", runtime, with_target("apart"), host="apart")
    assert (
        apart.fix
        == "Put both on one network: add `other` to the `networks:` of service client-sock in the Compose file"
    )
    assert verdict("connect", runtime, with_target("web"), port=18000).fix.startswith("Set WEB_PORT=8000")


def test_detect_finds_the_container_from_mountinfo_alone(tmp_path: Path) -> None:
    """Default bridge, cgroup v2: no 127.0.0.11, /proc/1/cgroup is "0::/", yet it is a container."""
    from foundry_discover.checks.runtime import detect

    files = {
        "etc/resolv.conf": "nameserver 172.30.250.1\n",
        "proc/1/cgroup": "0::/\n",
        "proc/self/mountinfo": f"9 1 254:0 /var/lib/docker/containers/{ME}/hostname /etc/hostname rw - ext4 x rw\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    rt = detect(tmp_path, {})
    assert (rt.kind, rt.docker_dns, rt.container_id) == ("container", False, ME)
    assert (
        rt.evidence[-1].startswith("/proc/self/mountinfo (/etc/hostname is mounted from") and ME[:12] in rt.evidence[-1]
    )
    assert verdict("resolve", rt, None).kind == "docker-default-bridge"


def test_on_the_host_localhost_leads_to_the_stopped_container() -> None:
    found = known(None, web(status="exited", exit_code=137), host="web")
    assert verdict("connect", HOST, found, host="localhost", port=18000).kind == "container-exited"
    assert verdict("connect", CONTAINER, known(client(), web(status="exited")), host="localhost").kind == (
        "docker-localhost"
    )


def test_a_fresh_start_after_many_restarts_is_a_restart_loop() -> None:
    from foundry_discover.checks.docker.verdicts import container_state

    doc = web(restart_count=6)
    doc["State"]["StartedAt"] = "2026-11-26T12:36:35.442622765Z"  # type: ignore[index]
    c = facts.container(doc)
    assert c.started_at is not None
    caught = container_state(c, now=c.started_at + 0.2)
    assert caught is not None and caught.cause == "container app-web-1 (service web) keeps restarting (6 restart(s))"
    assert container_state(c, now=c.started_at + 3600) is None  # up for an hour: it recovered
    never = facts.container({**doc, "State": {**doc["State"], "StartedAt": "0001-01-01T00:00:00Z"}})  # type: ignore[dict-item]
    assert never.started_at is None
