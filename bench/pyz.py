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

import subprocess
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, compare
from bench.secret import with_secret

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench/pyz-secret"


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
        base = with_secret(emulator, tmp, SECRET)
        base.pop("PYTHONDONTWRITEBYTECODE", None)

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
