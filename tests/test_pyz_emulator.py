"""The single-file build against the real emulators: `health` and `secret get` from
`python -I foundry-discover.pyz` in a venv with no site packages (Python 3.10 and this one).

The secrets are created with boto3 from this process; the tool in the .pyz reads them with
its own bundled boto3, so these tests also prove the trimmed botocore models still serve
Secrets Manager.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from tests import pyz_fixtures
from tests.pyz_fixtures import at, run_pyz
from tests.secret_fixtures import SecretCli
from tests.support.emulators import Emulator

pyz, bare_python = pyz_fixtures.pyz, pyz_fixtures.bare_python


@pytest.fixture(scope="session")
def pyz_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One unpack for the whole module (the bundle is pure Python: both interpreters share it)."""
    return tmp_path_factory.mktemp("pyz-cache")


def no_traceback(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stderr, out.stderr


def test_health_from_the_pyz(emulator: Emulator, pyz: Path, bare_python: Path, pyz_cache: Path) -> None:
    env = at(emulator)
    human = run_pyz(bare_python, pyz, "health", "--require", "secretsmanager", cache=pyz_cache, **env)
    assert human.returncode == 0, human.stderr
    assert f"at http://127.0.0.1:{emulator.port}" in human.stdout
    assert "verdict: healthy" in human.stdout
    row = next(line.split() for line in human.stdout.splitlines() if line.startswith("secretsmanager "))
    assert row[1:] in (["available", "yes"], ["running", "yes"]), row

    doc = json.loads(run_pyz(bare_python, pyz, "health", "--json", cache=pyz_cache, **env).stdout)
    assert (doc["command"], doc["ok"], doc["exit_code"]) == ("health", True, 0)
    assert doc["result"]["verdict"] == "healthy"
    assert doc["result"]["url"] == emulator.url
    expected = "LocalStack" if emulator.kind == "localstack" else "MiniStack"
    assert doc["result"]["emulator"] == expected

    # A service the emulator does not offer decides the verdict: exit 1, one reason line.
    missing = run_pyz(bare_python, pyz, "health", "--require", "nosuchservice", cache=pyz_cache, **env)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert "verdict: unhealthy" in missing.stdout
    assert "nosuchservice is not enabled: the emulator does not list it" in missing.stderr
    no_traceback(missing)


def test_secret_get_from_the_pyz(emulator: Emulator, pyz: Path, bare_python: Path, pyz_cache: Path) -> None:
    env = at(emulator)
    client = SecretCli().boto(emulator)  # the secret tests' boto3 client, on loopback
    name = f"fd-pyz/{uuid.uuid4().hex[:10]}"
    value = f"pyz-value-{uuid.uuid4().hex}"
    client.create_secret(Name=name, SecretString=value)

    masked = run_pyz(bare_python, pyz, "secret", "get", name, cache=pyz_cache, **env)
    assert masked.returncode == 0, masked.stderr
    assert f"name         {name}" in masked.stdout
    assert f"length       {len(value)} characters" in masked.stdout
    assert value not in masked.stdout + masked.stderr

    raw = run_pyz(bare_python, pyz, "secret", "get", name, "--raw", cache=pyz_cache, **env)
    assert (raw.returncode, raw.stdout) == (0, value), raw.stderr

    doc_name = f"{name}-json"
    password = f"pw-{uuid.uuid4().hex}"
    client.create_secret(Name=doc_name, SecretString=json.dumps({"username": "app", "password": password}))
    key = run_pyz(bare_python, pyz, "secret", "get", doc_name, "--key", "password", "--raw", cache=pyz_cache, **env)
    assert (key.returncode, key.stdout) == (0, password), key.stderr
    shown = json.loads(run_pyz(bare_python, pyz, "secret", "get", doc_name, "--json", cache=pyz_cache, **env).stdout)
    assert shown["ok"] and shown["result"]["json_keys"] == ["username", "password"]
    assert "value" not in shown["result"]

    absent = run_pyz(bare_python, pyz, "secret", "get", f"{name}-absent", cache=pyz_cache, **env)
    assert absent.returncode == 1, absent.stdout + absent.stderr
    # A not-found always names the region in use: one line, no value.
    assert absent.stderr.startswith(
        f"error: secret '{name}-absent' not found at {emulator.url} (development, region us-east-1)"
    )
    assert len(absent.stderr.strip().splitlines()) == 1
    assert value not in absent.stderr and password not in absent.stderr
    no_traceback(absent)
