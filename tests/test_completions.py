"""completions/ is generated from the app, and the bash script really completes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_completion_scripts_are_not_stale() -> None:
    out = subprocess.run(
        [sys.executable, "scripts/gen_completions.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def bash_complete(*words: str) -> list[str]:
    script = ROOT / "completions" / "bash" / "foundry-discover"
    line = " ".join(f'"{w}"' for w in words)
    program = (
        f"source {script}\n"
        f"COMP_WORDS=({line})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_foundry_discover_completion foundry-discover\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_subcommands() -> None:
    offered = bash_complete("foundry-discover", "")
    assert "url" in offered


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_options_of_a_subcommand() -> None:
    offered = bash_complete("foundry-discover", "url", "--ex")
    assert offered == ["--explain"]
