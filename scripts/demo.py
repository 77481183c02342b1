"""The demo behind scripts/demo: a real emulator, the registry pointed at it, the tool run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import emulators  # noqa: E402


def show(*args: str, env: dict[str, str]) -> None:
    exe = Path(sys.executable).with_name("foundry-discover")
    print(f"\n$ foundry-discover {' '.join(args)}", flush=True)
    subprocess.run([str(exe), *args], env=env, check=False)


def seed_secret(endpoint: str) -> None:
    """A secret in the emulator, as an init script would leave it (loopback only)."""
    import boto3

    client = boto3.client(
        "secretsmanager",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_secret(Name="foundry/demo", SecretString='{"password": "demo-only"}')
    print("seeded secret foundry/demo")


def main() -> int:
    kind = sys.argv[1] if len(sys.argv) > 1 else "localstack"
    # boto3 must never reach real AWS or the EC2 metadata endpoint.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    print(f"starting {kind} on loopback ...", flush=True)
    with emulators.running(kind) as emu:
        env = dict(
            os.environ, SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(emu.port), ENVIRONMENT="development"
        )
        print(f"{kind} is up at {emu.url} (pid {emu.pid})")
        seed_secret(emu.url)
        show("url", "localstack", env=env)
        show("url", "localstack", "--explain", env=env)
        show("health", "--wait", "--timeout", "30", "--require", "secretsmanager,s3", env=env)
        show("secret", "list", env=env)
        show("secret", "get", "foundry/demo", env=env)  # metadata and keys; the value stays masked
        show("doctor", "localstack", "--require", "secretsmanager", "--secret", "foundry/demo", env=env)
    print(f"\n{kind} stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
