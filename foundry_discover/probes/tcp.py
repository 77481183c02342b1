"""A scheme with no protocol check: a TCP connect, and the result says it was only that."""

from __future__ import annotations

from foundry_discover.probes import ProbeResult, wire
from foundry_discover.waiting import Deadline


def check(address: str, port: int, deadline: Deadline, *, scheme: str) -> ProbeResult:
    sock, connect_ms = wire.connect(address, port, deadline)
    sock.close()
    return ProbeResult(
        scheme,
        "tcp",
        "tcp",
        "tcp_only",
        f"TCP only: foundry-discover has no protocol check for scheme {scheme!r}, so a connect is all it tried",
        connect_ms,
        "TCP connect",
        note="Use scheme redis, postgresql, http or https in the registry file for a protocol check",
    )
