"""`resolve`: what the application gets for a name, the DNS walk behind it, and why.

Three views of one name:

- the application's: ``socket.getaddrinfo`` (glibc: hosts file, search list, ndots,
  nsswitch.conf), run in a worker thread so a silent nameserver cannot hang us;
- the hosts file and the ``hosts:`` line of nsswitch.conf, to say where the answer came from;
- the DNS trace: glibc's candidate walk rebuilt by hand (dnspython's resolver stops on
  no-data and SERVFAIL where glibc goes on), one question per name, type and nameserver,
  each with a timeout.

The verdict names the likely cause (Docker's embedded DNS, a Kubernetes namespace,
hosts file versus DNS, a silent or failing nameserver) and the fix. dnspython is
imported inside the functions that query, never at module level.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foundry_discover.checks.dns.conf import (
    Nameserver,
    ResolverConfig,
    candidate_names,
    files_before_dns,
    hosts_file_addresses,
    hosts_sources,
    parse_resolv_conf,
)
from foundry_discover.lite.errors import EXIT_NOT_OK, EXIT_OK, EXIT_UNREACHABLE, ConfigError
from foundry_discover.lite.registry import Registry, normalize_name, validate_host

if TYPE_CHECKING:
    import dns.message

RESOLV_CONF = Path("/etc/resolv.conf")
HOSTS = Path("/etc/hosts")
NSSWITCH = Path("/etc/nsswitch.conf")

#: What --type accepts; "A+AAAA" (both, as getaddrinfo asks) is the default.
RECORD_TYPES = ("A", "AAAA", "CNAME", "SRV", "TXT", "ANY")
DOCKER_DNS = "127.0.0.11"


class Status(str, enum.Enum):
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
        return self in (Status.ANSWER, Status.NXDOMAIN, Status.NODATA)

    @property
    def silent(self) -> bool:
        return self in (Status.TIMEOUT, Status.PORT_CLOSED)


_STATUS_TEXT = {
    Status.ANSWER: "answer",
    Status.NXDOMAIN: "NXDOMAIN",
    Status.NODATA: "no data",
    Status.SERVFAIL: "SERVFAIL",
    Status.REFUSED: "REFUSED",
    Status.TIMEOUT: "timeout",
    Status.PORT_CLOSED: "port closed",
    Status.ERROR: "error",
    Status.SKIPPED: "not asked",
}


@dataclass
class Record:
    type: str
    value: str


@dataclass
class Query:
    """One question (name, type) to one nameserver, and what came back."""

    name: str
    server: str
    type: str
    status: Status
    ms: float
    records: list[Record] = field(default_factory=list)
    detail: str = ""
    transport: str = "udp"


@dataclass
class Candidate:
    """One name of glibc's walk: the name, why it is tried, and the questions asked."""

    name: str
    origin: str
    status: Status
    queries: list[Query] = field(default_factory=list)
    note: str = ""

    @property
    def addresses(self) -> list[str]:
        return [
            r.value for q in self.queries if q.status is Status.ANSWER for r in q.records if r.type in ("A", "AAAA")
        ]

    @property
    def records(self) -> list[Record]:
        return [r for q in self.queries if q.status is Status.ANSWER for r in q.records]


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
class Verdict:
    resolved: bool
    kind: str
    summary: str
    cause: str | None = None
    fix: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ResolveReport:
    query: str
    target: Target
    types: list[str]
    app: AppView
    hosts: HostsView
    config: ResolverConfig
    nameserver_override: bool
    candidates: list[Candidate]
    verdict: Verdict
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
        return next((c for c in self.candidates if c.status is Status.ANSWER), None)

    def to_json(self) -> dict[str, Any]:
        from foundry_discover.render import to_jsonable

        cfg = self.config
        return {
            "query": self.query,
            "host": self.host,
            "service": self.target.service,
            "host_source": self.target.source,
            "host_variable": self.target.variable,
            "types": self.types,
            "resolved": self.verdict.resolved,
            "verdict": to_jsonable(self.verdict),
            "app": to_jsonable(self.app),
            "hosts_file": to_jsonable(self.hosts),
            "resolver": {
                "nameservers": [str(n) for n in cfg.nameservers],
                "nameserver_override": self.nameserver_override,
                "search": cfg.search,
                "ndots": cfg.ndots,
                "timeout": cfg.timeout,
                "attempts": cfg.attempts,
                "rotate": cfg.rotate,
                "options": cfg.options,
                "sources": cfg.sources,
                "ignored": cfg.ignored,
            },
            "candidates": [
                {"name": c.name, "origin": c.origin, "status": c.status.value, "note": c.note, "queries": c.queries}
                for c in self.candidates
            ],
            "stopped": self.stopped,
            "timeout": self.timeout,
        }


