"""A failure on a route through a proxy, named as the proxy's: what it said, and the way around it.

What comes from the proxy, not from the service behind it:

* a 407: only a proxy asks for ``Proxy-Authenticate``;
* a reply with a proxy's marks (``X-Squid-Error``, ``Proxy-Authenticate``) or, for an AWS
  call, one without AWS's request id and without an AWS error code (botocore then
  reports the bare status as the code);
* a tunnel (``CONNECT``, for https) the proxy answered with anything but 200;
* a refused connection, or silence: the client talks only to the proxy.

Every message says which proxy (its URL without credentials, and the variable that set
it) and the fix names the ``NO_PROXY`` entry that sends the URL direct.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from foundry_discover.checks.proxy.model import Route
from foundry_discover.lite.errors import UnreachableError

#: Headers that show who answered, in the order a message lists them.
EVIDENCE_HEADERS = ("Server", "Via", "X-Squid-Error", "Proxy-Authenticate")
AWS_REQUEST_ID = ("x-amzn-requestid", "x-amz-request-id", "x-amz-id-2")
REASONS = {
    403: "Forbidden",
    407: "Proxy Authentication Required",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_TUNNEL = re.compile(r"Tunnel connection failed: (\d{3})\s*([^'\")]*)")


def evidence(headers: Mapping[str, str]) -> str:
    """``Server: `squid/6.10`, Via: `1.1 corp-proxy```: the headers that name who answered."""
    lower = {k.lower(): v for k, v in headers.items()}
    # In backticks: a header is evidence, quoted as sent (a Via may hold parentheses of its own).
    found = [f"{name}: `{lower[name.lower()]}`" for name in EVIDENCE_HEADERS if lower.get(name.lower())]
    return ", ".join(found)


def from_proxy(status: int, headers: Mapping[str, str], *, aws_code: str | None = None, aws: bool = False) -> bool:
    """Whether a reply on a proxied route was written by the proxy rather than the service."""
    lower = {k.lower() for k in headers}
    if status == 407 or "proxy-authenticate" in lower or "x-squid-error" in lower:
        return True
    if aws:
        no_code = aws_code is None or aws_code.isdigit() or aws_code == "Unknown"
        return no_code and not lower.intersection(AWS_REQUEST_ID) and status >= 400
    return False


def _same_route(route: Route) -> str:
    who = "the application's botocore" if route.client == "botocore" else "the application's HTTP clients (httpx)"
    return f"{who} take{'s' if route.client == 'botocore' else ''} the same route"


def proxy_reply(route: Route, what: str, status: int, reason: str = "", shown: str = "") -> UnreachableError:
    """The proxy answered ``status`` instead of the service (``shown``: its evidence headers)."""
    reason = reason.strip() or REASONS.get(status, "")
    said = f"HTTP {status}{' ' + reason if reason else ''} from the proxy"
    said += f" ({shown})" if shown else ""
    proxy = f"proxy {route.proxy_text}"
    if status == 407:
        if route.proxy_credentials:
            head = f"{proxy} rejected its credentials for {what}: {said}"
            fix = f"Check the user and password in {route.variable}; or go direct: {route.go_direct()}"
        else:
            head = f"{proxy} requires authentication for {what}: {said}"
            fix = (
                f"Put the proxy's user and password in {route.variable} (http://USER:PASSWORD@HOST:PORT); "
                f"or go direct: {route.go_direct()}"
            )
        return UnreachableError(f"{head}; {_same_route(route)}", fix=fix)
    if status in (502, 503, 504):
        head = f"{proxy} could not reach {what}: {said}"
        fix = f"The proxy does not see this network (a container's name resolves only inside it): {route.fix()}"
        return UnreachableError(f"{head}; {_same_route(route)}", fix=fix)
    verb = "denied" if status == 403 else "answered for"
    return UnreachableError(f"{proxy} {verb} {what}: {said}; {_same_route(route)}", fix=route.fix())


def proxy_refused(route: Route, what: str) -> UnreachableError:
    return UnreachableError(
        f"proxy {route.proxy_text} refused the connection (nothing listens there), so {what} was not reached; "
        f"{_same_route(route)}",
        fix=f"Check {route.variable} (host and port of a running proxy); or go direct: {route.go_direct()}",
    )


def proxy_silent(route: Route, what: str, within: str) -> UnreachableError:
    return UnreachableError(
        f"no reply through proxy {route.proxy_text} {within} for {what}: the proxy (or what it forwards to) hangs; "
        f"{_same_route(route)}",
        fix=f"Check the proxy in {route.variable}; or go direct: {route.go_direct()}",
    )


def tunnel_status(text: str) -> tuple[int, str] | None:
    """The status a proxy answered a CONNECT with, from urllib3's or httpcore's error text."""
    match = _TUNNEL.search(text)
    if match:
        return int(match.group(1)), match.group(2).strip()
    bare = re.fullmatch(r"(\d{3})\s*(.*)", text.strip())
    return (int(bare.group(1)), bare.group(2)) if bare else None


def botocore_failure(exc: Exception, route: Route, what: str) -> UnreachableError | None:
    """A botocore exception on a proxied route, as the proxy's failure; None when the service answered."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.ClientError):
        response = exc.response if isinstance(exc.response, dict) else {}
        meta = response.get("ResponseMetadata", {})
        status = meta.get("HTTPStatusCode")
        headers = meta.get("HTTPHeaders") or {}
        code = (response.get("Error") or {}).get("Code")
        if isinstance(status, int) and from_proxy(status, headers, aws_code=code, aws=True):
            return proxy_reply(route, what, status, shown=evidence(headers))
        return None
    if isinstance(exc, bce.ProxyConnectionError):
        nested = exc.kwargs.get("error")
        text = repr(nested)
        tunnel = tunnel_status(text)
        if tunnel is not None:
            return proxy_reply(route, what, tunnel[0], tunnel[1])
        if "refused" in text.lower():
            return proxy_refused(route, what)
        if "RemoteDisconnected" in text:
            return UnreachableError(
                f"proxy {route.proxy_text} closed the connection without a reply for {what}; {_same_route(route)}",
                fix=f"Check the proxy in {route.variable} (its log says why); or go direct: {route.go_direct()}",
            )
        return UnreachableError(
            f"cannot connect to proxy {route.proxy_text} for {what}; {_same_route(route)}",
            fix=f"Check {route.variable}; or go direct: {route.go_direct()}",
        )
    if isinstance(exc, (bce.ReadTimeoutError, bce.ConnectTimeoutError)):
        return proxy_silent(route, what, "in time")
    return None


def httpx_failure(exc: Exception, route: Route, what: str, seconds: float) -> UnreachableError | None:
    """An httpx exception on a proxied route, as the proxy's failure."""
    import httpx

    text = str(exc)
    if isinstance(exc, httpx.ProxyError):
        tunnel = tunnel_status(text)
        if tunnel is not None:
            return proxy_reply(route, what, tunnel[0], tunnel[1])
    if isinstance(exc, httpx.ConnectError) and "refused" in text.lower():
        return proxy_refused(route, what)
    if isinstance(exc, httpx.TimeoutException):
        return proxy_silent(route, what, f"within {seconds:g}s")
    if isinstance(exc, httpx.HTTPError):
        return UnreachableError(
            f"the request through proxy {route.proxy_text} for {what} failed ({type(exc).__name__}); "
            f"{_same_route(route)}",
            fix=f"Check {route.variable}; or go direct: {route.go_direct()}",
        )
    return None
