"""One service's walk: config, resolve, connect, protocol, aws, stopping at the first broken link.

Each step reuses a check from ``checks/`` or ``lite/`` and turns its answer (or its
error) into a ``Step`` with one fix; a failure is then explained further where the
evidence allows (the hosts file, the DNS trace, Kubernetes' service links).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from foundry_discover.lite.errors import (
    EXIT_NOT_OK,
    EXIT_TIMEOUT,
    ConfigError,
    FoundryError,
    suggest,
)
from foundry_discover.lite.registry import Registry, Service
from foundry_discover.lite.values import normalize_name
from foundry_discover.util.waiting import Deadline

if TYPE_CHECKING:
    from foundry_discover.checks.envcheck import LinkEvidence
from foundry_discover.doctor.aws import aws_check
from foundry_discover.doctor.model import AWS_SERVICE, STEPS, Options, ServiceReport, Step, fail_step, timed

_T = TypeVar("_T")


def walk_service(
    registry: Registry,
    name: str,
    deadline: Deadline,
    options: Options,
    mode: str,
    namespace: str | None = None,
    steps: list[Step] | None = None,
) -> ServiceReport:
    """Walk one service's chain. ``steps``, when given, receives each step as it ends, so an
    interrupted run can report the steps that finished."""
    steps = [] if steps is None else steps
    cut = False
    service: Service | None = None
    addresses: list[str] = []

    def config() -> Step:
        nonlocal service
        try:
            service = registry.get(name)
        except ConfigError as exc:
            return fail_step("config", exc)
        where = f"host from {service.host_source}, port from {service.port_source}"
        warnings = list(service.warnings) + [e.message for e in _port_evidence(service, registry.env, namespace)]
        if warnings:
            from foundry_discover.lite.rawvalue import ValueWarning

            # A value warning carries its fix apart: the step's fix line shows it.
            fix = next((w.fix for w in warnings if isinstance(w, ValueWarning) and w.fix), None)
            detail = "; ".join(w.message if isinstance(w, ValueWarning) else w for w in warnings)
            return Step("config", "warn", detail, fix=fix, data={"provenance": where})
        return Step("config", "pass", where)

    def resolve() -> Step:
        assert service is not None
        from foundry_discover.lite.servicecheck import resolve_host

        try:
            addresses.extend(resolve_host(service.host, service.port, deadline, name=service.name.lower()))
        except FoundryError as exc:
            return _resolve_failure(service, exc, deadline, registry)
        return Step("resolve", "pass", ", ".join(addresses), data={"addresses": list(addresses)})

    def connect() -> Step:
        assert service is not None
        step = connect_all(service, addresses, deadline)
        if step.status == "fail":
            if not _hosts_file_cause(step, service, addresses, deadline):
                _cluster_ip_cause(step, service, registry.env, namespace)
            for found in _port_evidence(service, registry.env, namespace):
                step.fix = (
                    f"Set {service.port_env}={found.port}, the port Service {service.host.split('.')[0]} serves "
                    f"({found.variable}); or check that the service listens on {service.port}"
                )
        return step

    def protocol() -> Step:
        assert service is not None
        from foundry_discover.doctor.route import along_route

        return along_route(protocol_check(service, deadline, options), service, deadline, registry.env)

    def aws() -> Step:
        assert service is not None
        if service.name != "LOCALSTACK":
            return Step("aws", "skip", "only LocalStack gets an AWS call")
        if mode != "development":
            also = f" (--secret is fetched from AWS: see {AWS_SERVICE.lower()})" if options.secrets else ""
            return Step("aws", "skip", f"ENVIRONMENT is {mode}: secrets come from AWS itself, not LocalStack{also}")
        return aws_check(registry, deadline, options)

    for step_name, fn in zip(STEPS, (config, resolve, connect, protocol, aws), strict=True):
        if any(s.status == "fail" for s in steps):
            steps.append(Step(step_name, "skip", "skipped: an earlier step failed"))
            continue
        if step_name != "config" and deadline.expired:
            # Work that never began is not blamed for the time the steps before it used.
            why = f"not reached: time ran out ({deadline.seconds:g}s)"
            steps.append(Step(step_name, "not_reached", why, exit_code=EXIT_TIMEOUT))
            cut = True
            continue
        step = timed(fn)
        steps.append(step)
        cut = cut or (step.status == "fail" and deadline.expired)
    name_, url = (service.name, service.url) if service else (normalize_name(name), None)
    return ServiceReport(name_, url, steps, cut=cut)


def _port_evidence(service: Service, env: Mapping[str, str], namespace: str | None) -> list[LinkEvidence]:
    """The registry's port against the port Kubernetes' service links say the Service serves."""
    from foundry_discover.checks.envcheck import link_evidence

    found = link_evidence(service.host, service.port, env, namespace=namespace, port_from=str(service.port_source))
    return [e for e in found if e.kind == "port-differs"]


def _bounded(fn: Callable[[], _T], deadline: Deadline) -> _T | None:
    """``fn()`` given what is left of the deadline; None if it did not finish."""
    from foundry_discover.lite.bounded import Late, within

    try:
        return within(fn, deadline.remaining())
    except Late:
        return None


def _hosts_file_cause(step: Step, service: Service, addresses: Sequence[str], deadline: Deadline) -> bool:
    """A connect failure to an address the hosts file forces over DNS: name that as the cause."""
    from foundry_discover.checks.dns.explain import explain_connect_failure

    if deadline.remaining() < 0.2:
        # A dropped connection ate the deadline: the hosts file alone still says where the address came from.
        found = explain_connect_failure(service.host, list(addresses), 0)
    else:
        found = _bounded(
            lambda: explain_connect_failure(service.host, list(addresses), deadline.remaining()),
            deadline,
        )
    if found:
        cause, fix = found
        step.detail = f"{step.detail}: {cause}"
        step.fix = fix
    return found is not None


def _cluster_ip_cause(step: Step, service: Service, env: Mapping[str, str], namespace: str | None) -> None:
    """A refused or hung connect to a Kubernetes ClusterIP: the Service's endpoints, not a listener."""
    from foundry_discover.checks.kube import PodView, connect_failure

    failed = {a: r for a, r in step.data.get("addresses", {}).items() if isinstance(r, str)}
    if not failed:
        return
    view = PodView.read(env, namespace)
    for address, message in failed.items():
        found = connect_failure(service.host, service.port, address, message, view)
        if found is not None:
            step.detail = step.detail.replace(message, found.detail, 1)
            step.fix = found.fix or step.fix
            step.data["kubernetes"] = found.to_json()
            return


