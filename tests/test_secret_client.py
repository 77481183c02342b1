"""The client factory: environment, endpoint precedence, the production guard, credentials,
and the faults only a misbehaving server produces (access denied, 500, garbage).

Production tests never reach AWS: the guard refuses before any request, or the request
fails on missing credentials before sending (and HTTPS_PROXY points at a closed loopback
port, so even a bug could not send it outside), or the endpoint is loopback with the
override flag.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foundry_discover.checks.aws.plan import plan_client
from foundry_discover.checks.environment import decide_environment
from foundry_discover.lite.errors import ConfigError
from foundry_discover.registry import Registry
from tests import secret_fixtures
from tests.secret_fixtures import SecretCli, closed_port
from tests.support.emulators import Emulator
from tests.support.secret_server import Canned, serve

cli = secret_fixtures.cli  # the recording CLI with its leak check, for every test here


def nowhere() -> dict[str, str]:
    """Proxies at a closed loopback port: a request that should never be sent cannot leave."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    return {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": "127.0.0.1,localhost"}


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, "development"),
        ("", "development"),
        ("DEV", "development"),
        ("Local", "development"),
        ("development", "development"),
        ("production", "production"),
        ("staging", "production"),
    ],
)
def test_environment_decision(value: str | None, mode: str) -> None:
    env = {} if value is None else {"ENVIRONMENT": value}
    decided, raw, reason = decide_environment(env)
    assert decided == mode and raw == value
    assert ("ENVIRONMENT" in reason) and (value is not None or "default" in reason)


def requests_seen(emulator: Emulator) -> int:
    return emulator.log_text().count("AWS secretsmanager.")


def test_production_guard_refuses_localstack_and_sends_nothing(localstack: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(localstack).create_secret(Name=name, SecretString=cli.store("guarded-" + name))
    env = dict(
        ENVIRONMENT="production",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_ENDPOINT_URL_SECRETS_MANAGER=localstack.url,
    )
    cli.at(localstack)
    before = requests_seen(localstack)
    refused = cli("secret", "get", name, **env)
    assert refused.exit_code == 3
    assert "production refuses endpoint" in refused.stderr and "LocalStack host" in refused.stderr
    assert "--allow-non-aws-endpoint" in refused.stderr
    doc = json.loads(cli("secret", "get", name, "--json", **env).stdout)
    assert doc["error"]["type"] == "config"
    assert requests_seen(localstack) == before, "the guard let a request reach LocalStack"

    allowed = cli("secret", "get", name, "--allow-non-aws-endpoint", **env)
    assert allowed.exit_code == 0, allowed.output
    assert "allowed by --allow-non-aws-endpoint" in allowed.stderr
    assert requests_seen(localstack) > before  # the log check above can fail


def test_production_guard_refuses_any_non_aws_endpoint(cli: SecretCli) -> None:
    result = cli(
        "secret",
        "get",
        "x",
        ENVIRONMENT="production",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}",
    )
    assert result.exit_code == 3 and "is not an AWS endpoint" in result.stderr


def test_production_without_credentials_fails_before_sending(cli: SecretCli) -> None:
    result = cli(
        "secret",
        "get",
        "x",
        ENVIRONMENT="production",
        AWS_REGION="us-east-1",
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT="4566",
        **nowhere(),
    )
    assert result.exit_code == 3
    assert "no AWS credentials found for production" in result.stderr and "nothing was sent" in result.stderr
    assert "SVC_LOCALSTACK_HOST is set, but ENVIRONMENT=production" in result.stderr


def test_production_without_aws_region_uses_the_applications_default(cli: SecretCli) -> None:
    """The application passes AWS_REGION, default us-east-1: botocore's own variable does not count."""
    env = {"ENVIRONMENT": "production", "AWS_DEFAULT_REGION": "eu-west-1", **nowhere()}
    result = cli("secret", "get", "x", "--explain", **env)
    assert result.exit_code == 3  # no credentials: refused before sending
    assert "https://secretsmanager.us-east-1.amazonaws.com" in result.stdout
    assert "us-east-1 (the application's default: AWS_REGION is not set)" in result.stdout
    assert (
        "warning: only AWS_DEFAULT_REGION is set (eu-west-1): the application reads AWS_REGION, which is unset, so "
        "it uses its default us-east-1; botocore on its own (the aws CLI, a client without region_name) uses "
        "eu-west-1. Set AWS_REGION=eu-west-1 if that region is meant"
    ) in result.stderr.replace("\n", " ")