# ---- inputs ----------------------------------------------------------------------------------


def parse_nameserver(text: str) -> Nameserver:
    """``IP``, ``IP:PORT``, ``IPv6`` or ``[IPv6]:PORT``; ConfigError naming the value otherwise."""
    raw = text.strip()
    address, port = raw, "53"
    if raw.startswith("["):
        address, _, rest = raw[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("53" if not rest else "x")
    elif raw.count(":") == 1:
        address, _, port = raw.partition(":")
    try:
        ipaddress.ip_address(address)
        number = int(port)
        if not 1 <= number <= 65535:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"--nameserver {text!r} is not IP[:PORT]",
            fix="Give an IP address and optional port, e.g. 127.0.0.1:5353 or [::1]:53",
        ) from None
    return Nameserver(address, number)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


@dataclass
class Target:
    """The host to resolve, and the registry service and variable it came from, if any."""

    host: str
    service: str | None = None
    source: str | None = None
    variable: str | None = None


def target(name: str, registry: Registry) -> Target:
    """A registry service's host, or ``name`` itself as a host name."""
    key = normalize_name(name)
    if "." not in name and ":" not in name and key in registry.specs():
        service = registry.get(name)
        return Target(service.host, service.name, str(service.host_source), service.host_env)
    host, _ = validate_host(name, "NAME")
    return Target(host)


# ---- the application's view ------------------------------------------------------------------


def app_lookup(host: str, timeout: float) -> AppView:
    """``socket.getaddrinfo`` in a worker thread; give up after ``timeout`` and say so.

    The thread is a daemon: a lookup stuck on a silent nameserver must not keep the
    process alive after we have reported it.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            box["error"] = f"{exc.strerror} ({_eai_name(exc.errno)})"
        except (OSError, UnicodeError) as exc:
            box["error"] = str(exc)

    start = time.perf_counter()
    worker = threading.Thread(target=work, name="getaddrinfo", daemon=True)
    worker.start()
    worker.join(timeout)
    ms = (time.perf_counter() - start) * 1000
    if worker.is_alive():
        return AppView(True, timed_out=True, ms=ms, error=f"no answer within {timeout:g} s")
    if "error" in box:
        return AppView(True, error=box["error"], ms=ms)
    addresses: list[str] = []
    for info in box["infos"]:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return AppView(True, addresses=addresses, ms=ms)


def _eai_name(code: int | None) -> str:
    for name in ("EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_ADDRFAMILY", "EAI_SYSTEM"):
        if getattr(socket, name, None) == code:
            return name
    return f"error {code}"


# ---- one DNS question ------------------------------------------------------------------------


def ask(name: str, rdtype: str, server: Nameserver, timeout: float) -> Query:
    """One question over UDP (TCP when the UDP answer is truncated), with a timeout.

    The UDP socket is connected, so an ICMP port-unreachable comes back as "port closed"
    at once instead of looking like a silent server.
    """
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode

    query = dns.message.make_query(name.rstrip(".") + ".", rdtype)
    family = socket.AF_INET6 if ":" in server.address else socket.AF_INET
    start = time.perf_counter()
    transport = "udp"

    def result(status: Status, detail: str = "", reply: dns.message.Message | None = None) -> Query:
        ms = (time.perf_counter() - start) * 1000
        records = _records(reply, rdtype) if reply is not None and status is Status.ANSWER else []
        return Query(name, str(server), rdtype, status, ms, records, detail, transport)

    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)  # dnspython's timeouts only work on a nonblocking socket
    try:
        sock.connect((server.address, server.port))
        reply = dns.query.udp(query, server.address, port=server.port, timeout=timeout, sock=sock)
        if reply.flags & dns.flags.TC:
            transport = "tcp"
            left = max(0.05, timeout - (time.perf_counter() - start))
            reply = dns.query.tcp(query, server.address, port=server.port, timeout=left)
    except dns.exception.Timeout:
        return result(Status.TIMEOUT, f"no reply within {timeout:g} s")
    except ConnectionRefusedError:
        return result(Status.PORT_CLOSED, f"nothing listens on {transport.upper()} port {server.port}")
    except OSError as exc:
        return result(Status.ERROR, exc.strerror or str(exc))
    except dns.exception.DNSException as exc:
        return result(Status.ERROR, f"unreadable reply: {exc}")
    finally:
        sock.close()
    rcode = reply.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return result(Status.NXDOMAIN)
    if rcode == dns.rcode.SERVFAIL:
        return result(Status.SERVFAIL)
    if rcode == dns.rcode.REFUSED:
        return result(Status.REFUSED)
    if rcode != dns.rcode.NOERROR:
        return result(Status.ERROR, f"rcode {dns.rcode.to_text(rcode)}")
    if _has_data(reply, rdtype):
        return result(Status.ANSWER, reply=reply)
    return result(Status.NODATA)


def _has_data(reply: dns.message.Message, rdtype: str) -> bool:
    if rdtype == "ANY":
        return bool(reply.answer)
    import dns.rdatatype

    wanted = dns.rdatatype.from_text(rdtype)
    return any(rrset.rdtype == wanted for rrset in reply.answer)


def _records(reply: dns.message.Message, rdtype: str) -> list[Record]:
    import dns.rdatatype

    out: list[Record] = []
    for rrset in reply.answer:
        kind = dns.rdatatype.to_text(rrset.rdtype)
        for rdata in rrset:
            value = rdata.to_text()
            out.append(Record(kind, value))
    return out


# ---- glibc's walk ----------------------------------------------------------------------------


def _combine(queries: list[Query]) -> Status:
    """One server's answer for one name over all asked types, as getaddrinfo reads it."""
    statuses = [q.status for q in queries]
    if Status.ANSWER in statuses:
        return Status.ANSWER
    failed = [s for s in statuses if not s.definitive]
    if failed:
        return failed[0]
    return Status.NXDOMAIN if Status.NXDOMAIN in statuses else Status.NODATA


