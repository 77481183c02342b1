"""`health` against real misbehaving servers on loopback: each fault, its message, its code."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from typer.testing import CliRunner

from foundry_discover.checks.httpget import MAX_BODY
from foundry_discover.cli import app
from tests.support.faulty import Faulty, never_accepting
from tests.test_json_contract import check_envelope

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean(clean_env: pytest.MonkeyPatch) -> None:
    pass


def health(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["health", *args], env=env)


def one_line_error(result: Any) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return str(lines[0])


# (fault, exit code, words the message must hold)
FAULTS = [
    ("reset", 4, ["reset the connection"]),
    ("http500", 1, ["answered HTTP 500", "boom: the gateway crashed"]),
    ("garbage", 1, ["does not speak HTTP"]),
    ("not_json", 1, ["not JSON", "<html>"]),
    ("wrong_shape", 1, ["without a services map"]),
    ("oversized", 1, ["oversized body", f"cap is {MAX_BODY} bytes"]),
    ("redirect_loop", 1, ["redirects in a loop", "/_localstack/health -> "]),
    ("tls", 1, ["speaks TLS, not HTTP", "https:// URL"]),  # named by its handshake, within a second
]


@pytest.mark.parametrize(("kind", "code", "words"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_has_its_message_and_code(kind: str, code: int, words: list[str]) -> None:
    with Faulty(kind) as srv:
        result = health("--url", srv.url, "--timeout", "3")
    assert result.exit_code == code, result.output
    message = one_line_error(result)
    for word in words:
        assert word in message, message
    assert result.stdout == ""


@pytest.mark.parametrize("kind", ["hang", "reset", "http500", "not_json", "redirect_loop"])
def test_each_fault_as_json(kind: str) -> None:
    with Faulty(kind) as srv:
        result = health("--url", srv.url, "--timeout", "1", "--json")
    doc = json.loads(result.stdout)
    check_envelope(doc, "health")
    assert doc["exit_code"] == result.exit_code
    assert doc["error"]["type"] == ("not_ok" if result.exit_code == 1 else "unreachable")


def test_hang_is_a_read_timeout_bounded_by_timeout() -> None:
    with Faulty("hang") as srv:
        started = time.monotonic()
        result = health("--url", srv.url, "--timeout", "1")
        elapsed = time.monotonic() - started
    assert result.exit_code == 4
    assert "accepted the connection but sent no reply within 1s" in one_line_error(result)
    # Bounded by --timeout, not hanging: generous slack for a loaded machine.
    assert elapsed < 4, elapsed


def test_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        result = health("--url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 4
    assert f"127.0.0.1:{port} refused the connection" in one_line_error(result)


def test_connect_timeout_is_bounded() -> None:
    with never_accepting() as port:
        started = time.monotonic()
        result = health("--url", f"http://127.0.0.1:{port}", "--timeout", "1")
        elapsed = time.monotonic() - started
    assert result.exit_code == 4
    message = one_line_error(result)
    assert "timed out after 1s" in message or "sent no reply within 1s" in message, message
    assert elapsed < 4, elapsed


def test_https_against_a_plain_server_is_a_tls_failure() -> None:
    with Faulty("neither") as srv:
        result = health("--url", f"https://127.0.0.1:{srv.port}", "--timeout", "3")
    assert result.exit_code == 4
    message = one_line_error(result)
    assert f"TLS with 127.0.0.1:{srv.port} failed" in message
    assert "http:// URL" in message


def test_https_against_a_self_signed_server_is_a_tls_failure() -> None:
    with Faulty("tls") as srv:
        result = health("--url", f"https://127.0.0.1:{srv.port}", "--timeout", "3")
    assert result.exit_code == 4
    assert "CERTIFICATE_VERIFY_FAILED" in one_line_error(result)


def test_oversized_body_is_not_read_whole() -> None:
    with Faulty("oversized") as srv:
        started = time.monotonic()
        result = health("--url", srv.url, "--timeout", "5")
        elapsed = time.monotonic() - started
    assert result.exit_code == 1
    assert "more than" in one_line_error(result)
    assert elapsed < 3, elapsed  # stopped at the cap, did not read ~13 MB


def test_redirect_loop_stops_at_the_first_repeat() -> None:
    with Faulty("redirect_loop") as srv:
        result = health("--url", srv.url)
    # It redirects to itself: the second hop would repeat the first, so it is never made.
    # (Two requests: the raw protocol probe's GET, then the HTTP client's.)
    assert srv.requests == ["GET /_localstack/health HTTP/1.1"] * 2
    assert result.exit_code == 1


def test_emulator_with_neither_init_endpoint_nor_ready_scripts() -> None:
    with Faulty("neither") as srv:
        result = health("--url", srv.url, "--json")
        human = health("--url", srv.url)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    check_envelope(doc, "health")
    res = doc["result"]
    assert res["emulator"] == "unknown emulator"
    assert res["services"] == {"s3": "running", "sqs": "available"}
    assert res["init"]["source"] == "none" and res["init"]["ready"] is None
    assert "init: not reported" in human.stdout


def test_service_health_path_answering_500(tmp_path: Any) -> None:
    with Faulty("http500") as srv:
        registry = tmp_path / "services.toml"
        registry.write_text(f'[services.api]\nhost = "127.0.0.1"\nport = {srv.port}\nhealth_path = "/healthz"\n')
        result = health("api", env={"FOUNDRY_DISCOVER_REGISTRY": str(registry)})
    assert result.exit_code == 1
    assert "answered HTTP 500, expected 2xx" in one_line_error(result)
    assert "tcp connect" in result.stdout


def test_service_tcp_only_and_refused(tmp_path: Any) -> None:
    """A scheme with no protocol check gets a TCP connect, and the result says so."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        port = listener.getsockname()[1]
        registry = tmp_path / "services.toml"
        registry.write_text(f'[services.queue]\nhost = "127.0.0.1"\nport = {port}\nscheme = "amqp"\n')
        env = {"FOUNDRY_DISCOVER_REGISTRY": str(registry)}
        ok = health("queue", "--json", env=env)
        human = health("queue", env=env)
    doc = json.loads(ok.stdout)
    check_envelope(doc, "health")
    assert ok.exit_code == 0 and doc["result"]["verdict"] == "healthy"
    assert doc["result"]["health_url"] is None and doc["result"]["connect_ms"] >= 0
    assert doc["result"]["protocol"] == "tcp" and doc["result"]["probe"]["state"] == "tcp_only"
    assert "TCP only" in human.stdout and "'amqp'" in human.stdout
    refused = health("queue", env=env)
    assert refused.exit_code == 4
    assert "refused the connection" in one_line_error(refused)


@pytest.mark.parametrize(
    "argv",
    [
        ["--timeout", "0"],
        ["--require", "secrets manager"],
        ["--all", "--wait"],
        ["redis", "--require", "s3"],
        ["redis", "--url", "http://127.0.0.1:1"],
    ],
)
def test_usage_errors(argv: list[str]) -> None:
    assert health(*argv).exit_code == 2


def test_bad_url_is_a_usage_error() -> None:
    """A bad option value exits 2, as every other bad flag does (3 is for the environment and files)."""
    result = health("--url", "ftp://127.0.0.1:21")
    assert result.exit_code == 2
    assert "is not an http(s) URL" in one_line_error(result)