def test_production_service_endpoint_wins_over_global(localstack: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(localstack).create_secret(Name=name, SecretString=cli.store("p-" + name))
    result = cli(
        "secret",
        "get",
        name,
        "--explain",
        "--allow-non-aws-endpoint",
        ENVIRONMENT="production",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_ENDPOINT_URL_SECRETS_MANAGER=localstack.url,
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}",
    )
    assert result.exit_code == 0, result.output
    winner = next(line for line in result.stdout.splitlines() if line.startswith("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
    assert "yes" in winner.split() and "wins" in winner
    assert "endpoint settings disagree" in result.stderr


def test_development_registry_wins_over_sdk_endpoints(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(emulator).create_secret(Name=name, SecretString=cli.store("d-" + name))
    elsewhere = f"http://127.0.0.1:{closed_port()}"
    result = cli.at(emulator)("secret", "get", name, "--explain", AWS_ENDPOINT_URL_SECRETS_MANAGER=elsewhere)
    assert result.exit_code == 0, result.output
    assert "disagrees with the registry's LocalStack URL" in result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
    assert "ignored" in row
    quiet = cli(
        "secret", "get", name, AWS_ENDPOINT_URL_SECRETS_MANAGER=elsewhere, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true"
    )
    assert quiet.exit_code == 0 and "disagrees" not in quiet.stderr


def test_ignore_configured_endpoints_in_production_means_aws(cli: SecretCli) -> None:
    result = cli(
        "secret",
        "get",
        "x",
        "--explain",
        ENVIRONMENT="production",
        AWS_REGION="eu-central-1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}",
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
        **nowhere(),
    )
    assert result.exit_code == 3  # no credentials: refused before sending
    assert "https://secretsmanager.eu-central-1.amazonaws.com" in result.stdout
    assert "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true" in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:1111"},
        {"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:2222"},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:1111", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:2222"},
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:1111", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        {"AWS_PROFILE": "svc"},
        {"AWS_PROFILE": "svc", "AWS_ENDPOINT_URL": "http://127.0.0.1:1111"},
        {"AWS_PROFILE": "glob"},
        {},
    ],
)
def test_our_precedence_is_botocores(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint we hand botocore explicitly is the one botocore would have picked itself."""
    import botocore.session

    config = tmp_path / "config"
    config.write_text(
        "[profile svc]\nservices = local\n[services local]\nsecrets_manager =\n  endpoint_url = http://127.0.0.1:3333\n"
        "[profile glob]\nendpoint_url = http://127.0.0.1:4444\n"
    )
    for key in [k for k in __import__("os").environ if k.startswith(("AWS_", "SVC_"))] + ["ENVIRONMENT"]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    plan, _ = plan_client(Registry.from_mapping({}), allow_non_aws_endpoint=True)
    theirs = botocore.session.Session().create_client("secretsmanager", region_name="us-east-1")
    assert (plan.endpoint_url or plan.shown_endpoint) == theirs.meta.endpoint_url


def test_development_credentials_are_the_applications(cli: SecretCli, tmp_path: Path) -> None:
    """The application passes test/test in development: configured keys are named, and not used."""
    port = str(closed_port())
    env = {"SVC_LOCALSTACK_HOST": "127.0.0.1", "LOCALSTACK_PORT": port}
    mine = "LocalStack's test/test, passed explicitly as the application does"
    bare = cli("secret", "get", "x", "--explain", **env)
    assert mine in bare.stdout and "not used by it" not in bare.stdout
    exported = cli("secret", "get", "x", "--explain", AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="x", **env)
    assert f"{mine} (not used by it: the exported AWS_ACCESS_KEY_ID, AKID...MPLE)" in exported.stdout
    creds = tmp_path / "credentials"
    creds.write_text("[default]\naws_access_key_id = 123456789012\naws_secret_access_key = y\n")
    filed = cli("secret", "get", "x", "--explain", AWS_SHARED_CREDENTIALS_FILE=str(creds), **env)
    assert "(not used by it: the keys in the shared credentials file, 123456789012)" in filed.stdout


def test_development_warns_about_a_real_aws_endpoint() -> None:
    registry = Registry.from_mapping(
        {"SVC_LOCALSTACK_HOST": "secretsmanager.us-east-1.amazonaws.com", "LOCALSTACK_PORT": "443"}
    )
    import os

    saved = os.environ.get("ENVIRONMENT")
    os.environ.pop("ENVIRONMENT", None)
    try:
        plan, _ = plan_client(registry, env={"AWS_EC2_METADATA_DISABLED": "true"})
    finally:
        if saved is not None:
            os.environ["ENVIRONMENT"] = saved
    assert plan.endpoint_is_aws and any("real AWS endpoint" in w for w in plan.warnings)


def test_bad_region_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="AWS_REGION='us east' is not an AWS region"):
        plan_client(Registry.from_mapping({"SVC_LOCALSTACK_HOST": "127.0.0.1"}), env={"AWS_REGION": "us east"})


def aws_error(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "Message": message}).encode()


@pytest.mark.parametrize(
    ("canned", "code", "words"),
    [
        (Canned(400, aws_error("AccessDeniedException", "not authorized: {leak}")), 1, "access denied"),
        (Canned(400, aws_error("UnrecognizedClientException", "bad token {leak}")), 3, "credentials rejected"),
        (Canned(400, aws_error("DecryptionFailure", "kms said {leak}")), 1, "cannot be decrypted"),
        (Canned(500, aws_error("InternalFailure", "boom {leak}")), 1, "failed with HTTP 500"),
        (Canned(200, b"<html>{leak} not json</html>", "text/html"), 4, "not like Secrets Manager"),
    ],
)
def test_server_faults_have_their_own_message_and_never_echo_the_server(
    canned: Canned, code: int, words: str, cli: SecretCli
) -> None:
    leak = cli.store("server-said-this-secret")
    assert isinstance(leak, str)
    canned.body = canned.body.replace(b"{leak}", leak.encode())
    with serve(canned) as url:
        port = url.rsplit(":", 1)[1]
        result = cli("secret", "get", "app/db", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=port)
        as_json = cli("secret", "get", "app/db", "--json", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=port)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert json.loads(as_json.stdout)["exit_code"] == code
    assert canned.requests and all(r == "secretsmanager.GetSecretValue" for r in canned.requests[:1])
