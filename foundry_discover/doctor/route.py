"""The protocol step on the application's route: when its client would go through a proxy, so does doctor.

The protocol step's own check goes direct (it names what listens on the port). When the
application's client would send the request through a proxy (botocore's rules for the
emulator's AWS endpoint, httpx's for an http or https service), the step says so and
asks again along that route; a refusal there fails the step, named as the proxy's, with
the ``NO_PROXY`` entry that avoids it. The CA bundle that client trusts for an https
URL is shown beside it, and one that cannot work is a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from foundry_discover.checks.proxy import notes
from foundry_discover.checks.proxy.environ import proxy_set
from foundry_discover.checks.proxy.model import Client, Route
from foundry_discover.doctor.model import Step
from foundry_discover.lite.errors import FoundryError
from foundry_discover.lite.registry import Service
from foundry_discover.util.waiting import Deadline

#: The emulator's health path: what its check GETs, and so what is asked along the route.
EMULATOR_PATH = "/_localstack/health"


def along_route(step: Step, service: Service, deadline: Deadline, env: Mapping[str, str]) -> Step:
    """``step`` (the direct protocol check), completed with the application's route to the service."""
    if service.scheme not in ("http", "https") or step.status == "skip":
        return step
    emulator = service.name == "LOCALSTACK"
    client: Client = "botocore" if emulator else "httpx"
    url = service.url_for(EMULATOR_PATH if emulator else service.health_path or "/")
    _ca_bundle(step, service, client, env)
    if not proxy_set(env):
        return step
    from foundry_discover.checks.proxy.route import route_for

    route = route_for(url, env, client)
    step.data["route"] = route
    step = _on_route(step, route, url, env, deadline)
    if route.error is None:  # else the step says it already
        _differences(step, url, env)
    return step


def _on_route(step: Step, route: Route, url: str, env: Mapping[str, str], deadline: Deadline) -> Step:
    emulator = route.client == "botocore"
    who = notes.who(route.client)
    if route.error is not None:
        fix = (
            "Remove or rewrite that NO_PROXY entry (httpx takes an IPv6 address bare, without brackets or a range)"
            if " entry " in route.error
            else "Fix or unset that proxy variable (httpx takes http://, https:// and, with socksio, socks5://)"
        )
        return _warn(step, f"{who} cannot start: {route.error}", fix)
    if not route.via_proxy:
        return step
    note = f"{who} go through proxy {route.proxy_text}, not direct as this check did"
    if step.status == "fail":
        step.detail = f"{step.detail} (note: {note})"
        return step
    from foundry_discover.checks.proxy import through

    what = f"GET {url}"
    try:
        along = through.get_along(url, route, env, deadline, what=what)
    except FoundryError as exc:
        return _fail(step, exc)
    direct = step.data.get("http_status", 200 if emulator else None)
    problem = through.differs(route, what, along, direct if isinstance(direct, int) else None)
    if problem is not None:
        return _fail(step, problem)
    step.data["along_route"] = {"status": along.status, "answered_by": along.shown, "elapsed_ms": along.elapsed_ms}
    step.detail = f"{step.detail}; {note}: HTTP {along.status} there too"
    return step


def _differences(step: Step, url: str, env: Mapping[str, str]) -> None:
    """Where botocore's and httpx's rules send this URL different ways: a note, and ``data.differences``."""
    from foundry_discover.checks.proxy.route import compare

    found = compare(url, env).differences
    if found:
        step.data["differences"] = found
        step.detail = f"{step.detail} (note: botocore and httpx differ here: {'; '.join(found)})"


def _fail(step: Step, exc: FoundryError) -> Step:
    step.status = "fail"
    step.detail = f"{step.detail} directly, but {exc.message}"
    step.fix = exc.fix
    step.exit_code = exc.exit_code
    return step


def _warn(step: Step, detail: str, fix: str) -> Step:
    if step.status == "pass":
        step.status = "warn"
        step.fix = fix
    step.detail = f"{step.detail}; {detail}"
    return step


def _ca_bundle(step: Step, service: Service, client: Client, env: Mapping[str, str]) -> None:
    """For an https service: the CA bundle the application's client trusts, and a warning if it cannot work."""
    if service.scheme != "https":
        return
    from foundry_discover.checks.proxy.cabundle import botocore_bundles, httpx_bundles

    bundles = botocore_bundles(service.url, env) if client == "botocore" else httpx_bundles(service.url, env)
    data: dict[str, Any] = {"client": client, "summary": bundles.summary(), "settings": bundles.settings}
    step.data["ca_bundle"] = data
    problem = bundles.warning(service.name.lower())
    if problem:
        _warn(step, problem, bundles.fix())
