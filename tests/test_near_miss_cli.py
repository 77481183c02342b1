"""Near-miss input, end to end: what the application will do, said by each command (issue 13).

Kubernetes' service links in LOCALSTACK_PORT, an ENVIRONMENT the application reads as
production, variables nothing reads, a region that is no region, a --require typo, and the
suggested `aws` command: each with its message and exit code, against the real emulators.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from foundry_discover.cli import app
from tests import secret_fixtures
from tests.conftest import cli_env, run_cli
from tests.secret_fixtures import SecretCli
from tests.support import emulators
from tests.support.emulators import Emulator
from tests.test_json_contract import check_envelope

cli = secret_fixtures.cli
Start = Callable[..., Emulator]
LINK = "tcp://10.96.0.12:4566"


def invoke(*args: str, **env: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


# ---- item 1: the kubelet's LOCALSTACK_PORT ----------------------------------------------------------


def test_url_with_a_kubernetes_service_link_in_the_port_variable(clean_env: pytest.MonkeyPatch) -> None:
    result = invoke("url", "localstack", LOCALSTACK_PORT=LINK)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "LOCALSTACK_PORT='tcp://10.96.0.12:4566' was injected by Kubernetes for Service localstack" in (
        result.stderr
    )
    assert "crashes on it at start-up" in result.stderr and "enableServiceLinks: false" in result.stderr
    doc = json.loads(invoke("url", "localstack", "--json", LOCALSTACK_PORT=LINK).stdout)
    check_envelope(doc, "url")
    assert doc["error"]["type"] == "config" and 'value: "4566"' in doc["error"]["fix"]


# ---- item 4: variables the registry never reads -----------------------------------------------------


def test_url_explain_points_out_variables_nothing_reads(clean_env: pytest.MonkeyPatch) -> None:
    env = {
        "SVC_LOCALSTACK_PORT": "4567",
        "LOCALSTACK_HOST": "localstack:4566",
        "LOCALSTACK_ENDPOINT": "http://ls:4566",
        "svc_localstack_host": "ls",
        "REDIS_URL": "redis://cache:6379",  # another service's: not shown for localstack
    }
    result = invoke("url", "localstack", "--explain", **env)
    assert result.exit_code == 0
    out = result.stdout
    assert "http://localstack:4566" in out
    assert "warning: SVC_LOCALSTACK_PORT is never read: the registry reads LOCALSTACK_PORT" in out
    assert "warning: LOCALSTACK_HOST is LocalStack's own setting" in out
    assert 'the seed\'s "before" pattern' in out
    assert "warning: svc_localstack_host is never read: variable names are case-sensitive" in out
    assert "REDIS_URL" not in out
    doc = json.loads(invoke("url", "localstack", "--explain", "--json", **env).stdout)
    check_envelope(doc, "url")
    assert len(doc["warnings"]) == 4
    # Without --explain the bare URL stays quiet: it is what scripts capture.
    plain = invoke("url", "localstack", **env)
    assert (plain.stdout, plain.stderr) == ("http://localstack:4566\n", "")


# ---- item 3 (and the region of item 4): doctor and secret --------------------------------------------


def test_doctor_warns_when_environment_means_production_to_the_application(localstack: Emulator) -> None:
    env = cli_env(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(localstack.port),
        ENVIRONMENT="Development",
        AWS_EC2_METADATA_DISABLED="true",
    )
    out = run_cli("doctor", "localstack", env=env)
    assert out.returncode == 0, out.stderr
    assert "warning: ENVIRONMENT='Development' is not exactly development, dev, local or production" in out.stderr
    assert "runs as production" in out.stderr and "did you mean ENVIRONMENT=development?" in out.stderr
    assert "ENVIRONMENT='Development', development to this tool, production to the application" in out.stdout
    env.update(ENVIRONMENT="development", LOCALSTACK_ENDPOINT="http://localstack:4566", AWS_REGION="eu-west1")
    out = run_cli("doctor", "localstack", "--json", env=env)
    doc = json.loads(out.stdout)
    check_envelope(doc, "doctor")
    assert doc["result"]["environment_check"]["warning"] is None
    assert any(w.startswith("LOCALSTACK_ENDPOINT is never read") for w in doc["warnings"])
    assert "AWS_REGION='eu-west1' is not shaped like an AWS region; did you mean eu-west-1?" in doc["warnings"]


@pytest.mark.parametrize(
    ("value", "mode", "likely"),
    [("dev ", "development", "dev"), ("developement", "production", "development"), ("staging", "production", None)],
)
def test_secret_says_what_environment_means_to_the_application(
    localstack: Emulator, cli: SecretCli, value: str, mode: str, likely: str | None
) -> None:
    name = cli.unique()
    cli.boto(localstack).create_secret(Name=name, SecretString=cli.store("env-" + name))
    # In production the client goes to the SDK's endpoint: pointed at LocalStack on loopback
    # (allowed explicitly), never at AWS.
    env = {
        "ENVIRONMENT": value,
        "AWS_ENDPOINT_URL": localstack.url,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    cli.at(localstack)
    result = cli("secret", "get", name, "--allow-non-aws-endpoint", "--json", **env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    check = doc["result"]["client"]["environment_check"]
    assert (doc["result"]["client"]["environment"], check["app"], check["likely"]) == (mode, "production", likely)
    assert doc["warnings"][0] == check["warning"]
    human = cli("secret", "get", name, "--allow-non-aws-endpoint", **env)
    assert human.exit_code == 0
    assert f"warning: ENVIRONMENT={value!r} is not exactly" in human.stderr


def test_secret_warns_about_a_region_of_the_wrong_shape(localstack: Emulator, cli: SecretCli) -> None:
    result = cli.at(localstack)("secret", "list", AWS_REGION="eu-west1")
    assert result.exit_code == 0, result.output
    assert "warning: AWS_REGION='eu-west1' is not shaped like an AWS region; did you mean eu-west-1?" in result.stderr


# ---- item 7: suggested commands go where the application goes ------------------------------------------


def test_restore_command_targets_the_applications_endpoint_and_region(
    emulator: Emulator, cli: SecretCli, tmp_path: Path
) -> None:
    name = cli.unique()
    boto = cli.boto(emulator)
    boto.create_secret(Name=name, SecretString=cli.store("doomed-" + name))
    boto.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    config = tmp_path / "aws-config"
    config.write_text("[profile dev-stack]\nregion = us-east-1\n")
    result = cli.at(emulator)("secret", "get", name, AWS_PROFILE="dev-stack", AWS_CONFIG_FILE=str(config))
    assert result.exit_code == 1, result.output
    # The application passes test/test in development, and so does the command; `--profile` would
    # make the aws CLI drop those keys for the profile's own, so it is left out.
    expected = (
        "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws secretsmanager restore-secret "
        f"--secret-id {name} --endpoint-url http://127.0.0.1:{emulator.port} --region us-east-1`"
    )
    assert expected in result.stderr.replace("\n", " ")


# ---- item 5: --require near-misses fail at once ------------------------------------------------------


def test_require_typo_fails_at_once_with_the_closest_name(emulator: Emulator, clean_env: pytest.MonkeyPatch) -> None:
    started = time.monotonic()
    result = invoke("health", "--url", emulator.url, "--require", "secretsmanagr", "--wait", "--timeout", "60")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "secretsmanagr is not enabled: the emulator does not list it; did you mean secretsmanager?" in (
        result.stderr
    )
    assert elapsed < 15, elapsed  # not the 60 s of --timeout
    doc = json.loads(invoke("health", "--url", emulator.url, "--require", "secretsmanagr", "--wait", "--json").stdout)
    check_envelope(doc, "health")
    assert doc["result"]["unavailable"] == ["secretsmanagr"]


def test_doctor_wait_gives_up_on_a_require_typo(localstack: Emulator) -> None:
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(localstack.port))
    started = time.monotonic()
    out = run_cli("doctor", "localstack", "--require", "sqss", "--wait", "--timeout", "60", "--json", env=env)
    elapsed = time.monotonic() - started
    doc = json.loads(out.stdout)
    assert out.returncode == 1, doc
    assert elapsed < 20, elapsed
    protocol = doc["result"]["services"][0]["steps"][3]
    assert "sqss is not enabled: the emulator does not list it; did you mean sqs?" in protocol["detail"]
    assert protocol["data"]["unavailable"] == ["sqss"]
    assert "waiting will not bring it" in protocol["fix"]


def test_listed_service_that_is_still_starting_keeps_the_wait_going(
    start_emulator: Start, clean_env: pytest.MonkeyPatch
) -> None:
    emu = start_emulator("localstack")
    emu.put_json("/_localstack/health", {"services:sqs": "starting"})
    started = time.monotonic()
    result = invoke("health", "--url", emu.url, "--require", "sqs", "--wait", "--timeout", "4", "--json")
    elapsed = time.monotonic() - started
    assert result.exit_code == 124, result.output
    assert elapsed >= 3.5, elapsed
    doc = json.loads(result.stdout)
    assert doc["result"]["unavailable"] == []
    assert "sqs is starting" in doc["error"]["message"]


def test_ministack_lists_its_services_from_the_start(ministack: Emulator) -> None:
    """MiniStack too: its first health answer lists what it runs, so an unlisted name is final."""
    doc = emulators.Emulator.get_json(ministack, "/_localstack/health")
    assert isinstance(doc, dict) and "secretsmanager" in doc["services"]
