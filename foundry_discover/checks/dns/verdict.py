"""The rules that turn a trace into a verdict: what went wrong (NXDOMAIN, a silent server, a search
list that never reaches the name) and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.conf import (
    ResolverConfig,
)
from foundry_discover.checks.dns.model import (
    DOCKER_DNS,
    AnswerStatus,
    Candidate,
    DnsVerdict,
    Query,
    ResolveReport,
    plain_address,
)
from foundry_discover.lite.errors import EXIT_NOT_OK, EXIT_OK, EXIT_UNREACHABLE

if TYPE_CHECKING:
    pass


@dataclass
class _Context:
    """What the resolver configuration says about where we run."""

    docker: bool
    k8s_namespace: str | None
    cluster_domain: str | None


def context_of(config: ResolverConfig) -> _Context:
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


def _servers(queries: list[Query], status: AnswerStatus) -> list[str]:
    seen: list[str] = []
    for q in queries:
        if q.status is status and q.server not in seen:
            seen.append(q.server)
    return seen


def judge(report: ResolveReport) -> tuple[DnsVerdict, int]:
    """The verdict in plain words, and the exit code it implies."""
    app, hosts, config = report.app, report.hosts, report.config
    ctx = context_of(config)
    asked = [c for c in report.candidates if c.status is not AnswerStatus.SKIPPED]
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
            elif {plain_address(a) for a in answer.addresses} != {plain_address(a) for a in app.addresses}:
                notes.insert(
                    0,
                    f"the hosts file and DNS disagree: DNS gives {', '.join(answer.addresses)} for {answer.name}, "
                    f"but the hosts file comes first in nsswitch.conf, so the application uses {listed}",
                )
            return DnsVerdict(True, "hosts-file", summary, notes=notes), EXIT_OK
        if where == "dns" and answer is not None:
            via = f" through the search domain ({answer.name})" if answer.name != host.rstrip(".") else ""
            summary = f"{host} resolves for the application through DNS{via}: {listed}"
            return DnsVerdict(True, "dns", summary, notes=notes), EXIT_OK
        if where == "dns":
            return DnsVerdict(True, "dns", f"{host} resolves for the application through DNS: {listed}", notes=notes), 0
        sources = " ".join(hosts.nsswitch_sources)
        summary = (
            f"{host} resolves for the application ({listed}), but neither the hosts file nor DNS gave "
            f"these addresses: another source on the nsswitch.conf hosts: line ({sources}) answered"
        )
        return DnsVerdict(True, "other-source", summary, notes=notes), EXIT_OK

    if answer is not None:
        records = ", ".join(answer.addresses) or ", ".join(f"{r.type} {r.value}" for r in answer.records)
        via = f" (as {answer.name})" if answer.name != host.rstrip(".") else ""
        if not app.checked:
            summary = f"{host} resolves in DNS{via}: {records}"
            return DnsVerdict(True, "dns", summary, notes=notes), EXIT_OK
        if app.timed_out:
            notes.insert(0, f"the application's own lookup (getaddrinfo) was still waiting after {app.ms / 1000:.1f} s")
            summary = f"{host} resolves in DNS{via}: {records}, but slowly for the application"
            return DnsVerdict(True, "dns-slow", summary, notes=notes), EXIT_OK
        cause = (
            "the hosts: line of nsswitch.conf does not list dns"
            if "dns" not in hosts.nsswitch_sources
            else "the application's resolver (glibc) and the DNS trace disagree"
        )
        summary = f"DNS answers {host}{via} with {records}, but the application's lookup failed: {app.error}"
        fix = "Add dns to the hosts: line of /etc/nsswitch.conf" if "dns" not in hosts.nsswitch_sources else None
        return DnsVerdict(False, "app-dns-disagree", summary, cause, fix, notes), EXIT_NOT_OK

    # A name no server could answer might exist: that is a failure to reach, not a "no".
    failed = [c for c in asked if not c.status.definitive]
    if failed:
        return _unreachable(report, ctx, failed, queries, notes)
    return _negative(report, ctx, asked, notes)


def _notes(report: ResolveReport, ctx: _Context, queries: list[Query]) -> list[str]:
    notes: list[str] = []
    config = report.config
    for server in _servers(queries, AnswerStatus.TIMEOUT):
        notes.append(
            f"nameserver {server} did not answer: the application waits up to {config.timeout} s "
            f"x {config.attempts} attempts for it on every lookup"
        )
    for server in _servers(queries, AnswerStatus.PORT_CLOSED):
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
) -> tuple[DnsVerdict, int]:
    host = report.host
    statuses = [c.status for c in asked]
    servers = ", ".join(str(n) for n in report.config.nameservers)
    if AnswerStatus.SERVFAIL in statuses:
        failing = next(c for c in asked if c.status is AnswerStatus.SERVFAIL)
        summary = (
            f"the nameserver answered SERVFAIL for {failing.name}: it could not get an answer from the "
            "server responsible for that name"
        )
        fix = "Check the DNS server's upstream (forwarder) for this zone and its logs"
        if ctx.k8s_namespace is not None:
            fix += "; in Kubernetes: kubectl -n kube-system logs -l k8s-app=kube-dns"
        return DnsVerdict(False, "servfail", summary, "the upstream for this zone is failing", fix, notes), 4
    if AnswerStatus.REFUSED in statuses:
        summary = f"the nameserver ({', '.join(_servers(queries, AnswerStatus.REFUSED))}) refused to answer for {host}"
        cause = "it does not serve this client or this zone"
        fix = "Use the nameserver your network provides, or allow this client in the server's configuration"
        return DnsVerdict(False, "refused", summary, cause, fix, notes), EXIT_UNREACHABLE
    if all(s is AnswerStatus.PORT_CLOSED for s in statuses):
        kind = "port-closed"
        summary = f"no DNS server listens at {servers}: the port is closed"
    elif AnswerStatus.TIMEOUT in statuses or AnswerStatus.PORT_CLOSED in statuses:
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
    return DnsVerdict(False, kind, summary, cause, fix, notes), EXIT_UNREACHABLE


def _timeout_text(queries: list[Query]) -> str:
    asked = [q for q in queries if q.status is AnswerStatus.TIMEOUT]
    return asked[0].detail.removeprefix("no reply within ") if asked else "the timeout"


def _negative(report: ResolveReport, ctx: _Context, asked: list[Candidate], notes: list[str]) -> tuple[DnsVerdict, int]:
    host = report.host.rstrip(".")
    names = ", ".join(c.name for c in asked)
    nodata = all(c.status is AnswerStatus.NODATA for c in asked if c.status.definitive)
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
        return DnsVerdict(False, "docker-unknown-name", summary, cause, fix, notes), EXIT_NOT_OK
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
        return DnsVerdict(False, "kubernetes-not-found", summary, cause, fix, notes), EXIT_NOT_OK
    fix = "Check the spelling of the name" + registry_fix
    kind = "nodata" if nodata else "nxdomain"
    return DnsVerdict(False, kind, summary, None, fix, notes), EXIT_NOT_OK
