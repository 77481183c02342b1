"""doctor's use of the trace: one cause and one fix for a name that does not resolve or connect."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.conf import (
    files_before_dns,
    hosts_file_addresses,
    hosts_sources,
)
from foundry_discover.checks.dns.inputs import Inputs, is_ip
from foundry_discover.checks.dns.model import HOSTS, Candidate, NameTarget, plain_address
from foundry_discover.checks.dns.report import add_evidence, trace

if TYPE_CHECKING:
    pass


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
    goal = NameTarget(host, variable=variable)
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
    if not listed or is_ip(host) or not files_before_dns(hosts_sources(inputs.nsswitch)[0]):
        return None
    if not {plain_address(a) for a in addresses} <= {plain_address(a) for a in listed}:
        return None
    answer: Candidate | None = None
    dns = "DNS was not asked: no time was left"
    if timeout > 0:
        answer = trace(host, NameTarget(host), inputs, None, None, min(timeout, 2.0), None).answer
        dns = f"DNS gives {', '.join(answer.addresses)}" if answer else "DNS does not know the name"
    if answer is not None and {plain_address(a) for a in answer.addresses} == {plain_address(a) for a in listed}:
        return None
    cause = (
        f"{', '.join(addresses)} comes from an entry for {host} in {HOSTS}, which overrides DNS ({dns}), "
        "and nothing answers there"
    )
    fix = f"Remove or correct the {host} line in {HOSTS} (Compose: extra_hosts; Kubernetes: hostAliases)" + (
        ", so DNS's answer is used" if answer else ""
    )
    return cause, fix
