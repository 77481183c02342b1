"""Is LocalStack (or MiniStack, or moto) healthy? The emulator check, one attempt.

It reads ``GET /_localstack/health`` (services and their states, which emulator
answered) and LocalStack's ``GET /_localstack/init`` (init stages and scripts);
MiniStack reports its ready scripts inside the health body instead (``parse``). An
emulator without that path (moto) is checked by the application's AWS call instead
(``nohealth``). Other
services get their scheme's protocol check in ``lite.servicecheck``: ``health redis``
imports that module alone, never this one.

Everything here is bounded by one ``Deadline``: name resolution runs in a thread joined
with the time left, every socket operation gets the time left as its timeout, and the
body is read in chunks with the deadline checked between them. httpx is imported inside
the functions that use it, never at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from foundry_discover.checks.emulator.model import HEALTH_PATH, INIT_PATH, EmulatorHealth
from foundry_discover.checks.emulator.parse import listed_services, localstack_init, ministack_init, which_emulator
from foundry_discover.checks.emulator.rules import evaluate, service_states, unavailable
from foundry_discover.checks.httpget import BadReply, decode_json, get, http_client
from foundry_discover.lite.errors import (
    FoundryError,
)
from foundry_discover.lite.servicecheck import ServiceCheck, mark_failed, resolve_host
from foundry_discover.util.waiting import Deadline

if TYPE_CHECKING:
    from foundry_discover.lite.registry import Service

#: During --wait one attempt may use at most this long, so one hung connection does not
#: eat the whole wait while the server behind it becomes ready.
ATTEMPT_TIMEOUT = 2.0


def check_emulator(
    base_url: str, deadline: Deadline, *, require: Sequence[str] = (), name: str | None = None
) -> EmulatorHealth:
    """One health check of the emulator at ``base_url``; raises when it cannot be asked."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    addresses = resolve_host(host, parts.port or 80, deadline, name=name)
    if parts.scheme == "http":
        # A banner, Redis or PostgreSQL behind the port would hold the HTTP client until the
        # deadline (or earn a TLS hint): one raw GET names it within a second instead.
        from foundry_discover.lite.probes import http

        culprit = f"{name.upper()}_PORT" if name else "the URL's port"
        http.expect_http(addresses[0], parts.port or 80, deadline, path=HEALTH_PATH, culprit=culprit)
    with http_client(deadline) as client:
        reply = get(client, base_url + HEALTH_PATH, deadline)
        try:
            doc = decode_json(reply)
            services = listed_services(doc, reply.url)
        except BadReply as missing:
            # No LocalStack health path is no failure: moto and others are checked by the AWS call.
            from foundry_discover.checks.emulator import nohealth

            if reply.status in nohealth.FAILING:
                raise
            return nohealth.without_health(base_url, client, deadline, require, reply.status, missing)
        emulator = which_emulator(doc)
        if emulator == "MiniStack":
            init = ministack_init(doc.get("ready_scripts"), reply.url)
        else:
            init = localstack_init(client, base_url + INIT_PATH, deadline)
    states = service_states(services, require)
    verdict, reasons = evaluate(states, init, require)
    version = doc.get("version")
    edition = doc.get("edition")
    return EmulatorHealth(
        url=base_url,
        emulator=emulator,
        version=version if isinstance(version, str) else None,
        edition=edition if isinstance(edition, str) else None,
        round_trip_ms=reply.elapsed_ms,
        services=states,
        init=init,
        required=list(require),
        verdict=verdict,
        reasons=reasons,
        unavailable=unavailable(states, require),
    )


def check_emulator_service(service: Service, deadline: Deadline, require: Sequence[str] = ()) -> ServiceCheck:
    """The emulator check as one row of ``--all``."""
    check = ServiceCheck(service.name, service.url, "healthy", [], health_url=service.url_for(HEALTH_PATH))
    try:
        report = check_emulator(service.url, deadline, require=require, name=service.name.lower())
    except FoundryError as exc:
        mark_failed(check, exc)
        return check
    check.emulator = report
    check.verdict = report.verdict
    check.reasons = list(report.reasons)
    check.http_status = 200
    return check
