"""moto's standalone server: no /_localstack/health, yet a working emulator for the application.

It is identified by its own API (/moto-api/config) and checked through the call the
application makes (Secrets Manager ListSecrets); `health`, `doctor` and `secret` pass
against it and say what could not be checked. A server that answers neither the health
path nor the AWS call still fails as before. Real moto (the session fixture) and small
real servers on loopback for the misbehaving cases.
"""

from __future__ import annotations

import http.server
import json
import re
import time
from typing import Any

import pytest
from typer.testing import CliRunner

from foundry_discover.cli import app
from tests import secret_fixtures
from tests.conftest import cli_env, run_cli
from tests.secret_fixtures import SecretCli, closed_port
from tests.support.emulators import Emulator
from tests.support.secret_server import serving
from tests.test_json_contract import check_envelope

cli = secret_fixtures.cli

runner = CliRunner()

CHECKED_INSTEAD = "moto has no /_localstack/health (HTTP 404): checked through the application's call instead"
NOT_CHECKED = "not checked: other services' states and init scripts (moto reports neither)"


@pytest.fixture(autouse=True)
def _clean(clean_env: pytest.MonkeyPatch) -> None:
    pass


def listed(emulator: Emulator) -> int:
    import boto3

    client = boto3.client(
        "secretsmanager",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    return len(client.list_secrets(MaxResults=100)["SecretList"])


def registry_env(emulator: Emulator, **extra: str) -> dict[str, str]:
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(emulator.port), **extra)
    env.update(AWS_CONFIG_FILE="/nonexistent/c", AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s")
    return env


def test_health_identifies_moto_and_passes_through_the_applications_call(moto: Emulator) -> None:
    result = runner.invoke(app, ["health", "--url", moto.url])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"moto version unknown at {re.escape(moto.url)} \([0-9.]+ ms\)", lines[0]), lines[0]
    count = listed(moto)
    assert lines[1:] == [
        "verdict: healthy",
        "SERVICE         STATE",
        "secretsmanager  available",
        "identified: GET /moto-api/config answered moto's configuration",
        f"note: {CHECKED_INSTEAD} (Secrets Manager ListSecrets answered: {count} secret(s))",
        f"note: {NOT_CHECKED}",
        "init: not reported (moto reports no init scripts)",
    ]
    assert result.stderr == ""


