"""doctor's Docker hook: look the facts up beside the checks, then fold them into the failures.

``Lookup.start`` finds the Engine API (standard library only) and, when there is one,
asks it in a thread of its own (``lite.bounded``) while the services are checked, so the lookup costs the
checks nothing. ``Lookup.finish`` waits for it no longer than the deadline, then gives
each failing step the Docker cause and fix that applies (rules that need no API
included), and returns the facts for ``--json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from foundry_discover.checks.docker import endpoint as where
from foundry_discover.checks.docker.facts import DockerFacts
from foundry_discover.checks.docker.verdicts import diagnose, is_loopback
from foundry_discover.lite.bounded import Late, Pending, start
from foundry_discover.lite.errors import EXIT_NOT_OK, ConfigError
from foundry_discover.lite.registry import Registry, Service

if TYPE_CHECKING:
    from foundry_discover.checks.loopback import HomeRoute
    from foundry_discover.checks.runtime import Runtime
    from foundry_discover.doctor.model import ServiceReport, Step
    from foundry_discover.lite.base import Deadline

#: One request to a local socket takes a millisecond; more than this is a stuck daemon.
REQUEST_TIMEOUT = 2.0


@dataclass
class Lookup:
    facts: DockerFacts
    services: dict[str, Service] = field(default_factory=dict)
    _asked: Pending | None = None

    @classmethod
    def start(
        cls,
        registry: Registry,
        names: Sequence[str],
        runtime: Runtime,
        deadline: Deadline,
    ) -> Lookup:
        found, reason = where.find(registry.env)
        services: dict[str, Service] = {}
        for name in names:
            try:
                service = registry.get(name)
            except ConfigError:
                continue
            services[service.name] = service
        if found is None:
            note = f"no Docker API ({reason})"
            if runtime.kind == "container":
                note += f"; mount the socket read-only ({where.MOUNT_HINT}) for container facts"
            return cls(DockerFacts(None, None, False, note), services)
        wanted = {name: _names_to_try(s, _default_host(registry, name)) for name, s in services.items()}
        lookup = cls(DockerFacts(str(found), found.source, False, ""), services)

        def ask() -> DockerFacts:
            from foundry_discover.checks.docker.lookup import collect_facts
            from foundry_discover.checks.docker.mask import secret_values

            timeout = min(REQUEST_TIMEOUT, max(deadline.remaining(), 0.1))
            return collect_facts(found, runtime, wanted, timeout, secrets=secret_values(registry.env))

        lookup._asked = start(ask)
        return lookup

    def finish(
        self, reports: Sequence[ServiceReport], runtime: Runtime, deadline: Deadline, registry: Registry
    ) -> DockerFacts:
        if self._asked is not None:
            try:
                self.facts = self._asked.wait(deadline.remaining())
            except Late:
                self.facts.error = f"the Docker API at {self.facts.endpoint} did not answer before the deadline"
                self.facts.note = f"{self.facts.error}: no Docker facts"
        for report in reports:
            service = self.services.get(report.name)
            if service is not None:
                found = self.facts if self.facts.reachable else None
                apply(report, service, runtime, found, _default_host(registry, service.name))
        return self.facts


def apply(
    report: ServiceReport, service: Service, runtime: Runtime, found: DockerFacts | None, default_host: str | None
) -> None:
    """Give the failing step the Docker cause and fix; fail a passing service whose container is unhealthy."""
    from foundry_discover.checks.docker import similar
    from foundry_discover.checks.docker.causes import with_cause

    failed = report.failure
    target = found.targets.get(service.name) if found else None
    if failed is not None:
        inside = runtime.kind == "container" or (found is not None and found.self is not None)
        route = _home_route(report, service) if failed.name == "connect" else None
        verdict = diagnose(service, failed.name, runtime, found, default_host=default_host, route=route)
        verdict = verdict or similar.near_name(service, failed.name, target, inside)
        if verdict is not None:
            if verdict.kind == "docker-localhost":
                verdict = replace(verdict, fix=similar.localhost_fix(service, target) or verdict.fix)
            verdict, data = with_cause(verdict, target)
            _explain(failed, verdict.kind, verdict.cause, verdict.fix)
            failed.data.update(data)
        elif found is None and failed.name == "resolve":
            # A line of its own, not the fix: the fix stays one thing to do.
            hint = similar.without_api(service, inside)
            if hint:
                failed.data["docker_hint"] = hint
        return
    them = target.container if target else None
    me = found.self if found else None
    if them is None or (me is not None and me.id == them.id) or them.health is None:
        return
    if them.health.status != "unhealthy":
        return
    from foundry_discover.checks.docker.verdicts import container_state

    verdict = container_state(them)
    step = next((s for s in report.steps if s.name == "protocol"), None)
    if verdict is None or step is None:
        return
    verdict, data = with_cause(verdict, target)
    # The service answers, but Docker's healthcheck says otherwise, and `depends_on:
    # service_healthy` keeps every dependent from starting: that is a failure.
    step.status = "fail"
    step.exit_code = EXIT_NOT_OK
    step.detail = f"{step.detail}, but {verdict.cause}"
    step.fix = verdict.fix
    step.data["docker"] = verdict.kind
    step.data.update(data)


def _home_route(report: ServiceReport, service: Service) -> HomeRoute | None:
    """How the service's host leads back here, from the addresses its resolve step got."""
    from foundry_discover.checks.dns.model import HOSTS
    from foundry_discover.checks.loopback import home_route

    resolved = next((s for s in report.steps if s.name == "resolve"), None)
    addresses = list(resolved.data.get("addresses", [])) if resolved is not None else []
    try:
        hosts = HOSTS.read_text(errors="replace")
    except OSError:
        hosts = None
    return home_route(service.host, addresses, hosts)


def _explain(step: Step, kind: str, cause: str, fix: str) -> None:
    step.detail = f"{step.detail}; {cause}"
    step.fix = fix
    step.data["docker"] = kind


def _names_to_try(service: Service, default_host: str | None) -> list[str]:
    """The names a container for this service may carry: its host, else (localhost) its usual name."""
    if not is_loopback(service.host):
        return [service.host]
    guesses = [default_host, service.name.lower(), service.name.lower().replace("_", "-")]
    return [g for g in dict.fromkeys(guesses) if g and not is_loopback(g)]


def _default_host(registry: Registry, name: str) -> str | None:
    try:
        spec = registry.specs().get(name)
    except ConfigError:
        return None
    return spec.host if spec and spec.host else None
