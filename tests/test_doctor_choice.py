"""Which services `doctor` checks, and no check passing by being skipped.

With no names it checks what this environment configures, says what it left out and
why; a check asked for by name (--secret, --require, a NAME) is never dropped. The
choice itself is pure logic (unit tests); the CI gate and the secret checks run against
real servers on loopback. Nothing here sends traffic to AWS: production paths either
fail before sending (no region, the endpoint guard, no credentials) or point
AWS_ENDPOINT_URL at the local emulator.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from foundry_discover.doctor.choose import choose
from foundry_discover.doctor.model import Options
from foundry_discover.registry import BUILTIN_SERVICES, Registry
from tests import probe_fixtures
from tests.conftest import cli_env, run_cli
from tests.support import emulators
from tests.support.realservers import RedisServer
from tests.support.services import HealthServer
from tests.test_json_contract import check_envelope

redis = probe_fixtures.redis  # a real redis-server: the protocol step PINGs it

BUILTINS = sorted(spec.name for spec in BUILTIN_SERVICES)
#: No shared AWS files and no instance metadata: nothing but what the test sets.
NO_AWS_FILES = {
    "AWS_CONFIG_FILE": "/nonexistent/fd-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/fd-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


# ---- the choice (pure logic) ------------------------------------------------------------


def test_nothing_configured_checks_every_builtin() -> None:
    choice = choose(Registry.from_mapping({}), [], "development")
    assert choice.services == BUILTINS
    assert choice.left_out == []
    assert "nothing is configured here" in choice.notes[0]


def test_configured_services_only_and_the_rest_left_out_with_why(tmp_path: Path) -> None:
    file = tmp_path / "r.toml"
    file.write_text('[services.search]\nhost = "search"\nport = 9200\n')
    env = {"SVC_REDIS_HOST": "127.0.0.1", "BACKEND_PORT": "9000"}
    choice = choose(Registry.from_mapping(env, file), [], "development")
    assert choice.services == ["BACKEND", "REDIS", "SEARCH"]
    left = {o["name"]: o["why"] for o in choice.left_out}
    assert sorted(left) == ["compiler", "livekit", "localstack", "postgres"]
    assert "SVC_LIVEKIT_HOST, LIVEKIT_PORT unset" in left["livekit"]
    assert any("compiler, livekit, localstack, postgres" in n for n in choice.notes)


def test_skip_and_all() -> None:
    env = {"SVC_REDIS_HOST": "r", "SVC_POSTGRES_HOST": "p"}
    skipped = choose(Registry.from_mapping(env), [], "development", Options(skip=("postgres",)))
    assert skipped.services == ["REDIS"]
    assert {"name": "postgres", "why": "--skip"} in skipped.left_out
    every = choose(Registry.from_mapping(env), [], "development", Options(every=True))
    assert every.services == BUILTINS and every.left_out == []


def test_production_leaves_localstack_out_even_when_configured_by_port_or_file() -> None:
    env = {"LOCALSTACK_PORT": "4566", "SVC_REDIS_HOST": "r"}
    choice = choose(Registry.from_mapping(env), [], "production")
    assert choice.services == ["REDIS"]
    assert "ENVIRONMENT is production" in next(o["why"] for o in choice.left_out if o["name"] == "localstack")
    assert choice.notes[0].startswith("localstack left out: ENVIRONMENT is production")
    # Its host set explicitly: it is part of this stack after all.
    env["SVC_LOCALSTACK_HOST"] = "ls"
    assert "LOCALSTACK" in choose(Registry.from_mapping(env), [], "production").services


def test_a_check_asked_for_by_name_brings_what_it_needs() -> None:
    env = {"SVC_REDIS_HOST": "r"}
    reg = Registry.from_mapping(env)
    dev = choose(reg, ["redis"], "development", Options(secrets=("app/db",)))
    assert dev.services == ["REDIS", "LOCALSTACK"] and not dev.production_secrets
    assert "localstack added: --secret is checked against it" in dev.notes
    req = choose(reg, [], "production", Options(require=("s3",)))
    assert "LOCALSTACK" in req.services and all(o["name"] != "localstack" for o in req.left_out)
    prod = choose(reg, ["redis"], "production", Options(secrets=("app/db",)))
    assert prod.services == ["REDIS"] and prod.production_secrets


# ---- the CLI, against real servers ---------------------------------------------------------


def doctor(*args: str, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    out = run_cli("doctor", *args, "--json", env=env, timeout=120)
    doc = json.loads(out.stdout)
    check_envelope(doc, "doctor")
    assert "Traceback" not in out.stderr
    return out.returncode, doc, out.stderr


def service(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["result"]["services"] if s["name"] == name.upper())


def test_ci_gate_for_localstack_and_backend_goes_green_without_names(localstack: emulators.Emulator) -> None:
    backend = HealthServer(200)
    try:
        env = cli_env(
            ENVIRONMENT="development",
            AWS_EC2_METADATA_DISABLED="true",
            SVC_LOCALSTACK_HOST="127.0.0.1",
            LOCALSTACK_PORT=str(localstack.port),
            SVC_BACKEND_HOST="127.0.0.1",
            BACKEND_PORT=str(backend.port),
        )
        code, doc, err = doctor("--wait", "--timeout", "60", env=env)
        human = run_cli("doctor", env={**env, "NO_COLOR": "1"})
    finally:
        backend.close()
    assert code == 0, err
    assert [s["name"] for s in doc["result"]["services"]] == ["BACKEND", "LOCALSTACK"]
    assert sorted(o["name"] for o in doc["result"]["left_out"]) == ["compiler", "livekit", "postgres", "redis"]
    assert doc["result"]["counts"]["left_out"] == 4
    assert human.returncode == 0
    assert "note: left out, not configured here: compiler, livekit, postgres, redis" in human.stdout
    assert "all 2 services pass, 4 left out" in human.stdout


def test_skip_with_names_or_with_what_it_skips_is_a_usage_error() -> None:
    out = run_cli("doctor", "redis", "--skip", "postgres")
    assert out.returncode == 2
    assert "not both" in out.stderr
    out = run_cli("doctor", "--skip", "localstack", "--require", "s3")
    assert out.returncode == 2
    assert "--require checks LocalStack" in out.stderr


def _boto(emulator: emulators.Emulator) -> Any:
    import boto3

    return boto3.client(
        "secretsmanager",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_secret_given_twice_checks_each(localstack: emulators.Emulator) -> None:
    first, second = f"fd/choice/{uuid.uuid4().hex[:8]}", f"fd/choice/{uuid.uuid4().hex[:8]}"
    client = _boto(localstack)
    client.create_secret(Name=first, SecretString="first-value-not-shown")
    env = cli_env(ENVIRONMENT="development", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(localstack.port))
    env.update(NO_AWS_FILES)
    code, doc, _ = doctor("localstack", "--secret", first, "--secret", second, env=env)
    aws = service(doc, "localstack")["steps"][4]
    assert code == 1, aws  # the second does not exist: checking only the last or only the first both miss it
    assert aws["status"] == "fail" and second in aws["detail"] and f"{first} (string) fetched" in aws["detail"]
    client.create_secret(Name=second, SecretString="second-value-not-shown")
    code, doc, _ = doctor("localstack", "--secret", first, "--secret", second, env=env)
    aws = service(doc, "localstack")["steps"][4]
    assert code == 0 and first in aws["detail"] and second in aws["detail"]
    assert "value-not-shown" not in json.dumps(doc)


def test_secret_in_development_brings_localstack_along(localstack: emulators.Emulator, redis: RedisServer) -> None:
    env = cli_env(
        ENVIRONMENT="development",
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(localstack.port),
        SVC_REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(redis.port),
    )
    env.update(NO_AWS_FILES)
    code, doc, _ = doctor("redis", "--secret", "fd/choice/absent", env=env)
    assert code == 1  # was 0: redis passed and the secret was never asked for
    assert service(doc, "localstack")["failed_step"] == "aws"
    assert "localstack added: --secret is checked against it" in doc["result"]["notes"]


def production_env(localstack: emulators.Emulator, **extra: str) -> dict[str, str]:
    env = cli_env(ENVIRONMENT="test", SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(localstack.port))
    env.update(NO_AWS_FILES)
    env.update(extra)
    return env


def test_production_secret_is_not_skipped_without_a_region(localstack: emulators.Emulator) -> None:
    """The issue's case: `ENVIRONMENT=test doctor localstack --secret X` exited 0. Without AWS_REGION the
    application uses its default us-east-1, so the fetch goes on, and fails for want of credentials."""
    closed = f"http://127.0.0.1:{emulators.free_port()}"  # even a request sent by mistake stays here
    env = production_env(localstack, HTTPS_PROXY=closed, HTTP_PROXY=closed, NO_PROXY="127.0.0.1")
    code, doc, err = doctor("localstack", "--secret", "app/db", env=env)
    assert code == 3, err
    aws = service(doc, "secretsmanager")
    assert "region us-east-1 (the application's default: AWS_REGION is not set)" in aws["steps"][0]["detail"]
    assert aws["failed_step"] == "aws" and "no AWS credentials found" in aws["steps"][1]["detail"]
    assert service(doc, "localstack")["steps"][4]["status"] == "skip"  # LocalStack is not where it comes from


def test_production_secret_refuses_a_non_aws_endpoint(localstack: emulators.Emulator) -> None:
    env = production_env(localstack, AWS_REGION="us-east-1", AWS_ENDPOINT_URL=localstack.url)
    code, doc, _ = doctor("--secret", "app/db", env=env)
    assert code == 3
    assert "production refuses endpoint" in service(doc, "secretsmanager")["steps"][0]["detail"]


def test_production_secret_without_credentials_fails_before_sending() -> None:
    closed = f"http://127.0.0.1:{emulators.free_port()}"  # even a request sent by mistake stays here
    env = cli_env(ENVIRONMENT="production", AWS_REGION="us-east-1", AWS_ENDPOINT_URL=closed, **NO_AWS_FILES)
    code, doc, _ = doctor("--secret", "app/db", "--allow-non-aws-endpoint", "--skip", "redis", env=env)
    aws = service(doc, "secretsmanager")
    assert aws["failed_step"] == "aws" and "no AWS credentials found" in aws["steps"][1]["detail"], aws
    assert "nothing was sent" in aws["steps"][1]["detail"]
    assert code == 3


def test_production_secret_fetched_as_the_application_would(localstack: emulators.Emulator) -> None:
    name = f"fd/choice/{uuid.uuid4().hex[:8]}"
    _boto(localstack).create_secret(Name=name, SecretString="prod-value-not-shown")
    env = production_env(
        localstack,
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL=localstack.url,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )
    code, doc, err = doctor("localstack", "--secret", name, "--allow-non-aws-endpoint", env=env)
    assert code == 0, err
    aws = service(doc, "secretsmanager")
    assert [s["status"] for s in aws["steps"]] == ["warn", "pass"]
    assert name in aws["steps"][1]["detail"] and "prod-value-not-shown" not in json.dumps(doc)
    missing = doctor("localstack", "--secret", name + "-absent", "--allow-non-aws-endpoint", env=env)
    assert missing[0] == 1 and "not found" in service(missing[1], "secretsmanager")["steps"][1]["detail"]


@pytest.mark.parametrize("flag", [["--require", "secretsmanager"], ["--secret", "fd/choice/x"]])
def test_a_named_check_is_never_dropped_in_production(flag: list[str], tmp_path: Path) -> None:
    """Production leaves LocalStack out (the file declares it, SVC_LOCALSTACK_HOST is unset),
    yet --require still checks it and --secret still asks AWS: both fail here, never pass."""
    port = emulators.free_port()  # nothing listens: LocalStack is not there
    file = tmp_path / "r.toml"
    file.write_text(f'[services.localstack]\nhost = "127.0.0.1"\nport = {port}\n')
    env = cli_env(ENVIRONMENT="production", SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(port), **NO_AWS_FILES)
    out = run_cli("--registry", str(file), "doctor", *flag, "--json", env=env)
    doc = json.loads(out.stdout)
    assert out.returncode in (3, 4), out.stderr
    names = [s["name"] for s in doc["result"]["services"]]
    assert ("LOCALSTACK" in names) if flag[0] == "--require" else ("SECRETSMANAGER" in names)
