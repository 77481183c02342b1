"""The poll helper behind `health --wait` (and `doctor`): one deadline, backoff, progress."""

from __future__ import annotations

import time

import pytest

from foundry_discover.checks.emulator.parse import parse_required
from foundry_discover.util.waiting import MAX_INTERVAL, Deadline, poll


def test_returns_as_soon_as_done_and_counts_attempts() -> None:
    values = iter([1, 2, 3, 4])
    seen: list[int] = []
    polled = poll(
        lambda d: next(values),
        lambda v: v == 3,
        Deadline.after(5),
        on_progress=lambda v, _: seen.append(v),
        sleep=lambda s: None,
    )
    assert (polled.done, polled.last, polled.attempts, polled.timed_out) == (True, 3, 3, False)
    assert seen == [1, 2]


def test_backs_off_to_the_cap() -> None:
    pauses: list[float] = []
    poll(lambda d: 0, lambda v: len(pauses) >= 8, Deadline.after(60), sleep=pauses.append)
    assert pauses[0] == pytest.approx(0.05)
    assert pauses == sorted(pauses)
    assert max(pauses) == pytest.approx(MAX_INTERVAL)


def test_one_deadline_bounds_the_whole_wait() -> None:
    started = time.monotonic()
    polled = poll(lambda d: d.remaining(), lambda v: False, Deadline.after(0.5))
    elapsed = time.monotonic() - started
    assert polled.timed_out and not polled.done
    assert polled.attempts > 3
    assert 0.5 <= elapsed < 1.5


def test_checks_once_even_when_already_expired() -> None:
    polled = poll(lambda d: "x", lambda v: False, Deadline.after(0))
    assert polled.attempts == 1 and polled.timed_out


def test_give_up_stops_early() -> None:
    polled = poll(lambda d: "broken", lambda v: False, Deadline.after(60), give_up=lambda v: v == "broken")
    assert polled.gave_up and not polled.timed_out and polled.attempts == 1


def test_parse_required_splits_dedups_and_rejects() -> None:
    assert parse_required(["secretsmanager,s3", " S3 ", "sqs,"]) == ["secretsmanager", "s3", "sqs"]
    with pytest.raises(ValueError, match="not an AWS service name"):
        parse_required(["secrets manager"])
