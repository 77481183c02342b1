"""A scheme with no protocol check: a TCP connect, and the result says it was only that."""

from __future__ import annotations

from foundry_discover.lite import net as wire
from foundry_discover.lite.probes import ProbeResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from foundry_discover.lite.base import Deadline


def check(address: str, port: int, deadline: Deadline, *, scheme: str, undeclared: str = "") -> ProbeResult:
    """``undeclared`` names the variable that alone declares the service (its scheme is a default)."""
    sock, connect_ms = wire.connect(address, port, deadline)
    sock.close()
    why = (
        f"only {undeclared} declares the service, not its protocol"
        if undeclared
        else f"foundry-discover has no protocol check for scheme {scheme!r}"
    )
    return ProbeResult(
        scheme,
        "tcp",
        "tcp",
        "tcp_only",
        f"TCP only: {why}, so a connect is all it tried",
        connect_ms,
        "TCP connect",
        note="Use scheme redis, postgresql, http or https in the registry file for a protocol check",
    )
