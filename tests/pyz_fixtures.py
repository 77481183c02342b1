"""The single-file build and bare interpreters to run it on, shared by the .pyz tests.

A module that uses them imports the fixtures (``from tests.pyz_fixtures import pyz, bare_python``).
pytest then registers them once per importing module, so the expensive parts are
memoised here: the .pyz is built once and each bare venv is created once per session,
however many modules ask.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_env, need
from tests.support.emulators import Emulator

ROOT = Path(__file__).resolve().parent.parent
_built: dict[str, Path] = {}


def _python(version: str) -> str | None:
    """An interpreter of this version, from pyenv or PATH (pyenv shims that fail don't count)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(pyenv.glob(f"{version}.*")) if pyenv.is_dir() else []
    for cand in [*(str(p / "bin" / "python") for p in candidates), shutil.which(f"python{version}")]:
        if cand and subprocess.run([cand, "-c", "pass"], capture_output=True).returncode == 0:
            return cand
    return None


@pytest.fixture(scope="session")
def pyz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "pyz" not in _built:
        out = tmp_path_factory.mktemp("pyz") / "foundry-discover.pyz"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pyz.py"), "--output", str(out)], check=True)
        _built["pyz"] = out
    return _built["pyz"]


@pytest.fixture(scope="session", params=["3.10", "current"])
def bare_python(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with no pip and no site packages: nothing but the interpreter."""
    key = f"bare-{request.param}"
    if key not in _built:
        base = sys.executable if request.param == "current" else _python(request.param)
        need(base is not None, f"Python {request.param} is not installed")
        venv = tmp_path_factory.mktemp(key)
        subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
        _built[key] = venv / "bin" / "python"
    return _built[key]


def at(emulator: Emulator) -> dict[str, str]:
    """Variables that point a tool run at the test emulator: loopback only, and nothing
    from this machine's AWS set-up (no metadata endpoint, no profile)."""
    return {
        "SVC_LOCALSTACK_HOST": "127.0.0.1",
        "LOCALSTACK_PORT": str(emulator.port),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "NO_COLOR": "1",
    }


def run_pyz(python: Path, pyz: Path, *args: str, cache: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -I foundry-discover.pyz ARGS`` with a clean environment plus ``env``."""
    return subprocess.run(
        [str(python), "-I", str(pyz), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(FOUNDRY_DISCOVER_PYZ_CACHE=str(cache), **env),
    )