def ask_candidate(
    name: str,
    types: list[str],
    servers: list[Nameserver],
    timeout: float,
    dead: dict[Nameserver, Status],
    progress: Callable[[str], None] | None = None,
) -> tuple[Status, list[Query]]:
    """Ask each nameserver in order until one gives a definitive reply (glibc's res_send).

    A server that gave no reply at all is not asked again (for this name's other types,
    or later names): glibc would wait on it again, and the trace would only repeat itself.
    """
    queries: list[Query] = []
    failures: list[Status] = []
    for server in servers:
        if server in dead:
            earlier = dead[server]
            queries.append(Query(name, str(server), "-", Status.SKIPPED, 0.0, detail=f"{earlier.text} earlier"))
            failures.append(earlier)
            continue
        asked: list[Query] = []
        for rdtype in types:
            if progress:
                progress(f"asking {server} for {name} {rdtype}")
            query = ask(name, rdtype, server, timeout)
            asked.append(query)
            if query.status.silent:
                dead[server] = query.status
                break
        queries.extend(asked)
        status = _combine(asked)
        if status.definitive:
            return status, queries
        failures.append(status)
    if Status.SERVFAIL in failures:
        return Status.SERVFAIL, queries
    if all(s is Status.PORT_CLOSED for s in failures):
        return Status.PORT_CLOSED, queries
    return next(s for s in failures if s is not Status.PORT_CLOSED), queries


