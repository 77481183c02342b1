"""Fixtures for the secret tests: stored values, a CLI runner that records every output,
and an autouse check that no stored value ever appears where it was not asked for.

Every secret test module does ``from tests.secret_fixtures import *`` so the check runs for
every test in it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from foundry_discover.cli import app
from tests.support.emulators import Emulator, free_port

REGION = "us-east-1"

#: A loopback port nobody listens on (bound, then released).
closed_port = free_port


@dataclass
class Record:
    args: tuple[str, ...]
    result: Result
    reveals: bool


@dataclass
class SecretCli:
    """Runs the CLI in-process with a clean, loopback-only environment; remembers everything."""

    values: list[bytes] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    base_env: dict[str, str] = field(default_factory=dict)

    def store(self, value: str | bytes) -> str | bytes:
        self.values.append(value.encode() if isinstance(value, str) else value)
        return value

    def unique(self, prefix: str = "fd-test") -> str:
        return f"{prefix}/{uuid.uuid4().hex[:10]}"

    def at(self, emulator: Emulator) -> SecretCli:
        self.base_env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(emulator.port))
        return self

    def boto(self, emulator: Emulator, region: str = REGION) -> Any:
        import boto3

        return boto3.client(
            "secretsmanager",
            endpoint_url=emulator.url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def __call__(self, *args: str, reveals: bool = False, **env: str) -> Result:
        merged = {**self.base_env, **env}
        result = CliRunner().invoke(app, list(args), env=merged, catch_exceptions=False)
        self.records.append(Record(args, result, reveals))
        return result

    def leaks(self) -> list[str]:
        found = []
        for record in self.records:
            streams = {"stderr": record.result.stderr_bytes or b""}
            if not record.reveals:
                streams["stdout"] = record.result.stdout_bytes
            for name, data in streams.items():
                for value in self.values:
                    if value and value in data:
                        found.append(f"{' '.join(record.args)}: {name} holds a stored value")
        return found


@pytest.fixture
def cli(clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> Iterator[SecretCli]:
    """The recording CLI; after the test, no stored value may be in any output or log record."""
    clean_env.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The developer's own AWS files must not change what a test sees.
    clean_env.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    clean_env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    caplog.set_level(logging.INFO)
    runner = SecretCli()
    yield runner
    leaks = runner.leaks()
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    leaks += [f"log holds a stored value ({len(v)} bytes)" for v in runner.values if v and v in logged]
    assert not leaks, leaks
    assert runner.records, "every secret test runs the CLI at least once"
