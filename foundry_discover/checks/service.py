"""A service's protocol check, complete: the probe, then a redirecting health path followed.

The probe (``lite.servicecheck``) speaks each protocol with the standard library only, so
a healthcheck of Redis imports nothing else. A health path that redirects needs an HTTP
client's redirect rules (capped, no loops), so it is followed here, with httpx.
"""

from __future__ import annotations

from foundry_discover.lite.base import Deadline
from foundry_discover.lite.errors import FoundryError
from foundry_discover.lite.registry import Service
from foundry_discover.lite.servicecheck import ServiceCheck, mark_failed, probe_service


def check_service(service: Service, deadline: Deadline) -> ServiceCheck:
    """The protocol check of the service's scheme, redirects followed."""
    check = probe_service(service, deadline)
    follow_redirect(check, service, deadline)
    return check


def follow_redirect(check: ServiceCheck, service: Service, deadline: Deadline) -> None:
    """When the probe saw a redirect, GET the health path as an HTTP client would; else nothing."""
    result = check.probe
    if result is None or result.state != "redirect" or check.error is not None:
        return
    from foundry_discover.checks.httpget import fetch

    try:
        reply = fetch(service.url_for(service.health_path or "/"), deadline)
    except FoundryError as exc:
        mark_failed(check, exc)
        return
    check.http_status = reply.status
    result.detail = f"{result.detail}; {reply.url} answered HTTP {reply.status}"
    if not 200 <= reply.status < 300:
        check.verdict = "unhealthy"
        check.reasons.append(f"{reply.url} answered HTTP {reply.status}, expected 2xx")