def walk(
    host: str,
    types: list[str],
    config: ResolverConfig,
    timeout: float,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Candidate], str | None]:
    """glibc's res_search: the candidates in order, what each got, and why the walk ended early.

    The name as given, when tried first, goes on to the search list whatever it got.
    In the search list NXDOMAIN, no data and SERVFAIL move on to the next domain; any
    other failure (timeouts, REFUSED) ends the search list, but the name as given is
    still tried last if it has not been. When no server could be reached at all (every
    port closed) glibc gives up at once.
    """
    as_is = host.rstrip(".")
    names = candidate_names(host, config.search, config.ndots)
    candidates: list[Candidate] = []
    dead: dict[Nameserver, Status] = {}
    skip_search: str | None = None
    skip_all: str | None = None
    for index, name in enumerate(names):
        first_as_is = name == as_is and index == 0
        origin = "as given" if name == as_is else f"search domain {name[len(as_is) + 1 :]}"
        reason = skip_all or (skip_search if name != as_is else None)
        if reason:
            candidates.append(Candidate(name, origin, Status.SKIPPED, note=reason))
            continue
        status, queries = ask_candidate(name, types, config.nameservers, timeout, dead, progress)
        candidates.append(Candidate(name, origin, status, queries))
        if status is Status.ANSWER:
            skip_all = f"{name} answered first"
        elif first_as_is or status.definitive or status is Status.SERVFAIL:
            continue
        elif status is Status.PORT_CLOSED:
            skip_all = "no nameserver could be reached, so glibc gives up"
        else:
            skip_search = f"every nameserver failed for {name} ({status.text}), so glibc ends the search list"
    skipped = any(c.status is Status.SKIPPED for c in candidates)
    if not skipped or (skip_all or "").endswith("answered first"):
        return candidates, None
    return candidates, skip_all or skip_search


# ---- the whole report ------------------------------------------------------------------------


@dataclass
class Inputs:
    """The files and environment read: injectable so the verdict logic is testable."""

    resolv_conf: str | None
    hosts: str | None
    nsswitch: str | None
    env: Mapping[str, str]
    hostname: str = ""

    @classmethod
    def from_system(cls, env: Mapping[str, str]) -> Inputs:
        return cls(_read(RESOLV_CONF), _read(HOSTS), _read(NSSWITCH), env, socket.gethostname())


def resolve(
    name: str,
    registry: Registry,
    *,
    record_type: str | None = None,
    nameservers: list[Nameserver] | None = None,
    timeout: float = 2.0,
    inputs: Inputs | None = None,
    progress: Callable[[str], None] | None = None,
) -> ResolveReport:
    """Everything ``resolve NAME`` reports. Never raises for a name that fails to resolve."""
    goal = target(name, registry)
    inputs = inputs or Inputs.from_system(registry.env)
    report = trace(name, goal, inputs, record_type, nameservers, timeout, progress)
    port = port_from = None
    if goal.service is not None:
        service = registry.get(goal.service)
        port, port_from = service.port, str(service.port_source)
    add_evidence(report, inputs.env, registry_hosts(registry), port, port_from or "")
    return report


def registry_hosts(registry: Registry) -> dict[str, str]:
    """Every host the registry declares by default: what a typo is checked against.

    The declared default counts even when a variable overrides it: ``SVC_LOCALSTACK_HOST=localstak``
    is a typo of the default ``localstack``.
    """
    known: dict[str, str] = {}
    try:
        specs = registry.specs()
    except ConfigError:
        return known
    for name, spec in sorted(specs.items()):
        if spec.host:
            known.setdefault(spec.host, f"the registry's default host for {name.lower()}")
    return known


def add_evidence(
    report: ResolveReport,
    env: Mapping[str, str],
    registry_known: Mapping[str, str],
    port: int | None = None,
    port_from: str = "",
) -> list[str]:
    """What Kubernetes' service-link variables and near-miss names add to the verdict (returns the notes added).

    Free evidence, no API: a kubelet injects ``<SVC>_SERVICE_HOST`` for every Service in the
    namespace when the pod starts. When DNS fails for a Service that has them, DNS is the
    problem, and the verdict says so instead of "there is no Service".
    """
    from foundry_discover.checks.envcheck import known_hosts, link_evidence, near_miss

    verdict = report.verdict
    added: list[str] = []
    failed = not verdict.resolved and report.target.host != ""
    namespace = _context(report.config).k8s_namespace
    for found in link_evidence(
        report.host, port, env, namespace=namespace, dns_failed=failed and not _is_ip(report.host), port_from=port_from
    ):
        if found.kind == "service-exists":
            if verdict.cause:
                verdict.notes.insert(0, f"DNS's verdict was: {verdict.cause}")
            verdict.cause = found.message
            verdict.fix = (
                "Check the cluster DNS (kubectl -n kube-system get pods -l k8s-app=kube-dns) and the pod's "
                "dnsPolicy and dnsConfig; the Service's ClusterIP works meanwhile"
            )
        elif failed or found.kind == "port-differs":
            verdict.notes.append(found.message)
            added.append(found.message)
    if not failed:
        return added
    miss = near_miss(report.host, known_hosts(env, registry_known))
    if miss is not None:
        name, where = miss
        setting = f"set {report.host_variable}={name}" if report.host_variable else f"use {name}"
        typo = f"{report.host.rstrip('.')} looks like a typo of {name} ({where})"
        if verdict.cause:
            verdict.notes.insert(0, verdict.cause)
        verdict.cause = typo
        verdict.fix = f"If you meant {name}, {setting}"
    return added