def test_health_json_against_moto(moto: Emulator) -> None:
    result = runner.invoke(app, ["health", "--url", moto.url, "--require", "secretsmanager,s3", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    check_envelope(doc, "health")
    res = doc["result"]
    assert (res["emulator"], res["verdict"], res["version"], res["checked"]) == (
        "moto",
        "healthy",
        None,
        "aws (ListSecrets)",
    )
    assert res["services"] == {"secretsmanager": "available"} and res["unavailable"] == []
    assert res["identified_by"] == "GET /moto-api/config answered moto's configuration"
    assert res["notes"][1:] == ["not checked: s3 (moto reports no service states)", NOT_CHECKED]
    assert res["init"]["source"] == "none" and res["init"]["ready"] is None


def test_health_from_the_registry_without_typer_and_with_wait(moto: Emulator) -> None:
    out = run_cli("health", env=registry_env(moto))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"moto version unknown at {moto.url} (")
    started = time.monotonic()
    waited = run_cli("health", "--wait", "--timeout", "30", "--require", "secretsmanager", env=registry_env(moto))
    assert waited.returncode == 0, waited.stderr
    assert time.monotonic() - started < 15


def test_health_all_rests_moto_on_the_aws_call(moto: Emulator) -> None:
    env = registry_env(moto)
    for name in ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT"):
        env[f"SVC_{name}_HOST"] = "127.0.0.1"
        env[f"{name}_PORT"] = str(closed_port())
    out = run_cli("health", "--all", "--json", env=env)
    assert out.returncode == 4  # the others refuse; moto is not among the failures
    rows = {s["name"]: s for s in json.loads(out.stdout)["result"]["services"]}
    assert rows["LOCALSTACK"]["verdict"] == "healthy"
    assert rows["LOCALSTACK"]["emulator"]["checked"] == "aws (ListSecrets)"


def test_doctor_passes_moto_with_a_note(moto: Emulator) -> None:
    out = run_cli("doctor", "localstack", "--require", "secretsmanager", "--json", env=registry_env(moto))
    assert out.returncode == 0, out.stderr
    steps = json.loads(out.stdout)["result"]["services"][0]["steps"]
    assert [s["status"] for s in steps] == ["pass"] * 5
    count = listed(moto)
    assert steps[3]["detail"] == (
        f"moto is healthy (note: {CHECKED_INSTEAD} (Secrets Manager ListSecrets answered: {count} secret(s)); "
        f"{NOT_CHECKED})"
    )
    assert steps[3]["data"]["emulator"] == "moto"
    assert steps[4]["detail"] == f"Secrets Manager answered: {count} secret(s) listed"
    human = run_cli("doctor", "localstack", env=registry_env(moto))
    assert human.returncode == 0 and "1 service passes" in human.stdout


def test_secret_list_and_get_against_moto(moto: Emulator, cli: SecretCli) -> None:
    name = cli.unique("fd-moto")
    cli.boto(moto).create_secret(Name=name, SecretString=cli.store("moto-" + name))
    cli.at(moto)
    names = cli("secret", "list")
    assert names.exit_code == 0 and name in names.stdout
    got = cli("secret", "get", name)
    assert got.exit_code == 0, got.output
    assert f"arn          arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-" in got.stdout
    missing = cli("secret", "get", name + "-absent")
    assert missing.exit_code == 1
    text = " ".join(missing.stderr.split())
    assert text.startswith(
        f"error: secret '{name}-absent' not found at {moto.url} (development, region us-east-1) under the "
        "application's keys (test/test, account 123456789012)"
    )
    # moto puts every key it did not issue in one account: the exported keys see the same secrets.
    other = cli("secret", "get", name + "-absent", AWS_ACCESS_KEY_ID="111122223333", AWS_SECRET_ACCESS_KEY="x")
    assert "nor under the exported AWS_ACCESS_KEY_ID (111122223333, account 123456789012)" in " ".join(
        other.stderr.split()
    )


def handler(get: tuple[int, bytes, str], post: tuple[int, bytes, str]) -> type[http.server.BaseHTTPRequestHandler]:
    """Every GET gets ``get``, every POST ``post`` (status, body, content type)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self, reply: tuple[int, bytes, str]) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, body, content_type = reply
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer(get)

        def do_POST(self) -> None:
            self._answer(post)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def test_a_server_that_answers_neither_still_fails() -> None:
    page = (404, b"<html>Not Found</html>", "text/html")
    with serving(handler(page, page)) as url:
        result = runner.invoke(app, ["health", "--url", url])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {url}/_localstack/health answered HTTP 404 (body '<html>Not Found</html>'); it does not answer "
        "Secrets Manager ListSecrets either (HTTP 404). The emulator is failing or something else answers there; "
        "check its logs\n"
    )


def test_an_unidentified_emulator_that_answers_the_call_passes() -> None:
    aws_json = "application/x-amz-json-1.1"
    with serving(handler((404, b"", "text/plain"), (200, b'{"SecretList": []}', aws_json))) as url:
        result = runner.invoke(app, ["health", "--url", url, "--json"])
    assert result.exit_code == 0, result.output
    res = json.loads(result.stdout)["result"]
    assert (res["emulator"], res["verdict"], res["identified_by"]) == (
        "unknown AWS emulator",
        "healthy",
        "it answers Secrets Manager ListSecrets",
    )
    assert res["notes"][0] == (
        "unknown AWS emulator has no /_localstack/health (HTTP 404): checked through the application's call "
        "instead (Secrets Manager ListSecrets answered: 0 secret(s))"
    )


def test_moto_whose_call_fails_is_unhealthy() -> None:
    config = (200, b'{"batch": {"use_docker": true}, "lambda": {"use_docker": true}}', "application/json")
    failure = (500, b'{"__type": "InternalFailure", "message": "boom"}', "application/x-amz-json-1.1")

    class Moto(handler(config, failure)):  # type: ignore[misc]
        def do_GET(self) -> None:
            self._answer(config if self.path == "/moto-api/config" else (404, b"", "text/plain"))

    with serving(Moto) as url:
        result = runner.invoke(app, ["health", "--url", url])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: moto at {url} is unhealthy: moto answered, but Secrets Manager ListSecrets failed "
        "(InternalFailure, HTTP 500)\n"
    )
