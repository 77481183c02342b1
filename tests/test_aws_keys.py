"""Development keys as the application uses them: LocalStack's test/test, passed explicitly.

The emulators keep secrets per account and take the account from the access key (a
12-digit key is that account in LocalStack and MiniStack), so a secret made with other
keys is somewhere the application does not look, and the other way round. Real
LocalStack and MiniStack; the accounts in the messages come from their STS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import secret_fixtures
from tests.conftest import cli_env, run_cli
from tests.secret_fixtures import REGION, SecretCli
from tests.support.emulators import Emulator

cli = secret_fixtures.cli  # the recording CLI with its leak check, for every test here

EXPORTED = {"AWS_ACCESS_KEY_ID": "123456789012", "AWS_SECRET_ACCESS_KEY": "exported-secret-key"}

PER_ACCOUNT = "the emulator keeps secrets per account, and the application passes test/test in development"


def one_line(text: str) -> str:
    return " ".join(text.split())


def boto_as(emulator: Emulator, key: str) -> Any:
    import boto3

    return boto3.client(
        "secretsmanager",
        endpoint_url=emulator.url,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key="exported-secret-key",
    )


def test_exported_keys_do_not_hide_a_secret_the_application_reads(emulator: Emulator, cli: SecretCli) -> None:
    """The issue's case: with AWS_ACCESS_KEY_ID=123456789012 exported, `secret get` said "not found"."""
    name = cli.unique("fd-keys")
    cli.boto(emulator).create_secret(Name=name, SecretString=cli.store("app-" + name))
    # The exported keys really are another account: botocore with them finds nothing.
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        boto_as(emulator, EXPORTED["AWS_ACCESS_KEY_ID"]).describe_secret(SecretId=name)
    result = cli.at(emulator)("secret", "get", name, **EXPORTED)
    assert result.exit_code == 0, result.output
    doc = json.loads(cli("secret", "get", name, "--json", **EXPORTED).stdout)
    assert doc["result"]["client"]["credentials_source"] == (
        "LocalStack's test/test, passed explicitly as the application does "
        "(not used by it: the exported AWS_ACCESS_KEY_ID, 123456789012)"
    )


def test_a_secret_made_with_other_keys_is_named_with_both_accounts(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique("fd-keys")
    boto_as(emulator, EXPORTED["AWS_ACCESS_KEY_ID"]).create_secret(Name=name, SecretString=cli.store("other-" + name))
    result = cli.at(emulator)("secret", "get", name, **EXPORTED)
    assert result.exit_code == 1, result.output
    text = one_line(result.stderr)
    assert text.startswith(
        f"error: secret '{name}' not found at {emulator.url} (development, region {REGION}) under the "
        "application's keys (test/test, account 000000000000); it exists under the exported AWS_ACCESS_KEY_ID "
        f"(123456789012, account 123456789012): {PER_ACCOUNT}"
    )
    assert text.endswith(
        "Create it with the application's keys (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test for the init "
        "script or `aws` command that makes it), so it lands in the application's account"
    )
    doc = json.loads(cli("secret", "get", name, "--json", **EXPORTED).stdout)
    assert doc["exit_code"] == 1 and "it exists under the exported AWS_ACCESS_KEY_ID" in doc["error"]["message"]


def test_a_secret_under_neither_set_of_keys(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique("fd-nowhere")
    result = cli.at(emulator)("secret", "get", name, **EXPORTED)
    assert result.exit_code == 1
    assert (
        f"not found at {emulator.url} (development, region {REGION}) under the application's keys (test/test, "
        "account 000000000000), nor under the exported AWS_ACCESS_KEY_ID (123456789012, account 123456789012)"
    ) in one_line(result.stderr)
    alone = cli("secret", "get", name)
    assert f"(development, region {REGION}) under the application's keys (test/test, account 000000000000)" in (
        one_line(alone.stderr)
    )
    assert "nor under" not in alone.stderr


def test_keys_from_the_shared_credentials_file_count_too(emulator: Emulator, cli: SecretCli, tmp_path: Path) -> None:
    name = cli.unique("fd-keys")
    boto_as(emulator, "123456789012").create_secret(Name=name, SecretString=cli.store("filed-" + name))
    credentials = tmp_path / "credentials"
    credentials.write_text("[default]\naws_access_key_id = 123456789012\naws_secret_access_key = z\n")
    result = cli.at(emulator)("secret", "get", name, AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    assert result.exit_code == 1
    assert ("it exists under the keys in the shared credentials file (123456789012, account 123456789012)") in one_line(
        result.stderr
    )


def test_an_empty_list_says_where_the_secrets_are(start_emulator: Any, cli: SecretCli) -> None:
    emulator = start_emulator("ministack")  # a private one: the application's account must be empty
    name = cli.unique("fd-keys")
    boto_as(emulator, "123456789012").create_secret(Name=name, SecretString=cli.store("listed-" + name))
    note = (
        "no secrets under the application's keys (test/test, account 000000000000), but 1 under the exported "
        f"AWS_ACCESS_KEY_ID (123456789012, account 123456789012): {PER_ACCOUNT}, so it sees none of them"
    )
    result = cli.at(emulator)("secret", "list", **EXPORTED)
    assert result.exit_code == 0, result.output
    assert one_line(result.stdout) == one_line(f"no secrets at {emulator.url} (region {REGION}) note: {note}")
    doc = json.loads(cli("secret", "list", "--json", **EXPORTED).stdout)
    assert doc["result"]["secrets"] == [] and doc["result"]["notes"] == [note]
    plain = cli("secret", "list")
    assert plain.exit_code == 0 and "note:" not in plain.stdout

    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(emulator.port), **EXPORTED)
    env.update(AWS_CONFIG_FILE="/nonexistent/c", AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s")
    out = run_cli("doctor", "localstack", "--json", env=env)
    assert out.returncode == 0, out.stderr
    aws = json.loads(out.stdout)["result"]["services"][0]["steps"][4]
    assert aws["status"] == "warn"
    assert aws["detail"] == f"Secrets Manager answered: 0 secret(s) listed; {note}"
    assert aws["fix"] == (
        "Create the secrets with the application's keys (AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)"
    )