def _resolve_failure(service: Service, exc: FoundryError, deadline: Deadline, registry: Registry | None = None) -> Step:
    """The DNS trace's verdict says why a name does not resolve; fall back to the error.

    The trace walks every candidate name and nameserver, so it runs in a daemon thread
    bounded by what is left of the deadline: without it the step keeps health's message.
    """
    from foundry_discover.checks.dns.explain import explain_failure
    from foundry_discover.checks.dns.report import registry_hosts

    step = fail_step("resolve", exc)
    env = registry.env if registry is not None else None
    known = registry_hosts(registry) if registry is not None else None
    found = _bounded(
        lambda: explain_failure(
            service.host, max(deadline.remaining(), 0.1), env, known, service.host_env, app_failed=exc.message
        ),
        deadline,
    )
    if found:
        cause, fix = found
        if cause and cause not in exc.message:
            step.detail = f"{exc.message}: {cause}"
        step.fix = fix or step.fix
    return step


def connect_all(service: Service, addresses: Sequence[str], deadline: Deadline) -> Step:
    """TCP connect to every address the name resolves to, concurrently."""
    from foundry_discover.checks.connect_order import Attempt, app_connect
    from foundry_discover.lite.servicecheck import tcp_connect

    def one(address: str) -> tuple[str, float | FoundryError, float]:
        started = time.perf_counter()
        try:
            return address, tcp_connect(address, service.port, deadline), 0.0
        except FoundryError as exc:
            return address, exc, (time.perf_counter() - started) * 1000

    from foundry_discover.util.threads import gather

    # Each connect is bounded by the deadline; an interrupt reaches the main thread, not this one.
    results = [r for r in gather([functools.partial(one, a) for a in addresses], name="connect").results if r]
    good = [a for a, r, _ in results if not isinstance(r, FoundryError)]
    bad = [(a, r) for a, r, _ in results if isinstance(r, FoundryError)]
    data = {
        "port": service.port,
        "addresses": {a: (r.message if isinstance(r, FoundryError) else round(r, 3)) for a, r, _ in results},
    }
    if not bad:
        return Step("connect", "pass", f"{', '.join(good)} port {service.port}", data=data)
    if good:
        # The application tries them one by one, in this order: what that costs it.
        attempts = [Attempt(a, spent, r) if isinstance(r, FoundryError) else Attempt(a, r) for a, r, spent in results]
        found = app_connect(attempts, service.port, service.host_env, botocore=service.name == "LOCALSTACK")
        assert found is not None
        data["application"] = {"connects_to": good[0] if found.status == "pass" else None, "status": found.status}
        return Step("connect", found.status, found.detail, fix=found.fix, data=data)
    first = bad[0][1]
    step = fail_step("connect", first, **data)
    if len(bad) > 1:
        step.detail = "; ".join(exc.message for _, exc in bad)
    return step


