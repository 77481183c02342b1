"""Why the far end is gone, against a real dockerd: containers that exit with a message.

One Compose project: ``localstack`` (the image tagged ``localstack/localstack:latest`` in
the private daemon, a script printing LocalStack's licence refusal and exiting 55, as its
2026 image does without a token), ``localstack-loop`` (the same under ``restart: always``),
``leaky`` (prints its own secret values and one of doctor's, then exits 1), ``killed``
(``docker compose kill``: 137), ``oom`` (a 16 MiB limit, then a 200 MB allocation),
``tty`` (``tty: true``, so its log is the raw stream) and ``client-sock`` where doctor runs,
with the socket mounted. Two plain containers publish the same loopback port: the second
never starts. Every log line is read through the Engine API's logs endpoint.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from foundry_discover.checks.docker.mask import MASK
from tests.support import docker
from tests.test_docker_diagnosis import SLACK, TIMEOUT, _result, failed

PROJECT = "fgone"
LOCALSTACK_IMAGE = "localstack/localstack:latest"
LICENCE = """\
LocalStack version: 2026.3.1
Localstack returning with exit code 55. Reason:
===============================================
The license activation failed for the following reason:

No credentials were found in the environment. Set the LOCALSTACK_AUTH_TOKEN variable to a valid auth token.

LocalStack requires an account to run.
"""
#: The leaky container's own secret values, and one only doctor's environment holds.
CONTAINER_SECRETS = {"API_TOKEN": "tok-fake-0123456789", "DB_PASSWORD": "pw-fake-98765"}
DOCTOR_SECRET = ("MY_SERVICE_KEY", "own-fake-secret-4242")
PATTERN_SECRETS = ("json-fake-secret-777", "url-fake-pass-55")
LEAKY = f"""\
echo "starting worker"
echo "connecting with token $API_TOKEN"
echo "DB_PASSWORD=$DB_PASSWORD"
echo '{{"client_secret": "{PATTERN_SECRETS[0]}"}}'
echo "postgres://app:{PATTERN_SECRETS[1]}@db:5432/app"
echo "the shared key is {DOCTOR_SECRET[1]}"
echo "fatal: cannot reach the database" >&2
exit 1
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stack(docker_engine: docker.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    engine = docker_engine
    folder = tmp_path_factory.mktemp("gone")
    scripts = folder / "scripts"
    scripts.mkdir()
    (scripts / "localstack.sh").write_text(f"cat <<'EOF'\n{LICENCE}EOF\nexit 55\n")
    (scripts / "leaky.sh").write_text(LEAKY)
    # The licence exit in the image users really run, built locally: no registry is asked.
    engine.docker("tag", docker.base_image(engine), LOCALSTACK_IMAGE)
    mounts = [*docker.volumes(()), f"{scripts}:/fake:ro"]

    def svc(command: list[str], **extra: Any) -> dict[str, Any]:
        base = {"image": docker.BASE_IMAGE, "pull_policy": "never", "init": True, "volumes": mounts}
        return {**base, "command": command, "restart": "no", **extra}

    doc = {
        "services": {
            "localstack": svc(["sh", "/fake/localstack.sh"], image=LOCALSTACK_IMAGE),
            "localstack-loop": svc(["sh", "/fake/localstack.sh"], image=LOCALSTACK_IMAGE, restart="always"),
            "leaky": svc(["sh", "/fake/leaky.sh"], environment=CONTAINER_SECRETS),
            "killed": svc(["sleep", "infinity"]),
            "oom": svc(["python3", "-c", "x = bytearray(200 * 1024 * 1024)"], mem_limit="16m", memswap_limit="16m"),
            "tty": svc(["sh", "-c", "echo 'tty says goodbye'; exit 2"], tty=True),
            "client-sock": svc(
                ["sleep", "infinity"],
                volumes=[*docker.volumes(docker.host_paths()), f"{engine.socket}:/var/run/docker.sock:ro"],
            ),
        }
    }
    compose = folder / "docker-compose.yml"
    compose.write_text(json.dumps(doc, indent=1))
    project = docker.Project(engine, PROJECT, [compose])
    port = _free_port()
    try:
        project("up", "--detach", check=False)  # the exits make `up` report failure; the states are checked below
        project("kill", "killed")
        publish = f"--publish=127.0.0.1:{port}:4566"
        assert (
            docker.run(engine, "sleep", "infinity", name="fgone-holder", detach=True, extra=[publish]).returncode == 0
        )
        second = docker.run(engine, "sleep", "infinity", name="fgone-second", detach=True, extra=[publish])
        assert "port is already allocated" in second.stderr
        _settle(engine)
        yield {"engine": engine, "port": port}
    finally:
        project.down()
        for name in ("fgone-holder", "fgone-second"):
            engine.docker("rm", "--force", name, check=False)
        engine.docker("rmi", LOCALSTACK_IMAGE, check=False)


def _settle(engine: docker.Engine) -> None:
    deadline = time.monotonic() + 90
    while True:
        states = {n: engine.inspect(f"{PROJECT}-{n}-1")[0] for n in ("localstack", "leaky", "killed", "oom", "tty")}
        loop = engine.inspect(f"{PROJECT}-localstack-loop-1")[0]
        done = all(d["State"]["Status"] == "exited" for d in states.values()) and loop["RestartCount"] >= 3
        if done:
            return
        assert time.monotonic() < deadline, {n: d["State"] for n, d in states.items()}
        time.sleep(0.5)


def doctor(
    engine: docker.Engine, name: str, env: dict[str, str], *, as_json: bool = True
) -> subprocess.CompletedProcess[str]:
    flags = [f"--env={k}={v}" for k, v in {"AWS_EC2_METADATA_DISABLED": "true", "NO_COLOR": "1", **env}.items()]
    argv = [docker.tool(), "doctor", name, f"--timeout={TIMEOUT}", *(["--json"] if as_json else [])]
    return engine.docker("exec", *flags, f"{PROJECT}-client-sock-1", *argv, check=False, timeout=TIMEOUT + SLACK)


def doctor_json(engine: docker.Engine, name: str, env: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, Any]]:
    started = time.monotonic()
    code, doc = _result(doctor(engine, name, env), started)
    return code, doc, failed(doc)


