"""botocore's route: urllib's ``proxy_bypass_environment``, then the proxy for the URL's scheme.

botocore (``utils.get_environ_proxies``, ``httpsession.ProxyConfiguration``) asks
``urllib.request.proxy_bypass`` with the URL's netloc (``host:port`` as written, so an
entry with a port matches only that netloc), and when not bypassed takes the proxy of
the URL's scheme: ``HTTP_PROXY`` for http, ``HTTPS_PROXY`` for https, never ``ALL_PROXY``.
A proxy without a scheme gets ``http://``.

urllib's ``NO_PROXY``: the whole value ``*`` bypasses everything (``*`` among other
entries is an ordinary entry that matches nothing); each entry, leading dots removed and
lower-cased, matches the host or the netloc exactly, or as a suffix after a dot. So
``example.com`` and ``.example.com`` both match ``example.com`` and ``api.example.com``;
``*.example.com`` (a glob) and ``10.0.0.0/8`` (a CIDR) never match anything; an IPv6
address matches only when written in brackets, as it appears in the netloc.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from foundry_discover.checks.proxy.environ import ProxyEnv, start_route, through
from foundry_discover.checks.proxy.model import Route

_PORT = re.compile("(.*):([0-9]*)", re.DOTALL)


def split_port(host: str) -> tuple[str, str | None]:
    """``urllib.parse._splitport``: ``host:4566`` -> (``host``, ``4566``); ``host:`` stays whole."""
    match = _PORT.fullmatch(host)
    if match:
        hostonly, port = match.groups()
        if port:
            return hostonly, port
    return host, None


def bypassed_by(netloc: str, no_proxy: str) -> str | None:
    """The entry of ``no_proxy`` that bypasses ``netloc`` in ``proxy_bypass_environment``, else None."""
    if no_proxy == "*":
        return "*"
    host = netloc.lower()
    hostonly, _ = split_port(host)
    for raw in no_proxy.split(","):
        name = raw.strip()
        if not name:
            continue
        name = name.lstrip(".").lower()
        if hostonly == name or host == name:
            return raw.strip()
        name = "." + name
        if hostonly.endswith(name) or host.endswith(name):
            return raw.strip()
    return None


def never_matching(no_proxy: str, host: str) -> list[str]:
    """Entries that look written for ``host`` but that urllib never matches: globs, CIDRs,
    an unbracketed IPv6 address."""
    import ipaddress

    notes = []
    for raw in no_proxy.split(","):
        entry = raw.strip()
        if entry.startswith("*") and entry != "*":
            rest = entry.lstrip("*").lstrip(".").lower()
            if rest and (host.lower() == rest or host.lower().endswith("." + rest)):
                notes.append(
                    f"{entry!r}: urllib, so botocore, has no wildcards; write {rest} to match it and its subdomains"
                )
        elif "/" in entry:
            try:
                network = ipaddress.ip_network(entry, strict=False)
                inside = ipaddress.ip_address(host.strip("[]")) in network
            except ValueError:
                continue
            if inside:
                notes.append(f"{entry!r}: urllib, so botocore, reads no CIDR ranges; list {host} itself")
        elif ":" in entry and not entry.startswith("["):
            try:
                address = ipaddress.IPv6Address(entry)
            except ValueError:
                continue
            if host.strip("[]").lower() == str(address) or host.strip("[]").lower() == entry.lower():
                notes.append(f"{entry!r}: urllib, so botocore, compares IPv6 addresses in brackets; write [{entry}]")
    return notes


def proxy_url(value: str) -> str:
    """``ProxyConfiguration._fix_proxy_url``: a proxy without a scheme is http."""
    if value.startswith("http:") or value.startswith("https:"):
        return value
    if value.startswith("//"):
        return "http:" + value
    return "http://" + value


def decide(url: str, settings: ProxyEnv) -> Route:
    parts = urlsplit(url)
    no = settings.get("no")
    base = start_route("botocore", url, settings, (parts.scheme,))
    matched = bypassed_by(parts.netloc, no.value) if no else None
    if matched is not None:
        return replace(base, bypassed_by=matched)
    unmatched = tuple(never_matching(no.value, parts.hostname or "")) if no else ()
    chosen = settings.get(parts.scheme)
    if chosen is None:
        return replace(base, unmatched=unmatched)
    return through(base, proxy_url(chosen.value), chosen.variable, settings, unmatched)
