"""Ctrl-C and SIGTERM during a wait: one line, no traceback, the envelope with --json.

SIGINT exits 130 ("interrupted"), SIGTERM 143 ("terminated"): what a cancelled CI job or
a stopping pod sends. Real subprocesses, real signals, real loopback ports: one where
nothing listens (each probe fails at once) and one that accepts and never answers (the
probe threads are busy when the signal comes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundry_discover.lite import signals
from foundry_discover.lite.errors import Terminated
from tests.conftest import cli_env
from tests.support.emulators import free_port
from tests.support.faulty import Faulty

STOPS = {
    "SIGINT": (signal.SIGINT, 130, "interrupted", "error: interrupted"),
    "SIGTERM": (signal.SIGTERM, 143, "terminated", "error: terminated (SIGTERM)"),
}


@pytest.fixture(params=["refused", "hang"])
def port(request: pytest.FixtureRequest) -> Iterator[int]:
    if request.param == "refused":
        yield free_port()
        return
    with Faulty("hang") as server:
        yield server.port


def waiting(command: str, port: int) -> list[str]:
    if command == "health":
        return ["health", "--url", f"http://127.0.0.1:{port}", "--wait", "--timeout", "60"]
    return ["doctor", "localstack", "--wait", "--timeout", "60"]


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
@pytest.mark.parametrize("command", ["health", "doctor"])
@pytest.mark.parametrize("stop", list(STOPS))
def test_a_signal_during_a_wait_ends_it_with_one_line(stop: str, command: str, as_json: bool, port: int) -> None:
    signum, code, kind, last_line = STOPS[stop]
    exe = Path(sys.executable).with_name("foundry-discover")
    env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port), NO_COLOR="1")
    proc = subprocess.Popen(
        [str(exe), *waiting(command, port), *(["--json"] if as_json else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        time.sleep(2.5)  # well into the wait: progress lines have started
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "Aborted" not in err
    assert err.strip().splitlines()[-1] == last_line
    if as_json:
        doc = json.loads(out)
        assert (doc["exit_code"], doc["ok"], doc["error"]["type"]) == (code, False, kind)
        assert doc["error"]["exit_code"] == code
    else:
        assert "Traceback" not in out


def test_a_second_signal_ends_the_process_at_once() -> None:
    """After the first, the report is being finished; a second one is the user insisting."""
    exe = Path(sys.executable).with_name("foundry-discover")
    with Faulty("hang") as server:
        env = cli_env(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(server.port), NO_COLOR="1")
        proc = subprocess.Popen(
            [str(exe), *waiting("doctor", server.port), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            time.sleep(2.5)
            proc.send_signal(signal.SIGINT)
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode in (130, 143), err  # 130 only if the first had already finished the run
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    if out.strip():
        json.loads(out)  # whatever was written is a whole document


# ---- the mechanism itself, with real signals sent to this process -----------------------


@pytest.fixture
def installed() -> Iterator[None]:
    restore = signals.install()
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL, "the handler must be in place before any kill"
    try:
        yield
    finally:
        restore()


def test_sigterm_raises_terminated_once_the_command_is_ready(installed: None) -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # during start-up: held, not raised
    with pytest.raises(Terminated):
        signals.ready()


def test_a_signal_during_a_held_write_waits_for_its_end(installed: None) -> None:
    signals.ready()
    finished = False
    with pytest.raises(Terminated), signals.held():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler has run by now, and did not cut the block short
        finished = True
    assert finished


def test_a_late_signal_changes_nothing(installed: None) -> None:
    signals.ready()
    signals.done()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.05)
    assert signals.unhandled() is None


def test_an_ignored_sigterm_stays_ignored() -> None:
    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        restore = signals.install()
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
        restore()
    finally:
        signal.signal(signal.SIGTERM, before)