def explain_failure(
    host: str,
    timeout: float,
    env: Mapping[str, str] | None = None,
    known: Mapping[str, str] | None = None,
    variable: str | None = None,
    app_failed: str = "getaddrinfo failed",
) -> tuple[str | None, str | None]:
    """For ``doctor``: why ``host`` (from ``variable``) does not resolve (what was tried, the cause) and the fix."""
    env = os.environ if env is None else env
    goal = Target(host, variable=variable)
    report = trace(host, goal, Inputs.from_system(env), None, None, min(timeout, 2.0), None, app_failed)
    if report.verdict.resolved:
        return None, None
    added = add_evidence(report, env, known or {})
    verdict, config = report.verdict, report.config
    text = verdict.summary
    if verdict.kind == "silent-nameserver":
        wait = f"{config.timeout} s x {config.attempts} attempts"
        text += f" (the application waits up to {wait} for each nameserver on every lookup)"
    if verdict.cause:
        text += f"; {verdict.cause}"
    for note in added:
        text += f"; {note}"
    return text, verdict.fix


def explain_connect_failure(host: str, addresses: list[str], timeout: float) -> tuple[str, str] | None:
    """For ``doctor``: the addresses that do not answer came from a hosts-file entry that overrides DNS."""
    inputs = Inputs.from_system(os.environ)
    listed = hosts_file_addresses(inputs.hosts, host)
    if not listed or _is_ip(host) or not files_before_dns(hosts_sources(inputs.nsswitch)[0]):
        return None
    if not {_norm(a) for a in addresses} <= {_norm(a) for a in listed}:
        return None
    answer: Candidate | None = None
    dns = "DNS was not asked: no time was left"
    if timeout > 0:
        answer = trace(host, Target(host), inputs, None, None, min(timeout, 2.0), None).answer
        dns = f"DNS gives {', '.join(answer.addresses)}" if answer else "DNS does not know the name"
    if answer is not None and {_norm(a) for a in answer.addresses} == {_norm(a) for a in listed}:
        return None
    cause = (
        f"{', '.join(addresses)} comes from an entry for {host} in {HOSTS}, which overrides DNS ({dns}), "
        "and nothing answers there"
    )
    fix = f"Remove or correct the {host} line in {HOSTS} (Compose: extra_hosts; Kubernetes: hostAliases)" + (
        ", so DNS's answer is used" if answer else ""
    )
    return cause, fix


def trace(
    name: str,
    goal: Target,
    inputs: Inputs,
    record_type: str | None,
    nameservers: list[Nameserver] | None,
    timeout: float,
    progress: Callable[[str], None] | None,
    app_failed: str | None = None,
) -> ResolveReport:
    """``app_failed``: the caller's own getaddrinfo already failed this way, so it is not repeated."""
    host = goal.host
    types = [record_type] if record_type else ["A", "AAAA"]
    config = parse_resolv_conf(inputs.resolv_conf, inputs.env, inputs.hostname, str(RESOLV_CONF))
    if nameservers:
        config.nameservers = list(nameservers)
        config.sources["nameservers"] = "--nameserver"
    sources, from_file = hosts_sources(inputs.nsswitch)
    hosts = HostsView(
        str(HOSTS), hosts_file_addresses(inputs.hosts, host), list(sources), from_file, files_before_dns(sources)
    )
    report = ResolveReport(
        name, goal, types, AppView(False), hosts, config, bool(nameservers), [], Verdict(False, "", ""), EXIT_OK
    )
    report.timeout = timeout
    if _is_ip(host):
        report.app = AppView(True, addresses=[host], source="literal")
        report.verdict = Verdict(True, "ip-address", f"{host} is an IP address: there is nothing to resolve")
        return report
    if nameservers:
        report.app.skipped_because = "--nameserver asks that server directly; the application would not"
    elif record_type not in (None, "A", "AAAA"):
        report.app.skipped_because = f"applications look {record_type} records up with a DNS library"
    elif app_failed is not None:
        report.app = AppView(True, error=app_failed)
    else:
        if progress:
            progress(f"getaddrinfo({host})")
        report.app = app_lookup(host, timeout)
    report.candidates, report.stopped = walk(host, types, config, timeout, progress)
    _attribute_source(report)
    report.verdict, report.exit_code = judge(report)
    return report


