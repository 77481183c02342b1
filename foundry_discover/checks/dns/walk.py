"""glibc's name walk, redone: the search list and ``ndots`` give candidate names, each asked in order.

The order and the stop rules are glibc's (``res_nsearch``), so the candidate that
answers here is the one the application's getaddrinfo got.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.ask import ask
from foundry_discover.checks.dns.conf import (
    Nameserver,
    ResolverConfig,
    candidate_names,
)
from foundry_discover.checks.dns.model import AnswerStatus, Candidate, Query

if TYPE_CHECKING:
    pass


def _combine(queries: list[Query]) -> AnswerStatus:
    """One server's answer for one name over all asked types, as getaddrinfo reads it."""
    statuses = [q.status for q in queries]
    if AnswerStatus.ANSWER in statuses:
        return AnswerStatus.ANSWER
    failed = [s for s in statuses if not s.definitive]
    if failed:
        return failed[0]
    return AnswerStatus.NXDOMAIN if AnswerStatus.NXDOMAIN in statuses else AnswerStatus.NODATA


def ask_candidate(
    name: str,
    types: list[str],
    servers: list[Nameserver],
    timeout: float,
    dead: dict[Nameserver, AnswerStatus],
    progress: Callable[[str], None] | None = None,
) -> tuple[AnswerStatus, list[Query]]:
    """Ask each nameserver in order until one gives a definitive reply (glibc's res_send).

    A server that gave no reply at all is not asked again (for this name's other types,
    or later names): glibc would wait on it again, and the trace would only repeat itself.
    """
    queries: list[Query] = []
    failures: list[AnswerStatus] = []
    for server in servers:
        if server in dead:
            earlier = dead[server]
            queries.append(Query(name, str(server), "-", AnswerStatus.SKIPPED, 0.0, detail=f"{earlier.text} earlier"))
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
    if AnswerStatus.SERVFAIL in failures:
        return AnswerStatus.SERVFAIL, queries
    if all(s is AnswerStatus.PORT_CLOSED for s in failures):
        return AnswerStatus.PORT_CLOSED, queries
    return next(s for s in failures if s is not AnswerStatus.PORT_CLOSED), queries


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
    dead: dict[Nameserver, AnswerStatus] = {}
    skip_search: str | None = None
    skip_all: str | None = None
    for index, name in enumerate(names):
        first_as_is = name == as_is and index == 0
        origin = "as given" if name == as_is else f"search domain {name[len(as_is) + 1 :]}"
        reason = skip_all or (skip_search if name != as_is else None)
        if reason:
            candidates.append(Candidate(name, origin, AnswerStatus.SKIPPED, note=reason))
            continue
        status, queries = ask_candidate(name, types, config.nameservers, timeout, dead, progress)
        candidates.append(Candidate(name, origin, status, queries))
        if status is AnswerStatus.ANSWER:
            skip_all = f"{name} answered first"
        elif first_as_is or status.definitive or status is AnswerStatus.SERVFAIL:
            continue
        elif status is AnswerStatus.PORT_CLOSED:
            skip_all = "no nameserver could be reached, so glibc gives up"
        else:
            skip_search = f"every nameserver failed for {name} ({status.text}), so glibc ends the search list"
    skipped = any(c.status is AnswerStatus.SKIPPED for c in candidates)
    if not skipped or (skip_all or "").endswith("answered first"):
        return candidates, None
    return candidates, skip_all or skip_search