def _lines(step: dict[str, Any]) -> list[str]:
    return list(step["data"]["docker_log"]["lines"])


def test_the_localstack_licence_exit(stack: dict[str, Any]) -> None:
    engine = stack["engine"]
    code, doc, step = doctor_json(engine, "localstack", {"SVC_LOCALSTACK_HOST": "localstack"})
    assert (code, step["name"], step["data"]["docker"]) == (1, "resolve", "container-exited")
    assert step["data"]["docker_cause"] == "localstack-licence"
    assert (
        f"container {PROJECT}-localstack-1 (service localstack) is not running: it exited with code 55; LocalStack "
        f"quit at start for want of a licence: its image {LOCALSTACK_IMAGE} needs LOCALSTACK_AUTH_TOKEN since "
        "March 2026"
    ) in step["detail"]
    assert step["fix"] == (
        "Set LOCALSTACK_AUTH_TOKEN for service localstack, pin the last open-source image "
        "`localstack/localstack:4.14`, or switch to `ministackorg/ministack` or `motoserver/moto`"
    )
    log = step["data"]["docker_log"]
    assert log["container"] == f"{PROJECT}-localstack-1" and log["error"] is None and not log["truncated"]
    assert _lines(step) == [line for line in LICENCE.splitlines() if line.strip()]
    assert (
        "LocalStack requires an account" in doc["error"]["message"]
        or "LOCALSTACK_AUTH_TOKEN" in doc["error"]["message"]
    )
    target = doc["result"]["docker"]["targets"]["LOCALSTACK"]
    assert target["cause"]["kind"] == "localstack-licence" and "logs" not in target
    # The text shows the tail under the failing step, after its fix.
    text = doctor(engine, "localstack", {"SVC_LOCALSTACK_HOST": "localstack"}, as_json=False)
    assert text.returncode == 1 and "Traceback" not in text.stderr
    out = text.stdout.splitlines()
    fix = next(i for i, line in enumerate(out) if line.startswith("fix (resolve): Set LOCALSTACK_AUTH_TOKEN"))
    lines = _lines(step)
    assert out[fix + 1] == f"log (resolve): the last {len(lines)} line(s) of container {PROJECT}-localstack-1:"
    assert out[fix + 2 : fix + 2 + len(lines)] == [f"  | {line}" for line in lines]


def test_localhost_inside_when_the_container_to_use_is_gone_too(stack: dict[str, Any]) -> None:
    code, _, step = doctor_json(stack["engine"], "localstack", {"SVC_LOCALSTACK_HOST": "localhost"})
    assert (code, step["name"], step["data"]["docker"]) == (4, "connect", "docker-localhost")
    assert step["data"]["docker_cause"] == "localstack-licence"
    assert (
        f"; and container {PROJECT}-localstack-1 (service localstack) is not running: it exited with code 55; "
        "LocalStack quit at start"
    ) in step["detail"]
    assert step["fix"].startswith(
        "Set SVC_LOCALSTACK_HOST=localstack LOCALSTACK_PORT=4566; then Set LOCALSTACK_AUTH_TOKEN for service localstack"
    )
    assert "LocalStack requires an account to run." in _lines(step)


def test_a_restart_loop_on_the_licence_exit(stack: dict[str, Any]) -> None:
    env = {"SVC_LOCALSTACK_HOST": "localstack-loop"}
    code, _, step = doctor_json(stack["engine"], "localstack", env)
    assert step["data"]["docker"] == "container-restarting", step
    assert (code, step["name"]) in ((1, "resolve"), (4, "connect"))  # between two crashes DNS may still answer
    assert step["data"]["docker_cause"] == "localstack-licence"
    assert "keeps restarting" in step["detail"] and "needs LOCALSTACK_AUTH_TOKEN since March 2026" in step["detail"]
    assert "LocalStack requires an account to run." in _lines(step)


