"""The .pyz against the installed console script, on this interpreter, in the same run.

Target for each: ratio <= 1.2.

* `url localstack` (Typer alone);
* `secret get NAME --raw` against a private LocalStack (botocore: hundreds of modules);
* the same with PYTHONDONTWRITEBYTECODE=1 for both, as many container images set it:
  there the interpreter never writes bytecode, so the .pyz compiles what a run imported
  when that run ends (scripts/pyz_main.py); the installed baseline has the bytecode
  its installer wrote, as a wheel does.

The .pyz is built into a temporary folder and each case unpacks into a fresh cache during
its warm-up, so what is timed is every later run: the state a container is in after the
first call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, compare

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench/pyz-secret"

_CREATE = """
import sys, boto3
boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1").create_secret(
    Name=sys.argv[2], SecretString="bench-value"
)
"""


def run(runs: int = 20) -> list[Comparison]:
    from tests.support import emulators

    exe = str(Path(sys.executable).with_name("foundry-discover"))
    with tempfile.TemporaryDirectory() as tmp, emulators.running("localstack") as emulator:
        pyz = Path(tmp) / "foundry-discover.pyz"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "build_pyz.py"), "--output", str(pyz)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SVC_", "ENVIRONMENT"))}
        base.pop("PYTHONDONTWRITEBYTECODE", None)
        base.update(
            SVC_LOCALSTACK_HOST="127.0.0.1",
            LOCALSTACK_PORT=str(emulator.port),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=str(Path(tmp) / "none"),
            AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "none"),
        )
        subprocess.run([sys.executable, "-c", _CREATE, emulator.url, SECRET], env=base, check=True)

        def env(cache: str, **extra: str) -> dict[str, str]:
            return dict(base, FOUNDRY_DISCOVER_PYZ_CACHE=str(Path(tmp) / cache), **extra)

        secret = ["secret", "get", SECRET, "--raw"]
        return [
            compare(
                "python foundry-discover.pyz url localstack vs console script",
                [sys.executable, str(pyz), "url", "localstack"],
                [exe, "url", "localstack"],
                target=1.2,
                runs=runs,
                env=env("cache-url"),
            ),
            compare(
                "python foundry-discover.pyz secret get --raw vs console script",
                [sys.executable, str(pyz), *secret],
                [exe, *secret],
                target=1.2,
                runs=runs,
                env=env("cache-secret"),
            ),
            compare(
                "PYTHONDONTWRITEBYTECODE=1: python foundry-discover.pyz secret get --raw vs console script",
                [sys.executable, str(pyz), *secret],
                [exe, *secret],
                target=1.2,
                runs=runs,
                env=env("cache-nobytecode", PYTHONDONTWRITEBYTECODE="1"),
            ),
        ]
