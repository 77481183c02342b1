"""The DNS trace's result models: a query, a candidate name, the application's answer, the verdict."""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.conf import (
    ResolverConfig,
)

if TYPE_CHECKING:
    pass


RESOLV_CONF = Path("/etc/resolv.conf")


HOSTS = Path("/etc/hosts")


NSSWITCH = Path("/etc/nsswitch.conf")


#: What --type accepts; "A+AAAA" (both, as getaddrinfo asks) is the default.
RECORD_TYPES = ("A", "AAAA", "CNAME", "SRV", "TXT", "ANY")


DOCKER_DNS = "127.0.0.11"


class AnswerStatus(str, enum.Enum):
    """The result of one question to one nameserver (or of a candidate name overall)."""

    ANSWER = "answer"
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    PORT_CLOSED = "port_closed"
    ERROR = "error"
    SKIPPED = "not_asked"

    @property
    def text(self) -> str:
        return _STATUS_TEXT[self]

    @property
    def definitive(self) -> bool:
        """A reply that ends the question for this name: glibc asks no further server."""
        return self in (AnswerStatus.ANSWER, AnswerStatus.NXDOMAIN, AnswerStatus.NODATA)

    @property
    def silent(self) -> bool:
        return self in (AnswerStatus.TIMEOUT, AnswerStatus.PORT_CLOSED)


_STATUS_TEXT = {
    AnswerStatus.ANSWER: "answer",
    AnswerStatus.NXDOMAIN: "NXDOMAIN",
    AnswerStatus.NODATA: "no data",
    AnswerStatus.SERVFAIL: "SERVFAIL",
    AnswerStatus.REFUSED: "REFUSED",
    AnswerStatus.TIMEOUT: "timeout",
    AnswerStatus.PORT_CLOSED: "port closed",
    AnswerStatus.ERROR: "error",
    AnswerStatus.SKIPPED: "not asked",
}


@dataclass
class DnsRecord:
    type: str
    value: str


@dataclass
class Query:
    """One question (name, type) to one nameserver, and what came back."""

    name: str
    server: str
    type: str
    status: AnswerStatus
    ms: float
    records: list[DnsRecord] = field(default_factory=list)
    detail: str = ""
    transport: str = "udp"


@dataclass
class Candidate:
    """One name of glibc's walk: the name, why it is tried, and the questions asked."""

    name: str
    origin: str
    status: AnswerStatus
    queries: list[Query] = field(default_factory=list)
    note: str = ""

    @property
    def addresses(self) -> list[str]:
        return [
            r.value
            for q in self.queries
            if q.status is AnswerStatus.ANSWER
            for r in q.records
            if r.type in ("A", "AAAA")
        ]

    @property
    def records(self) -> list[DnsRecord]:
        return [r for q in self.queries if q.status is AnswerStatus.ANSWER for r in q.records]


@dataclass
class AppView:
    """What ``socket.getaddrinfo`` gave: the application's own answer."""

    checked: bool
    addresses: list[str] = field(default_factory=list)
    error: str | None = None
    timed_out: bool = False
    ms: float = 0.0
    #: "hosts file", "dns", "another nsswitch source" or None when it failed.
    source: str | None = None
    skipped_because: str | None = None

    @property
    def ok(self) -> bool:
        return self.checked and not self.timed_out and bool(self.addresses)


@dataclass
class HostsView:
    path: str
    addresses: list[str]
    nsswitch_sources: list[str]
    nsswitch_from_file: bool
    files_first: bool


@dataclass
class DnsVerdict:
    resolved: bool
    kind: str
    summary: str
    cause: str | None = None
    fix: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ResolveReport:
    query: str
    target: NameTarget
    types: list[str]
    app: AppView
    hosts: HostsView
    config: ResolverConfig
    nameserver_override: bool
    candidates: list[Candidate]
    verdict: DnsVerdict
    exit_code: int
    stopped: str | None = None
    #: This command's own --timeout (per DNS reply and for getaddrinfo), not glibc's.
    timeout: float | None = None

    @property
    def host(self) -> str:
        return self.target.host

    @property
    def host_variable(self) -> str | None:
        return self.target.variable

    @property
    def answer(self) -> Candidate | None:
        return next((c for c in self.candidates if c.status is AnswerStatus.ANSWER), None)


@dataclass
class NameTarget:
    """The host to resolve, and the registry service and variable it came from, if any."""

    host: str
    service: str | None = None
    source: str | None = None
    variable: str | None = None


def plain_address(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return address
