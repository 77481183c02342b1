"""`foundry-discover secret get --raw` against the same fetch done other ways, in one run.

* a bare Python script that builds a boto3 client and calls get_secret_value (target: ratio <= 1.15)
* `aws secretsmanager get-secret-value` when the aws CLI works here (target: >= 2.5x faster)

A private LocalStack on loopback holds the secret; it is stopped (by PID) when done.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench._harness import Comparison, compare

if TYPE_CHECKING:
    from tests.support.emulators import Emulator

SECRET = "bench/secret"

BARE_BOTO3 = """
import sys
import boto3

client = boto3.client(
    "secretsmanager",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
sys.stdout.write(client.get_secret_value(SecretId=sys.argv[2])["SecretString"])
"""


def _aws_cli_works(env: dict[str, str], url: str) -> str | None:
    aws = shutil.which("aws")
    if not aws:
        return None
    probe = [aws, "secretsmanager", "get-secret-value", "--secret-id", SECRET, "--endpoint-url", url]
    ok = subprocess.run(probe, env=env, capture_output=True, timeout=60).returncode == 0
    return aws if ok else None


def run(runs: int = 20) -> list[Comparison]:
    from tests.support import emulators

    exe = str(Path(sys.executable).with_name("foundry-discover"))
    with emulators.running("localstack") as emulator, tempfile.TemporaryDirectory() as tmp:
        env = with_secret(emulator, tmp, SECRET)
        bare = Path(tmp) / "bare_boto3.py"
        bare.write_text(BARE_BOTO3)
        candidate = [exe, "secret", "get", SECRET, "--raw"]
        results = [
            compare(
                "secret get --raw vs bare boto3 script",
                candidate,
                [sys.executable, str(bare), emulator.url, SECRET],
                target=1.15,
                runs=runs,
                env=env,
            )
        ]
        aws = _aws_cli_works(env, emulator.url)
        if aws is None:
            print("secret: the aws CLI is missing or does not work here; that comparison is skipped", flush=True)
        else:
            vs_aws = compare(
                "aws secretsmanager get-secret-value vs secret get --raw (speed-up)",
                [aws, "secretsmanager", "get-secret-value", "--secret-id", SECRET, "--endpoint-url", emulator.url],
                candidate,
                target=2.5,
                runs=max(5, runs // 2),
                env=env,
                higher_is_better=True,
                informational=True,  # the aws CLI is botocore too: see the ceiling below
            )
            results.append(vs_aws)
            # The ceiling for any tool built on botocore, as the application is: the bare
            # boto3 script against the same aws CLI, in the same run.
            results.append(
                compare(
                    "aws secretsmanager get-secret-value vs bare boto3 script (ceiling on botocore)",
                    [aws, "secretsmanager", "get-secret-value", "--secret-id", SECRET, "--endpoint-url", emulator.url],
                    [sys.executable, str(bare), emulator.url, SECRET],
                    target=2.5,
                    runs=max(5, runs // 2),
                    env=env,
                    higher_is_better=True,
                    informational=True,
                )
            )
        return results


def with_secret(emulator: Emulator, tmp: str, name: str) -> dict[str, str]:
    """Create secret ``name`` in ``emulator``; the environment that points the tool at it (loopback only)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SVC_", "ENVIRONMENT"))}
    env.update(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(emulator.port),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(Path(tmp) / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "none"),
    )
    subprocess.run([sys.executable, "-c", _CREATE, emulator.url, name], env=env, check=True)
    return env


_CREATE = """
import sys, boto3
boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1").create_secret(
    Name=sys.argv[2], SecretString="bench-value"
)
"""