def test_secrets_never_reach_the_tail(stack: dict[str, Any]) -> None:
    env = {"SVC_LEAKY_HOST": "leaky", "LEAKY_PORT": "8000", DOCTOR_SECRET[0]: DOCTOR_SECRET[1]}
    started = time.monotonic()
    done = doctor(stack["engine"], "leaky", env)
    code, doc = _result(done, started)
    step = failed(doc)
    assert (code, step["data"]["docker"]) == (1, "container-exited")
    # Docker reads stdout and stderr from two pipes: across the two, the order is not kept.
    lines = _lines(step)
    assert "fatal: cannot reach the database" in lines
    assert [line for line in lines if not line.startswith("fatal")] == [
        "starting worker",
        f"connecting with token {MASK}",
        f"DB_PASSWORD={MASK}",
        f'{{"client_secret": "{MASK}"}}',
        f"postgres://app:{MASK}@db:5432/app",
        f"the shared key is {MASK}",
    ]
    assert step["data"]["docker_log"]["masked"] == 5
    text = doctor(stack["engine"], "leaky", env, as_json=False)
    assert "5 secret value(s) masked" in text.stdout
    for value in (*CONTAINER_SECRETS.values(), DOCTOR_SECRET[1], *PATTERN_SECRETS):
        for output in (done.stdout, done.stderr, text.stdout, text.stderr):
            assert value not in output


def test_killed_is_exit_137(stack: dict[str, Any]) -> None:
    code, _, step = doctor_json(stack["engine"], "killed", {"SVC_KILLED_HOST": "killed", "KILLED_PORT": "8000"})
    assert (code, step["data"]["docker"], step["data"]["docker_cause"]) == (1, "container-exited", "sigkill")
    assert "it exited with code 137; exit code 137 is SIGKILL: `docker kill`" in step["detail"]
    assert step["fix"].startswith("Start it again: `docker compose up -d killed`; if a stop killed it")
    assert step["data"]["docker_log"]["lines"] == []  # `sleep` printed nothing


def test_out_of_memory(stack: dict[str, Any]) -> None:
    code, _, step = doctor_json(stack["engine"], "oom", {"SVC_OOM_HOST": "oom", "OOM_PORT": "8000"})
    assert (code, step["data"]["docker"]) == (1, "container-exited")
    # Docker 20.10 on cgroup v2 sets State.OOMKilled only when it sees the OOM event in time.
    state = stack["engine"].inspect(f"{PROJECT}-oom-1")[0]["State"]
    if state["OOMKilled"]:
        assert step["data"]["docker_cause"] == "oom-killed"
        assert (
            "exited with code 137 (killed: out of memory); the kernel's OOM killer stopped it at its memory limit "
            "of 16 MiB (State.OOMKilled)" in step["detail"]
        )
        assert "`mem_limit:`" in step["fix"]
    else:
        assert step["data"]["docker_cause"] == "oom-likely"
        assert (
            "exit code 137 is SIGKILL, and it has a memory limit of 16 MiB: most likely the OOM killer"
            in (step["detail"])
        )
        assert step["fix"].startswith("If `docker stats` shows it near 16 MiB, raise `mem_limit:`")


def test_a_host_port_already_allocated(stack: dict[str, Any]) -> None:
    port = stack["port"]
    env = {"SVC_SECOND_HOST": "fgone-second", "SECOND_PORT": "4566"}
    code, _, step = doctor_json(stack["engine"], "second", env)
    assert (code, step["data"]["docker"], step["data"]["docker_cause"]) == (
        1,
        "container-not-started",
        "port-allocated",
    )
    assert (
        f"host port 127.0.0.1:{port} is already allocated, so Docker could not publish it: container fgone-holder "
        "publishes it"
    ) in step["detail"]
    assert step["fix"] == (
        f"Free it: `docker stop fgone-holder`; or publish another host port, e.g. `127.0.0.1:{port + 1}:4566`; "
        "then `docker start fgone-second`"
    )
    assert "docker_log" not in step["data"]  # never started: no output to ask for


def test_a_tty_containers_raw_stream(stack: dict[str, Any]) -> None:
    code, _, step = doctor_json(stack["engine"], "tty", {"SVC_TTY_HOST": "tty", "TTY_PORT": "8000"})
    assert (code, step["data"]["docker"]) == (1, "container-exited")
    assert _lines(step) == ["tty says goodbye"]
    assert "docker_cause" not in step["data"]  # exit code 2: nothing known to add


def test_no_tail_for_a_running_target(stack: dict[str, Any]) -> None:
    # The client itself is running and healthy: its logs are never asked for.
    started = time.monotonic()
    code, doc = _result(doctor(stack["engine"], "me", {"SVC_ME_HOST": "client-sock", "ME_PORT": "1"}), started)
    step = failed(doc)
    assert (code, step["name"]) == (4, "connect") and "docker_log" not in step["data"]
