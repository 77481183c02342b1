"""`python foundry-discover.pyz url localstack` against the installed console script.

Target: ratio <= 1.2. Both run on this interpreter, in the same run. The .pyz is built
into a temporary folder here and unpacks into a temporary cache during the warm-up, so
what is timed is every later run: the state a container is in after the first call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, compare

ROOT = Path(__file__).resolve().parent.parent


def run(runs: int = 20) -> list[Comparison]:
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    with tempfile.TemporaryDirectory() as tmp:
        pyz = Path(tmp) / "foundry-discover.pyz"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "build_pyz.py"), "--output", str(pyz)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        env = dict(
            os.environ,
            SVC_LOCALSTACK_HOST="localstack",
            LOCALSTACK_PORT="4566",
            FOUNDRY_DISCOVER_PYZ_CACHE=str(Path(tmp) / "cache"),
        )
        return [
            compare(
                "python foundry-discover.pyz url localstack vs console script",
                [sys.executable, str(pyz), "url", "localstack"],
                [exe, "url", "localstack"],
                target=1.2,
                runs=runs,
                env=env,
            )
        ]