def protocol_check(service: Service, deadline: Deadline, options: Options) -> Step:
    from foundry_discover.checks.emulator.check import check_emulator

    if service.name == "LOCALSTACK":
        try:
            report = check_emulator(service.url, deadline, require=options.require, name="localstack")
        except FoundryError as exc:
            return fail_step("protocol", exc)
        data = {
            "emulator": report.emulator,
            "version": report.version,
            "verdict": report.verdict,
            "unavailable": report.unavailable,
            "notes": report.notes,
        }
        if report.ok:
            version = f" {report.version}" if report.version else ""
            # An emulator without LocalStack's health path passes, saying what it could not check.
            notes = f" (note: {'; '.join(report.notes)})" if report.notes else ""
            return Step("protocol", "pass", f"{report.emulator}{version} is healthy{notes}", data=data)
        fix = (
            "Fix the init script (LocalStack's log names the error) and restart LocalStack"
            if report.init_failed
            else f"Run `{_health_wait_command(options)}` to wait for it, or check the emulator's log"
        )
        if report.unavailable:
            fix = (
                f"Check the --require name ({', '.join(report.unavailable)}) against the services the emulator "
                "lists, or enable it (LocalStack: the SERVICES setting); waiting will not bring it"
            )
        code = EXIT_NOT_OK
        return Step("protocol", "fail", report.summary(), fix=fix, exit_code=code, data=data)
    return service_protocol(service, deadline)


def service_protocol(service: Service, deadline: Deadline) -> Step:
    """The scheme's protocol check (PING, pg_isready's, a GET) as doctor's protocol step."""
    from foundry_discover.checks.service import check_service

    check = check_service(service, deadline)
    probe = check.probe
    data: dict[str, Any] = {} if probe is None else {"expected": probe.expected, "protocol": probe.protocol}
    if probe is not None and probe.http_status is not None:
        data["http_status"] = check.http_status
    if check.error is not None:
        return fail_step("protocol", check.error, **data)
    if probe is not None and probe.state == "tcp_only":
        return Step("protocol", "skip", probe.detail, data=data)
    if not check.ok:
        fix = (probe.fix if probe is not None else None) or (
            f"Check {service.name.lower()}'s logs: its health endpoint says it is not ok"
        )
        return Step("protocol", "fail", "; ".join(check.reasons), fix=fix, exit_code=EXIT_NOT_OK, data=data)
    detail = probe.detail if probe is not None else "ok"
    if probe is not None and probe.note:
        return Step("protocol", "pass", f"{detail} (note: {probe.note})", data=data)
    return Step("protocol", "pass", detail, data=data)


def _health_wait_command(options: Options) -> str:
    """The `health` command that waits for what this doctor run requires, not just any LocalStack."""
    required = f" --require {','.join(options.require)}" if options.require else ""
    return suggest(f"health localstack --wait{required}")
