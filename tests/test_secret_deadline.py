"""`secret get|list --timeout`: one deadline for the whole command, retries included.

Real misbehaving servers on loopback (one that accepts and never answers, one that
resets, one that answers 500, one that trickles a byte at a time) and the real console
script in a subprocess. The wall clock is only an upper bound with generous slack
(deadline + 3 s), never a performance assertion. The request count proves the retry
policy: at most two attempts, whatever AWS_MAX_ATTEMPTS or AWS_RETRY_MODE say.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from foundry_discover.checks.aws.client import RETRY_SLEEP, cli_config
from tests.conftest import cli_env, run_cli
from tests.support.faulty import Faulty

SLACK = 3.0
#: Exit code and the words of the one-line error, per fault.
EXPECTED = {
    "hang": (4, "cannot reach Secrets Manager at http://127.0.0.1:"),
    "reset": (4, "cannot reach Secrets Manager"),
    "http500": (1, "failed with HTTP 500"),
}


def env_for(port: int, **extra: str) -> dict[str, str]:
    return cli_env(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(port),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
        NO_COLOR="1",
        **extra,
    )


def timed(*args: str, env: dict[str, str]) -> tuple[float, int, str]:
    started = time.monotonic()
    out = run_cli(*args, env=env, timeout=120)
    assert "Traceback" not in out.stderr, out.stderr
    return time.monotonic() - started, out.returncode, out.stderr


@pytest.mark.parametrize("command", [["secret", "get", "app/db"], ["secret", "list"]], ids=["get", "list"])
@pytest.mark.parametrize("fault", list(EXPECTED))
@pytest.mark.parametrize("timeout", ["2", "5"])
def test_a_misbehaving_endpoint_ends_within_the_deadline(command: list[str], fault: str, timeout: str) -> None:
    code, words = EXPECTED[fault]
    with Faulty(fault) as server:
        elapsed, got, err = timed(*command, "--timeout", timeout, env=env_for(server.port))
        attempts = len(server.requests)
    assert got == code, err
    assert words in err and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert elapsed < float(timeout) + SLACK, f"{elapsed:.1f}s for --timeout {timeout}"
    if fault == "hang":
        # The endpoint and a time limit are named, and a silent server is given up on
        # only when the budget is spent (at --timeout 2, not after half of it).
        assert "s per attempt)" in err or f"within {timeout}s (--timeout)" in err, err
        if timeout == "2":
            assert elapsed >= 1.9, f"gave up after {elapsed:.1f}s of --timeout {timeout}"
    # One retry at most (and none below 4 s); a hung or reset first attempt is retried.
    assert 1 <= attempts <= (2 if float(timeout) >= 4 else 1), server.requests


def test_the_default_deadline_is_10s_not_45() -> None:
    with Faulty("hang") as server:
        elapsed, code, err = timed("secret", "get", "app/db", env=env_for(server.port))
        attempts = len(server.requests)
    assert code == 4, err
    assert elapsed < 10 + SLACK
    assert attempts == 2, server.requests


def test_the_sdk_retry_settings_do_not_stretch_the_deadline() -> None:
    """AWS_MAX_ATTEMPTS and AWS_RETRY_MODE configure the application's client, not this one's."""
    with Faulty("http500") as server:
        elapsed, code, err = timed(
            "secret",
            "get",
            "app/db",
            "--timeout",
            "5",
            env=env_for(server.port, AWS_MAX_ATTEMPTS="10", AWS_RETRY_MODE="legacy"),
        )
        attempts = len(server.requests)
    assert code == 1, err
    assert attempts == 2, server.requests
    assert elapsed < 5 + SLACK


@contextlib.contextmanager
def trickling() -> Iterator[int]:
    """Accepts, then sends a response one byte every 0.5 s: each read succeeds, the reply never ends."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nX-Padding: " + b"a" * 10_000:
                if stop.wait(0.5):
                    return
                conn.sendall(bytes([byte]))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()
        thread.join(5)


def test_a_trickling_server_is_cut_off_at_the_deadline() -> None:
    """botocore's read timeout is per socket read: only the deadline around the call ends this."""
    with trickling() as port:
        elapsed, code, err = timed("secret", "list", "--timeout", "4", env=env_for(port))
    assert code == 4, err
    assert "no complete answer within 4s (--timeout)" in err
    assert elapsed < 4 + SLACK


@pytest.mark.parametrize("timeout", [0.5, 1, 3.9, 4, 10, 30, 120])
def test_the_retry_policy_fits_in_the_deadline(timeout: float) -> None:
    """What botocore makes of the config: attempts x (connect + read) + the retry sleep <= the deadline."""
    import botocore.session

    client = botocore.session.Session().create_client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=cli_config(timeout),
    )
    config = client.meta.config
    attempts = config.retries["total_max_attempts"]
    assert config.retries["mode"] == "standard"
    assert attempts == (2 if timeout >= 4 else 1)
    # Each attempt may wait its whole share for a reply (a silent server is given up on
    # only when that share is spent); call_within cuts whatever runs past the deadline.
    worst = attempts * config.read_timeout + RETRY_SLEEP * (attempts - 1)
    assert worst == pytest.approx(timeout)
    assert config.connect_timeout <= config.read_timeout


def test_a_timeout_that_is_not_positive_is_a_usage_error() -> None:
    out = run_cli("secret", "get", "app/db", "--timeout", "0", env=env_for(9))
    assert out.returncode == 2
    assert "--timeout" in out.stderr


def test_a_slow_list_does_not_turn_not_found_into_a_network_error() -> None:
    """The closest-names courtesy waits at most SUGGESTION_BUDGET: the not-found stands (exit 1)."""
    import http.server

    from foundry_discover.checks.aws.calls import SUGGESTION_BUDGET
    from tests.support.secret_server import serving

    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("X-Amz-Target", "").endswith("ListSecrets"):
                release.wait(30)  # the list hangs; GetSecretValue answers at once
                return
            body = b'{"__type": "ResourceNotFoundException", "Message": "not here"}'
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    try:
        with serving(Handler) as url:
            port = int(url.rsplit(":", 1)[1])
            elapsed, code, err = timed("secret", "get", "app/db", "--timeout", "3", env=env_for(port))
    finally:
        release.set()
    assert code == 1, err
    assert "not found" in err and "no complete answer" not in err, err
    assert elapsed < 3 + SLACK
    assert SUGGESTION_BUDGET < 3
