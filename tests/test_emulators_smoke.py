"""The emulator fixtures themselves: both start, answer health, and stop by PID."""

from __future__ import annotations

import os

from tests.support import emulators


def test_both_emulators_answer_health(emulator: emulators.Emulator) -> None:
    body = emulator.get_json("/_localstack/health")
    assert isinstance(body, dict)
    assert body["services"]["secretsmanager"] in ("available", "running")


def test_private_emulator_is_stopped_by_pid(start_emulator) -> None:  # type: ignore[no-untyped-def]
    emulator = start_emulator("ministack")
    pid = emulator.pid
    emulator.stop()
    assert emulator.process.poll() is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:  # a zombie would still be ours to reap; poll() above reaped it
        raise AssertionError(f"pid {pid} still exists after stop()")
