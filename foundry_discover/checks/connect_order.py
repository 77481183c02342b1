"""What the application's connect does with a name's addresses when only some of them answer.

doctor connects to every address at once; the application does not. Python's
``socket.create_connection`` (httpx's sync transport) and urllib3's copy of it (botocore's)
try getaddrinfo's addresses one after another, in its order, each with the whole connect
timeout, and move to the next only when one fails. So with ``localhost`` as ``::1`` then
``127.0.0.1`` and a server listening on IPv4 only, a refused ``::1`` costs a fraction of a
millisecond and the application falls back; a ``::1`` that drops the SYN costs it the whole
connect timeout (botocore's is 60 s unless the application sets ``connect_timeout``) first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from foundry_discover.lite.errors import FoundryError

#: botocore's connect timeout when the application's Config sets none (botocore.endpoint.DEFAULT_TIMEOUT).
BOTOCORE_CONNECT_TIMEOUT = 60


@dataclass(frozen=True)
class Attempt:
    """One address, as doctor's own connect found it."""

    address: str
    ms: float
    #: None when it connected.
    error: FoundryError | None = None

    @property
    def refused(self) -> bool:
        # lite.net.connect words a refusal so; a refused connect costs a round trip, not a timeout.
        return self.error is not None and "refused the connection" in self.error.message


@dataclass(frozen=True)
class AppConnect:
    status: Literal["pass", "warn"]
    detail: str
    fix: str | None = None


def _family(address: str) -> str:
    return "IPv6" if ":" in address else "IPv4"


def app_connect(attempts: Sequence[Attempt], port: int, host_env: str, *, botocore: bool) -> AppConnect | None:
    """The application's sequential connect over ``attempts`` (getaddrinfo's order), when some fail and some
    connect; None otherwise. ``host_env`` names the host's variable; ``botocore``: the client is botocore
    (LocalStack's AWS calls)."""
    good = [a for a in attempts if a.error is None]
    bad = [a for a in attempts if a.error is not None]
    if not good or not bad:
        return None
    how = (
        "the application's connect (Python's socket.create_connection, and urllib3's under botocore) tries "
        "getaddrinfo's addresses in order"
    )
    first = attempts[0]
    chosen = good[0]
    if first.error is None:
        failing = "; ".join(f"{a.address} {_error(a)}" for a in bad)
        return AppConnect(
            "pass",
            f"{first.address} port {port} ({first.ms:.1f} ms): {how}, so it connects to {first.address} at once and "
            f"never tries the rest: {failing}",
        )
    before = attempts[: attempts.index(chosen)]
    tried = ", then ".join(f"{a.address} {_error(a)}" + (f" ({a.ms:.1f} ms)" if a.refused else "") for a in before)
    if all(a.refused for a in before):
        # Refused on one family, accepted on the other: a server bound to one address family.
        families = {_family(a.address) for a in bad}, {_family(a.address) for a in good}
        alone = len(families[1]) == 1 and not families[0] & families[1]
        only = f"; the service listens on {next(iter(families[1]))} only" if alone else ""
        cost = sum(a.ms for a in before)
        return AppConnect(
            "warn",
            f"{how}: {tried}, then {chosen.address} connects ({chosen.ms:.1f} ms): it falls back, at a cost of "
            f"{cost:.1f} ms per connection{only}",
            fix=f"Harmless as it is; to spare the refused try, make the service listen on {first.address} too "
            f"(bind to :: rather than 0.0.0.0), or set {host_env}={chosen.address}",
        )
    wait = (
        f"botocore's connect_timeout ({BOTOCORE_CONNECT_TIMEOUT} s unless the application's Config sets one)"
        if botocore
        else "its client's connect timeout"
    )
    return AppConnect(
        "warn",
        f"{how}: {tried}: the application waits out {wait} on {'it' if len(before) == 1 else 'each'} before it "
        f"falls back to {chosen.address}, "
        f"which connects ({chosen.ms:.1f} ms)",
        fix=f"Make the service reachable on {first.address} too, or set {host_env}={chosen.address} so the "
        "application never waits on the other",
    )


def _error(attempt: Attempt) -> str:
    if attempt.refused:
        return "refused"
    message = attempt.error.message if attempt.error is not None else ""
    if "timed out" in message:
        return f"does not answer (doctor gave up after {attempt.ms / 1000:.1f} s)"
    return message
