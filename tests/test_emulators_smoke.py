"""The emulator fixtures themselves: each starts, answers, and stops by PID."""

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


def test_moto_answers_its_own_api_and_not_localstacks(moto: emulators.Emulator) -> None:
    """What the emulator check meets: no health path (S3's catch-all answers it), /moto-api/ instead."""
    import urllib.error
    import urllib.request

    assert isinstance(moto.get_json("/moto-api/config"), dict)
    try:
        urllib.request.urlopen(moto.url + "/_localstack/health", timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 404 and b"NoSuchBucket" in exc.read()
    else:
        raise AssertionError("moto answered LocalStack's health path")
