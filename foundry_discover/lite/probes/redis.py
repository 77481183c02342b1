"""Redis: one RESP ``PING``, as ``redis-cli ping`` sends it, and never ``AUTH``.

``+PONG``: alive. ``-NOAUTH``: alive and wants a password; that passes with a note,
and the password is never asked for, sent or shown. ``-LOADING`` (the dataset is
being read into memory), ``-BUSY`` (a script runs) and ``-MASTERDOWN``: not ready yet.
"""

from __future__ import annotations

from foundry_discover.lite import net as wire
from foundry_discover.lite.errors import suggest
from foundry_discover.lite.probes import ProbeResult, not_spoken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.probes import State

PING = b"*1\r\n$4\r\nPING\r\n"

#: Error prefixes meaning "alive, but not ready": a wait should go on.
NOT_READY = {
    b"-LOADING": "Redis is loading its dataset into memory",
    b"-BUSY": "Redis is busy running a script",
    b"-MASTERDOWN": "the replica has lost its link to the master",
}
#: Alive, and refusing PING only for want of credentials: no wait will change that.
NEEDS_AUTH = (b"-NOAUTH", b"-NOPERM")


def _line(data: bytes) -> bool:
    return b"\r\n" in data


def check(address: str, port: int, deadline: Deadline, *, culprit: str) -> ProbeResult:
    sock, connect_ms = wire.connect(address, port, deadline)
    try:
        heard = wire.exchange(sock, PING, deadline, _line)
    finally:
        sock.close()
    return judge(heard, address, port, deadline, culprit=culprit, connect_ms=connect_ms)


def judge(
    heard: wire.Heard, address: str, port: int, deadline: Deadline, *, culprit: str, connect_ms: float
) -> ProbeResult:
    data = heard.data
    head = data.split(b"\r\n", 1)[0]
    line = wire.first_line(data)

    def result(state: State, detail: str, *, note: str | None = None, fix: str | None = None) -> ProbeResult:
        return ProbeResult("", "redis", "redis", state, detail, connect_ms, "PING", note=note, fix=fix)

    if not _line(data) or head[:1] not in (b"+", b"-", b"$", b"*", b":", b"_", b"%"):
        return not_spoken(
            heard, address, port, deadline, expected="redis", request="PING", culprit=culprit, connect_ms=connect_ms
        )
    if head.upper() == b"+PONG" or head.startswith(b"*"):
        return result("ok", "PONG")
    if head.startswith(NEEDS_AUTH):
        return result(
            "ok",
            f"Redis answered {line.split(' ', 1)[0]}: alive, and it wants a password",
            note="Redis requires a password: foundry-discover does not authenticate, so it checked liveness only",
        )
    for prefix, why in NOT_READY.items():
        if head.startswith(prefix):
            return result(
                "not_ready",
                f"{why} ({line})",
                fix=f"Wait for it: `{suggest('health NAME --wait')}` keeps polling until it answers PONG",
            )
    if head.startswith(b"-"):
        return result(
            "failing",
            f"Redis refused PING: {line}",
            fix="Redis is up but refuses this client; its error above names the setting (e.g. protected-mode)",
        )
    return result("ok", f"Redis answered PING with {line!r}")
