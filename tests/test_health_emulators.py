"""`health` against the real LocalStack and MiniStack: states, --require, init scripts, --wait."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foundry_discover.cli import app
from tests.conftest import cli_env, need, run_cli
from tests.support import emulators, health_ministack
from tests.test_json_contract import check_envelope

runner = CliRunner()
Start = Callable[..., emulators.Emulator]

OK_SCRIPT = "#!/bin/sh\necho seeded\n"
FAILING_SCRIPT = "#!/bin/sh\necho 'cannot seed' >&2\nexit 3\n"


@pytest.fixture(autouse=True)
def _clean(clean_env: pytest.MonkeyPatch) -> None:
    pass


def health(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["health", *args], env=env)


def health_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = health(*args, "--json")
    doc = json.loads(result.stdout)
    check_envelope(doc, "health")
    return result.exit_code, doc


def test_both_emulators_are_healthy(emulator: emulators.Emulator) -> None:
    code, doc = health_json("--url", emulator.url)
    assert code == 0, doc
    res = doc["result"]
    assert res["verdict"] == "healthy" and res["reasons"] == []
    assert res["emulator"] == {"localstack": "LocalStack", "ministack": "MiniStack"}[emulator.kind]
    assert res["version"] and res["round_trip_ms"] > 0
    assert res["services"]["secretsmanager"] in ("available", "running")
    assert res["init"]["source"] == emulator.kind and res["init"]["ready"] is True
    human = health("--url", emulator.url, "--require", "secretsmanager")
    assert human.exit_code == 0
    assert "verdict: healthy" in human.stdout
    assert "secretsmanager" in human.stdout and "\x1b[" not in human.stdout


def test_registry_variables_pick_the_emulator(localstack: emulators.Emulator) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(localstack.port))
    out = run_cli("health", "--require", "s3", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"LocalStack 2026.3.0, edition unknown at {localstack.url} (")
    assert "init stages: BOOT done, START done, READY done" in out.stdout


def test_require_enabled_and_disabled_services(start_emulator: Start) -> None:
    emu = start_emulator("localstack", extra_env={"SERVICES": "s3,sqs"})
    code, doc = health_json("--url", emu.url, "--require", "s3", "--require", "sqs")
    assert code == 0, doc
    assert doc["result"]["required"] == ["s3", "sqs"]
    code, doc = health_json("--url", emu.url, "--require", "s3,secretsmanager")
    assert code == 1
    assert doc["result"]["reasons"] == ["secretsmanager is disabled: not enabled (LocalStack's SERVICES setting)"]
    assert "secretsmanager is disabled" in doc["error"]["message"]
    code, doc = health_json("--url", emu.url, "--require", "nosuchservice")
    assert code == 1
    assert "nosuchservice is not enabled: the emulator does not list it" in doc["result"]["reasons"][0]
    # Without --require, a disabled service is not a failure.
    assert health("--url", emu.url).exit_code == 0


def test_service_forced_into_error(start_emulator: Start) -> None:
    emu = start_emulator("localstack")
    emu.put_json("/_localstack/health", {"services:s3": "error"})
    result = health("--url", emu.url)
    assert result.exit_code == 1
    assert "s3 is in state error" in result.stderr
    assert "verdict: unhealthy" in result.stdout
    # Only the required services decide: s3 in error does not matter to sqs.
    assert health("--url", emu.url, "--require", "sqs").exit_code == 0
    code, doc = health_json("--url", emu.url, "--require", "s3")
    assert code == 1 and doc["result"]["reasons"] == ["s3 is in state error"]


def test_localstack_init_script_that_succeeds(start_emulator: Start) -> None:
    emu = start_emulator("localstack", init_scripts={"01-seed.sh": OK_SCRIPT})
    code, doc = health_json("--url", emu.url)
    assert code == 0, doc
    assert doc["result"]["init"]["scripts"] == [{"stage": "READY", "name": "01-seed.sh", "state": "SUCCESSFUL"}]


def test_localstack_init_script_that_fails(start_emulator: Start) -> None:
    emu = start_emulator("localstack", init_scripts={"01-seed.sh": OK_SCRIPT, "02-broken.sh": FAILING_SCRIPT})
    # LocalStack itself answers 200 and calls the stage completed.
    assert emu.get_json("/_localstack/init/ready")["completed"] is True  # type: ignore[index]
    code, doc = health_json("--url", emu.url)
    assert code == 1
    assert doc["result"]["reasons"] == ["init script 02-broken.sh (READY) failed"]
    states = {s["name"]: s["state"] for s in doc["result"]["init"]["scripts"]}
    assert states == {"01-seed.sh": "SUCCESSFUL", "02-broken.sh": "ERROR"}
    human = health("--url", emu.url)
    assert "02-broken.sh" in human.stdout and "ERROR" in human.stdout
    # Waiting cannot fix a failed script: --wait stops at once with 1, not 124.
    started = time.monotonic()
    waited = health("--url", emu.url, "--wait", "--timeout", "30")
    assert waited.exit_code == 1 and time.monotonic() - started < 10


@pytest.fixture
def ministack_with() -> Iterator[Callable[[dict[str, str]], emulators.Emulator]]:
    ok, why = health_ministack.can_start()
    need(ok, why)
    started: list[emulators.Emulator] = []

    def start(scripts: dict[str, str]) -> emulators.Emulator:
        emu = health_ministack.start(scripts)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


def test_ministack_ready_scripts_that_succeed_and_fail(
    ministack_with: Callable[[dict[str, str]], emulators.Emulator],
) -> None:
    good = ministack_with({"01-seed.sh": OK_SCRIPT})
    bad = ministack_with({"01-seed.sh": OK_SCRIPT, "02-broken.sh": FAILING_SCRIPT})
    waited = health("--url", good.url, "--wait", "--timeout", "60", "--json")
    doc = json.loads(waited.stdout)
    assert waited.exit_code == 0, good.log_text()[-2000:]
    assert doc["result"]["init"] == {
        "source": "ministack",
        "ready": True,
        "stages": {"READY": True},
        "scripts": [],
        "total": 1,
        "failed": 0,
        "detail": "completed",
    }
    waited = health("--url", bad.url, "--wait", "--timeout", "60", "--json")
    doc = json.loads(waited.stdout)
    assert waited.exit_code == 1, bad.log_text()[-2000:]
    assert doc["result"]["reasons"] == ["1 of 2 ready.d script(s) failed (MiniStack's log names them)"]
    assert "02-broken.sh failed" in bad.log_text()


def test_wait_started_before_the_emulator(start_emulator: Start) -> None:
    port = emulators.free_port()
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [exe, "health", "--url", url, "--wait", "--timeout", "90"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        time.sleep(1.0)
        assert proc.poll() is None, "returned before anything listened"
        emu = start_emulator("localstack", port=port, wait=False)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert emu.is_ready()
    assert "verdict: healthy" in out
    assert "waiting: localstack at " in err and "refused the connection" in err


def test_wait_times_out_naming_what_is_missing(start_emulator: Start) -> None:
    slow = "#!/bin/sh\nsleep 60\n"
    emu = start_emulator("localstack", init_scripts={"01-slow.sh": slow}, wait=False)
    started = time.monotonic()
    result = health("--url", emu.url, "--wait", "--timeout", "10", "--json")
    elapsed = time.monotonic() - started
    assert result.exit_code == 124, result.output
    doc = json.loads(result.stdout)
    check_envelope(doc, "health")
    assert doc["error"]["type"] == "timeout"
    assert "still missing: init stage READY has not completed (pending: 01-slow.sh)" in doc["error"]["message"]
    assert doc["result"]["verdict"] == "not_ready"
    assert elapsed < 14, elapsed  # --timeout caps the whole wait


def test_wait_timeout_with_nothing_listening() -> None:
    port = emulators.free_port()
    started = time.monotonic()
    result = health("--url", f"http://127.0.0.1:{port}", "--wait", "--timeout", "1")
    assert time.monotonic() - started < 4
    assert result.exit_code == 124
    assert "was not healthy after 1s; still missing: " in result.stderr
    assert "refused the connection" in result.stderr


def test_all_checks_every_service_at_once(localstack: emulators.Emulator, tmp_path: Path) -> None:
    registry = tmp_path / "services.toml"
    registry.write_text(
        f'[services.api]\nhost = "127.0.0.1"\nport = {localstack.port}\nhealth_path = "/_localstack/health"\n'
    )
    env = {
        "FOUNDRY_DISCOVER_REGISTRY": str(registry),
        "SVC_LOCALSTACK_HOST": "127.0.0.1",
        "LOCALSTACK_PORT": str(localstack.port),
        **{f"SVC_{n}_HOST": "127.0.0.1" for n in ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT")},
        **{f"{n}_PORT": str(emulators.free_port()) for n in ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT")},
    }
    result = health("--all", "--json", env=env)
    doc = json.loads(result.stdout)
    check_envelope(doc, "health")
    verdicts = {s["name"]: s["verdict"] for s in doc["result"]["services"]}
    assert verdicts.pop("LOCALSTACK") == "healthy"
    assert verdicts.pop("API") == "healthy"
    assert set(verdicts.values()) == {"unreachable"}
    assert result.exit_code == 4


def test_unresolvable_name_in_a_private_network_namespace(tmp_path: Path) -> None:
    """The name is resolved only inside a namespace whose resolver is a dead local address."""
    need(shutil.which("unshare") is not None, "unshare (util-linux) is not installed")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    script = f"mount --bind {resolv} /etc/resolv.conf && ip link set lo up && exec {exe} health localstack --timeout 5"
    out = subprocess.run(
        ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=cli_env(SVC_LOCALSTACK_HOST="no-such-service.internal"),
        timeout=30,
    )
    assert out.returncode == 4, out.stderr
    assert "no-such-service.internal does not resolve: no DNS server answered" in out.stderr
    assert "Run `foundry-discover resolve localstack`" in out.stderr
    assert "Traceback" not in out.stderr


def test_progress_lines_are_plain_when_stderr_is_not_a_terminal() -> None:
    port = emulators.free_port()
    out = run_cli("health", "--url", f"http://127.0.0.1:{port}", "--wait", "--timeout", "0.6")
    assert out.returncode == 124
    progress = [ln for ln in out.stderr.splitlines() if ln.startswith("waiting: ")]
    assert progress and all("\x1b[" not in ln for ln in progress)


NXDOMAIN_SERVER = """
import socket, sys
from pathlib import Path
from dnslib import RCODE, DNSRecord

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 53))
sock.settimeout(20)  # exits on its own if the test dies before killing it
Path(sys.argv[1]).touch()
while True:
    data, peer = sock.recvfrom(4096)
    reply = DNSRecord.parse(data).reply()
    reply.header.rcode = RCODE.NXDOMAIN
    sock.sendto(reply.pack(), peer)
"""


def test_name_without_a_record_in_a_private_network_namespace(tmp_path: Path) -> None:
    """A resolver inside the namespace answers NXDOMAIN: the name does not exist, exit 1."""
    need(shutil.which("unshare") is not None, "unshare (util-linux) is not installed")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    server = tmp_path / "nx.py"
    server.write_text(NXDOMAIN_SERVER)
    ready = tmp_path / "ready"
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    script = (
        f"mount --bind {resolv} /etc/resolv.conf && ip link set lo up || exit 99\n"
        f"{sys.executable} {server} {ready} & dns=$!\n"
        f"for i in $(seq 100); do [ -e {ready} ] && break; sleep 0.05; done\n"
        f"{exe} health localstack --timeout 5; rc=$?\n"
        "kill $dns\n"
        "exit $rc\n"
    )
    out = subprocess.run(
        ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=cli_env(SVC_LOCALSTACK_HOST="no-such-service.internal"),
        timeout=30,
    )
    assert out.returncode == 1, out.stderr
    assert "error: no-such-service.internal does not resolve (" in out.stderr
    assert "Run `foundry-discover resolve localstack`" in out.stderr
