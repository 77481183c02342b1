"""Is a service of the stack up? Its name resolved, then its scheme's protocol check.

``health NAME`` (for anything but the emulator), ``health --all`` and ``doctor`` use
this. It is kept apart from the emulator check (``health``) so that checking Redis or
PostgreSQL imports only the standard library and the probes: no httpx, no emulator
dataclasses, nothing a PING does not need.

Bounded by one ``Deadline``: name resolution runs in a thread joined with the time left,
every socket operation gets the time left as its timeout.
"""

from __future__ import annotations

import _socket

from foundry_discover.lite import net as wire
from foundry_discover.lite.base import Record
from foundry_discover.lite.errors import EXIT_NOT_OK, EXIT_OK, FoundryError, NotOkError, UnreachableError, suggest
from foundry_discover.lite.probes import WrongProtocol

# Annotations only: `health NAME` starts without typing (see values.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    from foundry_discover.lite.base import Deadline

    Verdict = Literal["healthy", "not_ready", "unhealthy", "unreachable", "config", "interrupted"]
    from foundry_discover.checks.emulator.model import EmulatorHealth
    from foundry_discover.lite.probes import ProbeResult
    from foundry_discover.lite.registry import Service

#: Default --timeout for one check, and for a --wait (LocalStack in Docker can take 30 s+).
DEFAULT_TIMEOUT = 5.0
DEFAULT_WAIT_TIMEOUT = 60.0


class DoesNotResolve(NotOkError):
    """The host name has no address."""


class ServiceCheck(Record):
    """A non-emulator service: its scheme's protocol check (probes), or the emulator's when it is one."""

    name: str
    url: str
    verdict: Verdict
    reasons: list[str]
    connect_ms: float | None = None
    health_url: str | None = None
    http_status: int | None = None
    error: FoundryError | None = None
    emulator: EmulatorHealth | None = None
    #: The protocol check by scheme (probes): what answered on the port, and what it said.
    probe: ProbeResult | None = None
    #: The application's route to the service when a proxy variable is set (checks.proxy.model.Route).
    route: Any = None

    @property
    def ok(self) -> bool:
        return self.verdict == "healthy"

    @property
    def wrong_protocol(self) -> bool:
        """Another protocol answers on the port: no wait will change that."""
        return isinstance(self.error, WrongProtocol)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return EXIT_OK if self.ok else EXIT_NOT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "verdict": self.verdict,
            "ok": self.ok,
            "reasons": self.reasons,
            "connect_ms": None if self.connect_ms is None else round(self.connect_ms, 3),
            "health_url": self.health_url,
            "http_status": self.http_status,
            "error": self.error,
            "emulator": self.emulator,
            "protocol": None if self.probe is None else self.probe.protocol,
            "probe": self.probe,
            "route": self.route,
        }


# ---- the network, bounded by the deadline ----------------------------------------------------


def _resolve_fix(name: str) -> str:
    return f"Run `{suggest(f'resolve {name}')}` to see what DNS answers from here"


def resolve_host(host: str, port: int, deadline: Deadline, *, name: str | None = None) -> list[str]:
    """The addresses the application gets for ``host``, in getaddrinfo's order.

    Raises DoesNotResolve / UnreachableError when it has none in time: a DNS server that
    never answers cannot stretch the command past its deadline.
    """
    if _is_address(host):
        return [host]
    from foundry_discover.lite.bounded import Late

    fix = _resolve_fix(name or host)
    try:
        return wire.addresses_of(host, port, deadline.remaining())
    except Late:
        raise UnreachableError(f"resolving {host} did not finish within {deadline.seconds:g}s", fix=fix) from None
    except (OSError, UnicodeError) as exc:  # UnicodeError: a name the idna codec refuses
        if getattr(exc, "errno", None) == _socket.EAI_AGAIN:
            raise UnreachableError(f"{host} does not resolve: no DNS server answered", fix=fix) from None
        if isinstance(exc, _socket.gaierror):
            raise DoesNotResolve(f"{host} does not resolve ({exc.strerror or exc})", fix=fix) from None
        raise UnreachableError(f"resolving {host} failed ({exc})", fix=fix) from None


def _is_address(host: str) -> bool:
    """An IPv4 or IPv6 address, which needs no lookup."""
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(family, host)
            return True
        except OSError:
            continue
    return False


def tcp_connect(host: str, port: int, deadline: Deadline) -> float:
    """Open and close a TCP connection; the milliseconds it took, or UnreachableError."""
    sock, elapsed = wire.connect(host, port, deadline)
    sock.close()
    return elapsed


# ---- the check ------------------------------------------------------------------------------


def probe_service(service: Service, deadline: Deadline) -> ServiceCheck:
    """The protocol check of the service's scheme (probes): PING, pg_isready's, a GET, or TCP.

    A health path that redirects is left as the probe saw it (``probe.state == "redirect"``):
    following it takes an HTTP client, which is ``checks.service``'s job.
    """
    from foundry_discover.lite import probes

    check = ServiceCheck(service.name, service.url, "healthy", [])
    try:
        addresses = resolve_host(service.host, service.port, deadline, name=service.name.lower())
        result = probes.probe(service, addresses[0], deadline)
        check.probe = result
        check.connect_ms = result.connect_ms
        check.http_status = result.http_status
        if result.expected in ("http", "https"):
            check.health_url = service.url_for(service.health_path or "/")
        if result.state == "wrong_protocol":
            mark_failed(check, WrongProtocol(result.detail, fix=result.fix))
        elif result.state == "no_reply":
            mark_failed(check, UnreachableError(result.detail, fix=result.fix))
        elif result.state in ("not_ready", "failing"):
            check.verdict = "not_ready" if result.state == "not_ready" else "unhealthy"
            check.reasons.append(result.detail)
    except FoundryError as exc:
        mark_failed(check, exc)
    return check


def mark_failed(check: ServiceCheck, exc: FoundryError) -> None:
    """The check ends with ``exc``: unreachable when nothing answered, else unhealthy."""
    check.error = exc
    check.verdict = "unreachable" if isinstance(exc, UnreachableError) else "unhealthy"
    check.reasons.append(exc.message)