def _attribute_source(report: ResolveReport) -> None:
    """Say where getaddrinfo's answer came from: hosts file, DNS or another NSS source."""
    app = report.app
    if not app.ok:
        return
    got = {_norm(a) for a in app.addresses}
    in_hosts = {_norm(a) for a in report.hosts.addresses}
    answer = report.answer
    in_dns = {_norm(a) for a in answer.addresses} if answer else set()
    if in_hosts and got <= in_hosts and "files" in report.hosts.nsswitch_sources:
        app.source = "hosts file"
    elif in_dns and got <= in_dns:
        app.source = "dns"
    elif "dns" in report.hosts.nsswitch_sources and not in_hosts:
        # DNS answered the application but not our walk (say, a round-robin reorder or a
        # record that changed in between): still DNS, by elimination.
        app.source = "dns"
    else:
        app.source = "another nsswitch source"


def _norm(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return address


# ---- the verdict -----------------------------------------------------------------------------


@dataclass
class _Context:
    """What the resolver configuration says about where we run."""

    docker: bool
    k8s_namespace: str | None
    cluster_domain: str | None


def _context(config: ResolverConfig) -> _Context:
    docker = any(n.address == DOCKER_DNS for n in config.nameservers)
    namespace = cluster = None
    for domain in config.search:
        labels = domain.split(".")
        if len(labels) >= 3 and labels[1] == "svc":
            namespace, cluster = labels[0], ".".join(labels[2:])
            break
        if len(labels) >= 2 and labels[0] == "svc" and cluster is None:
            cluster = ".".join(labels[1:])
    return _Context(docker, namespace, cluster)


def _servers(queries: list[Query], status: Status) -> list[str]:
    seen: list[str] = []
    for q in queries:
        if q.status is status and q.server not in seen:
            seen.append(q.server)
    return seen


def judge(report: ResolveReport) -> tuple[Verdict, int]:
    """The verdict in plain words, and the exit code it implies."""
    app, hosts, config = report.app, report.hosts, report.config
    ctx = _context(config)
    asked = [c for c in report.candidates if c.status is not Status.SKIPPED]
    queries = [q for c in asked for q in c.queries]
    answer = report.answer
    notes = _notes(report, ctx, queries)
    host = report.host

    if app.ok:
        where = app.source or "dns"
        listed = ", ".join(app.addresses)
        if where == "hosts file":
            summary = f"{host} resolves for the application from the hosts file {hosts.path}: {listed}"
            if answer is None:
                notes.insert(
                    0,
                    f"DNS does not know {host}: only this container's hosts file has it, so other containers "
                    "and tools that skip the hosts file (dig, nslookup) will not find it",
                )
            elif {_norm(a) for a in answer.addresses} != {_norm(a) for a in app.addresses}:
                notes.insert(
                    0,
                    f"the hosts file and DNS disagree: DNS gives {', '.join(answer.addresses)} for {answer.name}, "
                    f"but the hosts file comes first in nsswitch.conf, so the application uses {listed}",
                )
            return Verdict(True, "hosts-file", summary, notes=notes), EXIT_OK
        if where == "dns" and answer is not None:
            via = f" through the search domain ({answer.name})" if answer.name != host.rstrip(".") else ""
            summary = f"{host} resolves for the application through DNS{via}: {listed}"
            return Verdict(True, "dns", summary, notes=notes), EXIT_OK
        if where == "dns":
            return Verdict(True, "dns", f"{host} resolves for the application through DNS: {listed}", notes=notes), 0
        sources = " ".join(hosts.nsswitch_sources)
        summary = (
            f"{host} resolves for the application ({listed}), but neither the hosts file nor DNS gave "
            f"these addresses: another source on the nsswitch.conf hosts: line ({sources}) answered"
        )
        return Verdict(True, "other-source", summary, notes=notes), EXIT_OK

    if answer is not None:
        records = ", ".join(answer.addresses) or ", ".join(f"{r.type} {r.value}" for r in answer.records)
        via = f" (as {answer.name})" if answer.name != host.rstrip(".") else ""
        if not app.checked:
            summary = f"{host} resolves in DNS{via}: {records}"
            return Verdict(True, "dns", summary, notes=notes), EXIT_OK
        if app.timed_out:
            notes.insert(0, f"the application's own lookup (getaddrinfo) was still waiting after {app.ms / 1000:.1f} s")
            summary = f"{host} resolves in DNS{via}: {records}, but slowly for the application"
            return Verdict(True, "dns-slow", summary, notes=notes), EXIT_OK
        cause = (
            "the hosts: line of nsswitch.conf does not list dns"
            if "dns" not in hosts.nsswitch_sources
            else "the application's resolver (glibc) and the DNS trace disagree"
        )
        summary = f"DNS answers {host}{via} with {records}, but the application's lookup failed: {app.error}"
        fix = "Add dns to the hosts: line of /etc/nsswitch.conf" if "dns" not in hosts.nsswitch_sources else None
        return Verdict(False, "app-dns-disagree", summary, cause, fix, notes), EXIT_NOT_OK

    # A name no server could answer might exist: that is a failure to reach, not a "no".
    failed = [c for c in asked if not c.status.definitive]
    if failed:
        return _unreachable(report, ctx, failed, queries, notes)
    return _negative(report, ctx, asked, notes)


def _notes(report: ResolveReport, ctx: _Context, queries: list[Query]) -> list[str]:
    notes: list[str] = []
    config = report.config
    for server in _servers(queries, Status.TIMEOUT):
        notes.append(
            f"nameserver {server} did not answer: the application waits up to {config.timeout} s "
            f"x {config.attempts} attempts for it on every lookup"
        )
    for server in _servers(queries, Status.PORT_CLOSED):
        notes.append(f"nameserver {server}: nothing listens on its DNS port")
    answer = report.answer
    failed_first = [c for c in report.candidates[: report.candidates.index(answer)]] if answer else []
    if answer is not None and answer.name == report.host.rstrip(".") and failed_first:
        notes.append(
            f"{len(failed_first)} search-list lookups failed before {answer.name} was tried as given: "
            f"with ndots:{config.ndots} a name with fewer than {config.ndots} dots goes through the search list "
            f"first. Write it with a trailing dot ({answer.name}.) to skip the search list"
            + (", or set a lower ndots in the pod's dnsConfig" if ctx.k8s_namespace else "")
        )
    hosts = report.hosts
    if hosts.addresses and not hosts.files_first and report.app.source != "hosts file":
        notes.append(
            f"the hosts file lists {report.host} ({', '.join(hosts.addresses)}), but nsswitch.conf "
            f"({' '.join(hosts.nsswitch_sources)}) asks DNS first"
        )
    if hosts.addresses and not report.app.checked and report.app.source is None and "files" in hosts.nsswitch_sources:
        notes.append(
            f"the hosts file gives {report.host} = {', '.join(hosts.addresses)} to applications on this machine"
        )
    return notes


def _unreachable(
    report: ResolveReport, ctx: _Context, asked: list[Candidate], queries: list[Query], notes: list[str]
) -> tuple[Verdict, int]:
    host = report.host
    statuses = [c.status for c in asked]
    servers = ", ".join(str(n) for n in report.config.nameservers)
    if Status.SERVFAIL in statuses:
        failing = next(c for c in asked if c.status is Status.SERVFAIL)
        summary = (
            f"the nameserver answered SERVFAIL for {failing.name}: it could not get an answer from the "
            "server responsible for that name"
        )
        fix = "Check the DNS server's upstream (forwarder) for this zone and its logs"
        if ctx.k8s_namespace is not None:
            fix += "; in Kubernetes: kubectl -n kube-system logs -l k8s-app=kube-dns"
        return Verdict(False, "servfail", summary, "the upstream for this zone is failing", fix, notes), 4
    if Status.REFUSED in statuses:
        summary = f"the nameserver ({', '.join(_servers(queries, Status.REFUSED))}) refused to answer for {host}"
        cause = "it does not serve this client or this zone"
        fix = "Use the nameserver your network provides, or allow this client in the server's configuration"
        return Verdict(False, "refused", summary, cause, fix, notes), EXIT_UNREACHABLE
    if all(s is Status.PORT_CLOSED for s in statuses):
        kind = "port-closed"
        summary = f"no DNS server listens at {servers}: the port is closed"
    elif Status.TIMEOUT in statuses or Status.PORT_CLOSED in statuses:
        kind = "silent-nameserver"
        summary = f"no nameserver answered: {servers} did not reply within {_timeout_text(queries)}"
    else:
        kind = "dns-error"
        details = "; ".join(sorted({q.detail for q in queries if q.detail}))
        summary = f"every nameserver failed for {host}: {details}"
    # The notes repeat per-server facts the summary already states.
    notes = [n for n in notes if not n.startswith("nameserver ")]
    if ctx.docker:
        cause = (
            f"{DOCKER_DNS} is Docker's embedded DNS: it answers only inside a container attached to a "
            "user-defined network (not the default bridge, not the host)"
        )
        fix = "Run this inside a container on the Compose network (docker compose exec SERVICE ...)"
    elif ctx.k8s_namespace is not None:
        cause = "the cluster DNS service (CoreDNS) is not answering this pod"
        fix = (
            "Check the DNS pods (kubectl -n kube-system get pods -l k8s-app=kube-dns) and that no "
            "NetworkPolicy blocks UDP and TCP port 53"
        )
    else:
        cause = "the nameserver is down, unreachable, or not a DNS server"
        fix = "Check the nameserver lines of /etc/resolv.conf (or --nameserver) and that UDP port 53 is reachable"
    return Verdict(False, kind, summary, cause, fix, notes), EXIT_UNREACHABLE


def _timeout_text(queries: list[Query]) -> str:
    asked = [q for q in queries if q.status is Status.TIMEOUT]
    return asked[0].detail.removeprefix("no reply within ") if asked else "the timeout"


def _negative(report: ResolveReport, ctx: _Context, asked: list[Candidate], notes: list[str]) -> tuple[Verdict, int]:
    host = report.host.rstrip(".")
    names = ", ".join(c.name for c in asked)
    nodata = all(c.status is Status.NODATA for c in asked if c.status.definitive)
    what = f"has no {'/'.join(report.types)} records" if nodata else "does not exist in DNS"
    summary = f"{host} {what}: every name tried ({names}) got {'no data' if nodata else 'NXDOMAIN'}"
    if report.app.checked and report.app.error:
        summary += f"; the application's lookup failed too ({report.app.error})"
    registry_fix = f"; if the service has another name, set {report.host_variable}" if report.host_variable else ""
    if ctx.docker:
        cause = (
            f"Docker's embedded DNS ({DOCKER_DNS}) knows only container names, Compose service names and network "
            "aliases of containers on the same user-defined network"
        )
        fix = (
            f"Put the container that serves {host!r} on the same network as this one (Compose: the same entry "
            "under both services' networks:), or give it the alias; docker network inspect NETWORK shows who "
            "is on it" + registry_fix
        )
        return Verdict(False, "docker-unknown-name", summary, cause, fix, notes), EXIT_NOT_OK
    if ctx.k8s_namespace is not None and not nodata:
        cluster = ctx.cluster_domain or "cluster.local"
        labels = host.split(".")
        if len(labels) == 1:
            cause = (
                f"there is no Service {host!r} in namespace {ctx.k8s_namespace!r}, the pod's own namespace "
                "(short names resolve only there)"
            )
            fix = (
                f"If the Service lives in another namespace, use {host}.NAMESPACE or "
                f"{host}.NAMESPACE.svc.{cluster}; kubectl get svc -A --field-selector metadata.name={host} "
                "finds it" + registry_fix
            )
        elif len(labels) == 2:
            cause = f"there is no Service {labels[0]!r} in namespace {labels[1]!r}"
            fix = f"Check the namespace: kubectl get svc -A --field-selector metadata.name={labels[0]}" + registry_fix
        else:
            cause = f"no such name in the cluster ({cluster}) or beyond"
            fix = "Check the spelling; a Service's full name is NAME.NAMESPACE.svc." + cluster + registry_fix
        return Verdict(False, "kubernetes-not-found", summary, cause, fix, notes), EXIT_NOT_OK
    fix = "Check the spelling of the name" + registry_fix
    kind = "nodata" if nodata else "nxdomain"
    return Verdict(False, kind, summary, None, fix, notes), EXIT_NOT_OK
