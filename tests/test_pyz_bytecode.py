"""The .pyz where the interpreter writes no bytecode (PYTHONDONTWRITEBYTECODE=1, common in images).

After the first run the unpacked copy holds bytecode for what that run imported, in the
unchecked-hash form (valid whatever the files' times), for each interpreter that ran it
(3.10 and this one share one cache); the next run loads it instead of compiling again.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from tests import pyz_fixtures
from tests.conftest import cli_env
from tests.support.emulators import free_port

pyz, bare_python = pyz_fixtures.pyz, pyz_fixtures.bare_python

#: The first two bytes of a pyc's flags word: hash-based (bit 0), not checked against the source (bit 1 clear).
UNCHECKED_HASH = 0b01


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pyz-bytecode-cache")


def cache_tag(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import sys; print(sys.implementation.cache_tag)"], capture_output=True)
    return out.stdout.decode().strip()


def secret_get(python: Path, pyz: Path, cache: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`secret get` against a closed loopback port: botocore and the CLI are imported, nothing answers.

    Not ``python -I`` (which ignores PYTHON* variables): the variable itself is what is tested.
    """
    env = cli_env(
        FOUNDRY_DISCOVER_PYZ_CACHE=str(cache),
        PYTHONDONTWRITEBYTECODE="1",
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(free_port()),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
    )
    env.pop("PYTHONPATH", None)
    argv = [str(python), *flags, str(pyz), "secret", "get", "app/db"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)


def test_the_unpacked_copy_gets_bytecode_without_the_interpreter_writing_any(
    pyz: Path, bare_python: Path, shared_cache: Path
) -> None:
    first = secret_get(bare_python, pyz, shared_cache)
    assert first.returncode == 4, first.stderr
    (site,) = shared_cache.glob("*/site-packages")
    tag = cache_tag(bare_python)
    for module in ("botocore/client.py", "foundry_discover/cli/__init__.py", "foundry_discover/checks/aws/calls.py"):
        pyc = Path(importlib.util.cache_from_source(str(site / module))).with_name(f"{Path(module).stem}.{tag}.pyc")
        assert pyc.is_file(), f"no bytecode for {module} ({tag}) after the first run"
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == UNCHECKED_HASH, f"{pyc.name}: flags {flags:#b}"
    # Never a module it did not import: the bundle's DNS library is not needed by `secret get`.
    assert not list((site / "dns").rglob(f"*.{tag}.pyc"))

    # The next run loads that bytecode (python -v names where each module's code came from).
    second = secret_get(bare_python, pyz, shared_cache, "-v")
    assert second.returncode == 4
    client_pyc = f"botocore/__pycache__/client.{tag}.pyc"
    assert f"code object from '{site}/{client_pyc}'" in second.stderr
