"""`secret get` and `secret list` against the real LocalStack and MiniStack.

Every test creates its own uniquely named secrets (the emulators are shared by the
session) and every output of every test is searched for the stored values
(tests/secret_fixtures.py).
"""

from __future__ import annotations

import base64
import json

from tests import secret_fixtures
from tests.secret_fixtures import SecretCli, closed_port
from tests.support.emulators import Emulator

cli = secret_fixtures.cli  # the recording CLI with its leak check, for every test here


def test_string_secret_is_masked_by_default(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    value = cli.store("plain-string-" + name)
    cli.boto(emulator).create_secret(Name=name, SecretString=value)
    result = cli.at(emulator)("secret", "get", name)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"name         {name}" in out
    assert "type         string" in out
    assert f"length       {len(value)} characters" in out
    assert "stages       AWSCURRENT" in out
    assert "********" in out
    assert "environment  development (ENVIRONMENT is not set" in out
    assert f"http://127.0.0.1:{emulator.port}" in out


def test_reveal_shows_the_value(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    value = cli.store("revealed-" + name)
    cli.boto(emulator).create_secret(Name=name, SecretString=value)
    result = cli.at(emulator)("secret", "get", name, "--reveal", reveals=True)
    assert result.exit_code == 0
    assert value in result.stdout


def test_json_secret_keys_and_key_raw(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    password = cli.store("pw-" + name)
    document = json.dumps({"username": "app", "password": password, "port": 5432})
    cli.store(document)
    cli.boto(emulator).create_secret(Name=name, SecretString=document)
    cli.at(emulator)

    shown = cli("secret", "get", name, "--json")
    doc = json.loads(shown.stdout)
    assert doc["ok"] and doc["result"]["json_keys"] == ["username", "password", "port"]
    assert doc["result"]["revealed"] is False
    assert "value" not in doc["result"]
    assert doc["result"]["client"]["environment"] == "development"

    raw = cli("secret", "get", name, "--key", "password", "--raw", reveals=True)
    assert raw.exit_code == 0 and raw.stdout == password
    port = cli("secret", "get", name, "--key", "port", "--raw", reveals=True)
    assert port.stdout == "5432"

    missing = cli("secret", "get", name, "--key", "nope")
    assert missing.exit_code == 1
    assert "has no field 'nope'; its fields: password, port, username" in missing.stderr


def test_key_on_a_plain_string_is_not_ok(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(emulator).create_secret(Name=name, SecretString=cli.store("not json " + name))
    result = cli.at(emulator)("secret", "get", name, "--key", "x")
    assert result.exit_code == 1
    assert "is not a JSON object" in result.stderr


def test_binary_secret_raw_is_the_bytes(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    value = cli.store(b"\x00\xff\xfe binary " + name.encode())
    assert isinstance(value, bytes)
    cli.boto(emulator).create_secret(Name=name, SecretBinary=value)
    cli.at(emulator)
    raw = cli("secret", "get", name, "--raw", reveals=True)
    assert raw.exit_code == 0 and raw.stdout_bytes == value
    shown = cli("secret", "get", name)
    assert "type         binary" in shown.stdout and f"{len(value)} bytes" in shown.stdout
    revealed = json.loads(cli("secret", "get", name, "--json", "--reveal", reveals=True).stdout)
    assert base64.b64decode(revealed["result"]["value_base64"]) == value
    cli.values.append(base64.b64encode(value))
    assert base64.b64encode(value).decode() not in cli("secret", "get", name, "--json").stdout


def test_version_stages_and_ids(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    boto = cli.boto(emulator)
    current = cli.store("current-" + name)
    pending = cli.store("pending-" + name)
    first = boto.create_secret(Name=name, SecretString=current)["VersionId"]
    boto.put_secret_value(SecretId=name, SecretString=pending, VersionStages=["AWSPENDING"])
    cli.at(emulator)
    assert cli("secret", "get", name, "--raw", reveals=True).stdout == current
    got = cli("secret", "get", name, "--version-stage", "AWSPENDING", "--raw", reveals=True)
    assert got.stdout == pending
    assert cli("secret", "get", name, "--version-id", first, "--raw", reveals=True).stdout == current
    meta = json.loads(cli("secret", "get", name, "--version-stage", "AWSPENDING", "--json").stdout)
    assert meta["result"]["stages"] == ["AWSPENDING"]

    nostage = cli("secret", "get", name, "--version-stage", "AWSPREVIOUS")
    assert nostage.exit_code == 1
    assert "has no stage 'AWSPREVIOUS'" in nostage.stderr
    assert "AWSCURRENT, AWSPENDING" in nostage.stderr
    noversion = cli("secret", "get", name, "--version-id", "0" * 32)
    assert noversion.exit_code == 1 and "has no version id" in noversion.stderr and first in noversion.stderr


def test_not_found_suggests_the_closest_names(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique("fd-suggest")
    cli.boto(emulator).create_secret(Name=name, SecretString=cli.store("v-" + name))
    result = cli.at(emulator)("secret", "get", name[:-1] + "x")
    assert result.exit_code == 1
    assert "not found" in result.stderr
    assert f"closest names: {name}" in result.stderr or name in result.stderr.split("closest names:")[1]
    doc = json.loads(cli("secret", "get", name + "-nope", "--json").stdout)
    assert doc["error"]["type"] == "not_ok" and doc["exit_code"] == 1


def test_secret_scheduled_for_deletion(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    boto = cli.boto(emulator)
    boto.create_secret(Name=name, SecretString=cli.store("doomed-" + name))
    deletion = boto.delete_secret(SecretId=name, RecoveryWindowInDays=7)["DeletionDate"]
    result = cli.at(emulator)("secret", "get", name)
    assert result.exit_code == 1
    assert "scheduled for deletion" in result.stderr
    assert deletion.date().isoformat() in result.stderr
    assert f"restore-secret --secret-id {name}" in result.stderr


def test_list_shows_names_descriptions_and_dates(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(emulator).create_secret(Name=name, SecretString=cli.store("listed-" + name), Description="the db")
    cli.at(emulator)
    human = cli("secret", "list")
    assert human.exit_code == 0
    row = next(line for line in human.stdout.splitlines() if line.startswith(name))
    assert "the db" in row
    doc = json.loads(cli("secret", "list", "--json").stdout)
    entry = next(s for s in doc["result"]["secrets"] if s["name"] == name)
    assert entry["description"] == "the db" and entry["last_changed"]
    assert doc["command"] == "secret list"


def test_unreachable_endpoint_exits_4(cli: SecretCli) -> None:
    port = closed_port()
    result = cli("secret", "get", "anything", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port))
    assert result.exit_code == 4
    assert f"cannot reach Secrets Manager at http://127.0.0.1:{port}" in result.stderr
    assert "foundry-discover health" in result.stderr
    doc = json.loads(cli("secret", "list", "--json", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port)).stdout)
    assert doc["error"]["type"] == "unreachable"


def test_underscore_host_is_rejected_before_sending(cli: SecretCli) -> None:
    result = cli("secret", "get", "x", SVC_LOCALSTACK_HOST="local_stack", LOCALSTACK_PORT="4566")
    assert result.exit_code == 3
    assert "underscore" in result.stderr and "botocore rejects" in result.stderr


def test_wrong_region_is_named(localstack: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    arn = cli.boto(localstack).create_secret(Name=name, SecretString=cli.store("r-" + name))["ARN"]
    result = cli.at(localstack)("secret", "get", arn, AWS_REGION="eu-west-1")
    assert result.exit_code == 3
    assert "wrong region: the ARN is in us-east-1, but the client uses eu-west-1 (from AWS_REGION)" in result.stderr
    by_name = cli("secret", "get", name, AWS_REGION="eu-west-1")
    assert by_name.exit_code == 1 and "region eu-west-1" in by_name.stderr


def test_raw_and_json_together_is_a_usage_error(cli: SecretCli) -> None:
    assert cli("secret", "get", "x", "--raw", "--json").exit_code == 2
