"""A reader that closes the pipe (`| head -1`, `| grep -m1`, quitting `less`) is normal use.

Every command, human and --json, small and large output, from the installed command and
from the .pyz, runs with its stdout on a real pipe whose reader goes away: either before
anything is written, or after reading one line of an output larger than the pipe. The
command must print nothing more (no error line, no traceback, no "Exception ignored" at
exit) and exit with its own result, the code the same command gives with nobody closing
anything, so that `set -o pipefail` reports the check and not the pipe.
"""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pyz_fixtures
from tests.conftest import cli_env
from tests.support.emulators import free_port
from tests.support.secret_server import Canned, serve, serving

#: Linux's F_SETPIPE_SZ: the pipe is made one page, so a large output outgrows it.
F_SETPIPE_SZ = 1031
EXE = str(Path(sys.executable).with_name("foundry-discover"))
#: LocalStack 4 lists about this many services in its health reply.
SERVICES = [f"service{i:02d}" for i in range(35)]
BROKEN = ("Traceback", "BrokenPipe", "Exception ignored", "a bug in foundry-discover", "Aborted")

pyz = pyz_fixtures.pyz


@pytest.fixture(scope="module")
def health_server() -> Iterator[str]:
    """A LocalStack-shaped health endpoint on loopback listing 35 services."""
    body = json.dumps(
        {"edition": "community", "version": "4.0.0", "services": dict.fromkeys(SERVICES, "available")}
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.startswith("/_localstack/health")
            self.send_response(200 if found else 404)
            reply = body if found else b'{"error": "not found"}'
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        yield url


@pytest.fixture(scope="module")
def secrets_list_url() -> Iterator[str]:
    """Secrets Manager answering ListSecrets with 1000 secrets (tens of kilobytes of output)."""
    entries = [
        {"Name": f"app/service-{i:03d}", "ARN": f"arn:aws:secretsmanager:us-east-1:000000000000:secret:app/s{i:03d}"}
        for i in range(1000)
    ]
    with serve(Canned(200, json.dumps({"SecretList": entries}).encode())) as url:
        yield url


@pytest.fixture(scope="module")
def secret_get_url() -> Iterator[str]:
    reply = {
        "Name": "app/db",
        "ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf",
        "VersionId": "v" * 32,
        "VersionStages": ["AWSCURRENT"],
        "SecretString": json.dumps({f"key{i}": "x" for i in range(20)}),
    }
    with serve(Canned(200, json.dumps(reply).encode())) as url:
        yield url


@pytest.fixture(scope="module")
def big_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 declared services: `url --all` prints far more than a pipe holds."""
    path = tmp_path_factory.mktemp("registry") / "services.toml"
    path.write_text(
        "".join(f'[services.svc{i:03d}]\nhost = "svc{i:03d}.test"\nport = {1000 + i}\n' for i in range(200))
    )
    return path


def environment(health: str, secrets: str) -> dict[str, str]:
    """Every built-in on loopback (nothing is ever resolved by name), LocalStack at ``secrets``."""
    closed = str(free_port())
    env = cli_env(
        NO_COLOR="1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
    )
    for name in ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT"):
        env[f"SVC_{name}_HOST"] = "127.0.0.1"
        env[f"{name}_PORT"] = closed
    port = secrets.rsplit(":", 1)[1]
    env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=port)
    return env


def cases(health: str, registry: Path) -> dict[str, list[str]]:
    closed = f"http://127.0.0.1:{free_port()}"
    return {
        "url": ["url", "localstack"],
        "url --all (large)": ["--registry", str(registry), "url", "--all"],
        "url unknown (exit 3)": ["url", "nope"],
        "resolve": ["resolve", "10.0.0.1"],
        "health (35 services)": ["health", "--url", health],
        "health refused (exit 4)": ["health", "--url", closed],
        "secret get": ["secret", "get", "app/db"],
        "secret list (large)": ["secret", "list"],
        "doctor": ["doctor"],
        "--help": ["--help"],
    }


def closing_reader(argv: list[str], env: dict[str, str], *, after_one_line: bool) -> tuple[int, str]:
    """Run ``argv`` with stdout on a one-page pipe whose reader leaves; the exit code and stderr."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(argv, stdout=write_end, stderr=subprocess.PIPE, env=env)
    os.close(write_end)
    try:
        if after_one_line:
            with os.fdopen(read_end, "rb", buffering=0) as reader:
                got = b""
                while not got.endswith(b"\n"):
                    chunk = reader.read(1)
                    if not chunk:
                        break
                    got += chunk
        else:
            os.close(read_end)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err.decode()


def own_result(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, capture_output=True, env=env, timeout=90)


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
@pytest.mark.parametrize("after_one_line", [False, True], ids=["reader-gone", "reader-reads-one-line"])
def test_a_closed_pipe_keeps_the_commands_own_exit_code(
    health_server: str,
    secrets_list_url: str,
    secret_get_url: str,
    big_registry: Path,
    as_json: bool,
    after_one_line: bool,
) -> None:
    failures = []
    for name, args in cases(health_server, big_registry).items():
        if as_json and args == ["--help"]:
            continue
        secrets = secrets_list_url if "list" in args else secret_get_url
        env = environment(health_server, secrets)
        argv = [EXE, *args, *(["--json"] if as_json else [])]
        expected = own_result(argv, env)
        if as_json:
            json.loads(expected.stdout)  # the unpiped run is a real document, so the case means something
        if after_one_line and len(expected.stdout) > 4096:
            assert expected.stdout.count(b"\n") > 1
        code, err = closing_reader(argv, env, after_one_line=after_one_line)
        broken = [marker for marker in BROKEN if marker in err]
        if code != expected.returncode or broken:
            failures.append(f"{name}: exit {code} (own result {expected.returncode}), stderr has {broken}: {err!r}")
    assert not failures, "\n".join(failures)


def test_large_outputs_really_outgrow_the_pipe(health_server: str, secrets_list_url: str, big_registry: Path) -> None:
    """The 'reads one line' case only tests something when the writer is still writing."""
    for args in (["--registry", str(big_registry), "url", "--all"], ["secret", "list"], ["secret", "list", "--json"]):
        out = own_result([EXE, *args], environment(health_server, secrets_list_url))
        assert out.returncode == 0, out.stderr
        assert len(out.stdout) > 4 * 4096, args


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_a_closed_pipe_from_the_pyz(
    pyz: Path, tmp_path: Path, health_server: str, big_registry: Path, as_json: bool
) -> None:
    env = environment(health_server, health_server)
    env["FOUNDRY_DISCOVER_PYZ_CACHE"] = str(tmp_path / "cache")
    for args in (
        ["--registry", str(big_registry), "url", "--all"],
        ["health", "--url", health_server],
        ["url", "nope"],
    ):
        argv = [sys.executable, "-I", str(pyz), *args, *(["--json"] if as_json else [])]
        expected = own_result(argv, env)
        for after_one_line in (False, True):
            code, err = closing_reader(argv, env, after_one_line=after_one_line)
            assert code == expected.returncode, (args, err)
            assert not [marker for marker in BROKEN if marker in err], (args, err)
