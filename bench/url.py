"""`foundry-discover url localstack` against a bare Typer app doing the same work.

Target: ratio <= 1.15. The baseline is Typer itself (with its pydantic-backed parameter
coercion), reading the same two variables and printing the same URL.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, compare

BARE_TYPER = """
import os
import typer

app = typer.Typer()

@app.command()
def url(name: str) -> None:
    key = name.upper().replace("-", "_")
    host = os.getenv(f"SVC_{key}_HOST", "localstack")
    port = int(os.getenv(f"{key}_PORT", "4566"))
    print(f"http://{host}:{port}")

app()
"""


def run(runs: int = 20) -> list[Comparison]:
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_typer.py"
        bare.write_text(BARE_TYPER)
        env = dict(os.environ, SVC_LOCALSTACK_HOST="localstack", LOCALSTACK_PORT="4566")
        return [
            compare(
                "url localstack vs bare Typer",
                [exe, "url", "localstack"],
                [sys.executable, str(bare), "localstack"],
                target=1.15,
                runs=runs,
                env=env,
            )
        ]
