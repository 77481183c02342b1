"""Shared fixtures: real emulators on loopback, started once per session and stopped by PID."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support import docker, emulators

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
#: Every message the suite makes is recorded here and checked against the house style at the end.
MESSAGE_LOG = "FOUNDRY_DISCOVER_MESSAGE_LOG"


def pytest_configure(config: pytest.Config) -> None:
    if MESSAGE_LOG not in os.environ and not hasattr(config, "workerinput"):
        import tempfile

        handle, path = tempfile.mkstemp(prefix="foundry-discover-messages-", suffix=".jsonl")
        os.close(handle)
        os.environ[MESSAGE_LOG] = path
        config._foundry_message_log = path  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The message-style check over everything the suite printed (tests/support/message_style.py)."""
    path = getattr(session.config, "_foundry_message_log", None)
    if path is None:
        return
    from tests.support.message_style import read_log, violations

    try:
        entries = list(read_log(Path(path)))
        found = violations(entries)
    finally:
        Path(path).unlink(missing_ok=True)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"message style: {len(entries)} messages checked, {len(found)} break the house style")
        for problem in found:
            reporter.write_line(f"  {problem}")
    # Only a full run judges: a run of a few files sees a few messages, and still reports them.
    if found and exitstatus == 0 and not session.config.option.keyword and session.testscollected > 500:
        session.exitstatus = 1


def need(condition: bool, reason: str) -> None:
    """Skip outside CI when a prerequisite is missing; in CI a missing one is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


def _emulator(kind: str) -> Iterator[emulators.Emulator]:
    need(emulators.is_installed(kind), f"{kind} is not installed (run scripts/check, which installs it)")
    emulator = emulators.start(kind)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def localstack() -> Iterator[emulators.Emulator]:
    """One real LocalStack for the session. Tests that break it must use start_emulator."""
    yield from _emulator("localstack")


@pytest.fixture(scope="session")
def ministack() -> Iterator[emulators.Emulator]:
    yield from _emulator("ministack")


@pytest.fixture(scope="session")
def moto() -> Iterator[emulators.Emulator]:
    """moto's standalone server: no /_localstack/health, only AWS's own APIs (and /moto-api/)."""
    yield from _emulator("moto")


@pytest.fixture(params=["localstack", "ministack"])
def emulator(request: pytest.FixtureRequest) -> emulators.Emulator:
    """Each test that takes this runs against both emulators."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., emulators.Emulator]]:
    """A private emulator for a test that changes its state; stopped when the test ends."""
    started: list[emulators.Emulator] = []

    def start(kind: str = "localstack", **kwargs: object) -> emulators.Emulator:
        need(emulators.is_installed(kind), f"{kind} is not installed (run scripts/check, which installs it)")
        emulator = emulators.start(kind, **kwargs)  # type: ignore[arg-type]
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No registry, AWS or ENVIRONMENT variables from the developer's shell leak into a test."""
    for key in list(os.environ):
        # A proxy in the developer's shell would change every route: *_proxy goes too.
        ours = key.startswith(("SVC_", "AWS_", "FOUNDRY_")) or key.endswith("_PORT") or key.lower().endswith("_proxy")
        if ours or key in ("ENVIRONMENT", "NO_COLOR"):
            monkeypatch.delenv(key, raising=False)
    return monkeypatch


def cli_env(**overrides: str) -> dict[str, str]:
    """The environment for running the installed console script in a subprocess."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (
            k.startswith(("SVC_", "AWS_", "FOUNDRY_"))
            or k.endswith("_PORT")
            or k == "ENVIRONMENT"
            or k.lower().endswith("_proxy")
        )
        or k == MESSAGE_LOG
    }
    env.update(overrides)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, **kw: object
) -> subprocess.CompletedProcess[str]:
    """Run the real console script (the one installed in this venv) in a subprocess."""
    exe = Path(sys.executable).with_name("foundry-discover")
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(exe), *args], capture_output=True, text=True, env=env or cli_env(), timeout=timeout, **kw
    )


@pytest.fixture(scope="session")
def docker_engine(request: pytest.FixtureRequest) -> Iterator[docker.Engine]:
    """A private dockerd for the session (tests/support/docker.py), stopped by PID at the end."""
    reason = docker.unavailable()
    need(reason is None, f"the Docker tier cannot run: {reason}")
    capture = request.config.pluginmanager.getplugin("capturemanager")
    # "waiting for the lock" must reach the terminal, not pytest's capture.
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        engine = docker.start()
    try:
        yield engine
    finally:
        engine.stop()
