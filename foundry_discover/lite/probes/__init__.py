"""Protocol checks: does the port speak the protocol its scheme promises, and is it ready?

One module per protocol (``redis``, ``postgres``, ``http``, ``tcp``), ``identify`` to
name whatever answers instead, ``wire`` for the sockets they share. ``probe`` picks the
check by the service's scheme. No check ever authenticates, sends a password or changes
data: Redis gets ``PING``; PostgreSQL an SSLRequest and a startup message (the
connection is closed at the first answer, before any authentication); HTTP one GET.

Standard library only, so a probe costs little more than the TCP connect itself.
"""

from __future__ import annotations

import time

from foundry_discover.lite.base import Record
from foundry_discover.lite.errors import NotOkError, suggest

# Annotations only: a probe runs in `health NAME`, which starts without typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.net import Heard
    from foundry_discover.lite.probes.identify import Identity
    from foundry_discover.lite.registry import Service

    State = Literal["ok", "not_ready", "failing", "wrong_protocol", "no_reply", "tcp_only", "redirect"]

#: Scheme -> the protocol checked. Any other scheme gets a TCP connect only, and says so.
SCHEMES = {"redis": "redis", "postgresql": "postgresql", "postgres": "postgresql", "http": "http", "https": "https"}


#: What an expected protocol looks like to identify: HTTPS shows itself as TLS.
SPOKEN = {"https": "tls"}


class WrongProtocol(NotOkError):
    """Something answers on the port, but not in the protocol the scheme promises."""


class ProbeResult(Record):
    """One protocol check: what was expected, what answered, and what that means."""

    scheme: str
    #: The protocol the scheme promises ("tcp" when there is no check for it).
    expected: str
    #: What answered: redis, postgresql, http, tls, ssh, smtp, mysql, banner, unknown,
    #: or silent / closed / reset when nothing did; tcp for a TCP-only check.
    protocol: str
    state: State
    detail: str
    connect_ms: float
    #: What was sent, in words: "PING", "SSLRequest, startup message", "GET /healthz".
    request: str = ""
    elapsed_ms: float = 0.0
    note: str | None = None
    fix: str | None = None
    server: str | None = None
    http_status: int | None = None
    location: str | None = None

    @property
    def ok(self) -> bool:
        return self.state in ("ok", "tcp_only")

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._fields}


def probe(service: Service, address: str, deadline: Deadline) -> ProbeResult:
    """The protocol check for ``service``'s scheme, against one of its addresses."""
    started = time.perf_counter()
    expected = SCHEMES.get(service.scheme)
    culprit = service.port_env
    if service.declared_by.startswith("environment"):
        # Only SVC_NAME_HOST declares it: its scheme is a default, not a promise to check.
        from foundry_discover.lite.probes import tcp

        result = tcp.check(address, service.port, deadline, scheme=service.scheme, undeclared=service.host_env)
    elif expected == "redis":
        from foundry_discover.lite.probes import redis

        result = redis.check(address, service.port, deadline, culprit=culprit)
    elif expected == "postgresql":
        from foundry_discover.lite.probes import postgres

        result = postgres.check(address, service.port, deadline, culprit=culprit)
    elif expected in ("http", "https"):
        from foundry_discover.lite.probes import http

        result = http.check(
            address,
            service.port,
            deadline,
            culprit=culprit,
            host=service.host,
            path=service.health_path,
            tls=expected == "https",
        )
    else:
        from foundry_discover.lite.probes import tcp

        result = tcp.check(address, service.port, deadline, scheme=service.scheme)
    result.scheme = service.scheme
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


def not_spoken(
    heard: Heard,
    address: str,
    port: int,
    deadline: Deadline,
    *,
    expected: str,
    request: str,
    culprit: str,
    connect_ms: float,
    sniffed: Identity | None = None,
) -> ProbeResult:
    """The reply was not ``expected``: name what answered instead (sniffing if it said nothing).

    ``sniffed`` is a sniff's finding when the caller already made one.
    """
    from foundry_discover.lite.probes import identify

    want = identify.EXPECTED_LABEL.get(expected, expected)
    identity = identify.name(heard.data) or sniffed
    if identity is None and not heard.data and sniffed is None:
        identity = identify.sniff(address, port, deadline, skip=expected)
    fix = f"Point {culprit} at the {want} port (`{suggest('url')}` shows where each value comes from)"
    if identity is not None and identity.protocol == SPOKEN.get(expected, expected):
        # It does speak the protocol, to other openings: ours was hung up on or ignored.
        identity = None
    if identity is not None and identity.protocol == "tls" and expected == "http":
        fix = f"The port speaks TLS: use an https:// URL (scheme https in the registry file), or check {culprit}"
    if identity is not None and identity.protocol == "http" and expected == "https":
        fix = f"The port speaks plain HTTP: set the service's scheme to http in the registry file, or check {culprit}"
    if identity is not None:
        return ProbeResult(
            "",
            expected,
            identity.protocol,
            "wrong_protocol",
            f"port {port} speaks {identity.label}, not {want}: {culprit} probably names the wrong service",
            connect_ms,
            request,
            fix=fix,
        )
    if heard.data:
        return ProbeResult(
            "",
            expected,
            "unknown",
            "wrong_protocol",
            f"port {port} answered {request} with {identify.describe_unknown(heard.data)}, not {want}: "
            f"{culprit} probably names the wrong service",
            connect_ms,
            request,
            fix=fix,
        )
    where = f"{address}:{port}"
    if heard.how == "silent" and deadline.expired:
        detail = f"{where} sent no reply to {request} within {deadline.seconds:g}s"
        why = "The server is stuck or still starting; check its logs, or use --wait"
    elif heard.how == "silent":
        detail = (
            f"{where} accepted the connection but answered nothing to {request} within "
            f"{heard.elapsed_ms / 1000:.1f}s (nor to HTTP, PostgreSQL, Redis or TLS openings)"
        )
        why = f"A silent listener is not {want}: check {culprit}; or the server is stuck (check its logs)"
    else:
        hung = "closed" if heard.how == "closed" else "reset"
        detail = f"{where} {hung} the connection without answering {request}"
        why = (
            f"Nothing serves the port yet (a Docker port whose container is not listening: use --wait), "
            f"or it is not {want}: check {culprit}"
        )
    return ProbeResult("", expected, heard.how, "no_reply", detail, connect_ms, request, fix=why)
