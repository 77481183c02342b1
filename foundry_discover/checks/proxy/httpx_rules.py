"""httpx's route: ``get_environment_proxies`` makes URL patterns, the most specific match wins.

From the variables (read as urllib reads them) httpx mounts ``http://``, ``https://`` and
``all://`` on their proxies (a proxy without a scheme gets ``http://``), then one pattern
per ``NO_PROXY`` entry, meaning "direct":

* ``*`` anywhere in the list: no proxies at all;
* an entry holding ``://``: that pattern as written;
* an IPv4 address (``10.0.0.0/8`` too, read as the URL ``all://10.0.0.0/8``, whose host is
  ``10.0.0.0``: the range never matches, only that one address), ``localhost``: ``all://ENTRY``,
  that host only;
* an IPv6 address: ``all://[ENTRY]`` (``::1/128`` and ``[::1]`` make URLs httpx refuses:
  no client starts);
* any other entry: ``all://*ENTRY``: the host or any name ending in ``.ENTRY``; so
  ``.example.com`` matches subdomains but not ``example.com`` itself, and ``*.example.com``
  (``all://**.example.com``) matches nothing.

Patterns sort by port (with one first), then longer host, then longer scheme; the first
that matches the URL (scheme, host, port as ``httpx.URL`` normalises them) decides.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace

from foundry_discover.checks.proxy.environ import ProxyEnv, start_route, through
from foundry_discover.checks.proxy.httpx_url import BadURL, parse
from foundry_discover.checks.proxy.model import Route, mask

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


@dataclass(frozen=True)
class Pattern:
    """``httpx._utils.URLPattern``: what one mount key matches."""

    key: str
    scheme: str
    host: str
    port: int | None
    regex: re.Pattern[str] | None

    @property
    def priority(self) -> tuple[int, int, int]:
        return (0 if self.port is not None else 1, -len(self.host), -len(self.scheme))

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        if self.scheme and self.scheme != scheme:
            return False
        if self.host and self.regex is not None and not self.regex.match(host):
            return False
        return not (self.port is not None and self.port != port)


def pattern(key: str) -> Pattern:
    if key and ":" not in key:
        raise BadURL(f"Proxy keys should use proper URL forms rather than plain scheme strings: {key!r}")
    url = parse(key)
    host = "" if url.host == "*" else url.host
    regex: re.Pattern[str] | None
    if not url.host or url.host == "*":
        regex = None
    elif url.host.startswith("*."):
        regex = re.compile(f"^.+\\.{re.escape(url.host[2:])}$")
    elif url.host.startswith("*"):
        regex = re.compile(f"^(.+\\.)?{re.escape(url.host[1:])}$")
    else:
        regex = re.compile(f"^{re.escape(url.host)}$")
    return Pattern(key, "" if url.scheme == "all" else url.scheme, host, url.port, regex)


def _is_ip(version: int, text: str) -> bool:
    try:
        (ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address)(text.split("/")[0])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Mount:
    """One key of ``get_environment_proxies()``: its proxy (None: direct) and where it came from."""

    proxy: str | None
    variable: str
    #: The NO_PROXY entry behind a direct mount, as written.
    entry: str = ""


def mounts(settings: ProxyEnv) -> dict[str, Mount]:
    """``get_environment_proxies()`` for these variables, in its order."""
    found: dict[str, Mount] = {}
    for scheme in ("http", "https", "all"):
        setting = settings.get(scheme)
        if setting is not None:
            value = setting.value if "://" in setting.value else f"http://{setting.value}"
            found[f"{scheme}://"] = Mount(value, setting.variable)
    no = settings.get("no")
    variable = no.variable if no else "NO_PROXY"
    for entry in [entry.strip() for entry in (no.value if no else "").split(",")]:
        if entry == "*":
            return {}
        if not entry:
            continue
        if "://" in entry:
            key = entry
        elif _is_ip(4, entry) or entry.lower() == "localhost":
            key = f"all://{entry}"
        elif _is_ip(6, entry):
            key = f"all://[{entry}]"
        else:
            key = f"all://*{entry}"
        found[key] = Mount(None, variable, entry)
    return found


def start_error(found: dict[str, Mount]) -> str | None:
    """Why ``httpx.Client()`` (trust_env) would raise with these mounts, else None."""
    for key, mount in found.items():
        proxy, variable = mount.proxy, mount.variable
        try:
            pattern(key)
        except BadURL as exc:
            origin = f"{variable} entry {mount.entry!r}" if proxy is None else variable
            return f"{origin} is not a URL httpx accepts ({exc})"
        if proxy is None:
            continue
        try:
            scheme = parse(proxy).scheme
        except BadURL as exc:
            return f"{variable}={mask(proxy)[0]} is not a URL httpx accepts ({exc})"
        if scheme not in PROXY_SCHEMES:
            return f"{variable}={mask(proxy)[0]}: httpx knows no proxy scheme {scheme!r} (http, https, socks5)"
        if scheme.startswith("socks") and not _socks_installed():
            return f"{variable}={mask(proxy)[0]} is a SOCKS proxy, and httpx needs the socksio package for it"
    return None


def _socks_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("socksio") is not None


def never_matching(no_value: str, host: str) -> list[str]:
    """Entries that look written for ``host`` but that httpx never matches for it."""
    notes = []
    host = host.lower()
    for raw in no_value.split(","):
        entry = raw.strip()
        if entry.startswith("*") and entry != "*":
            rest = entry.lstrip("*").lstrip(".").lower()
            if rest and (host == rest or host.endswith("." + rest)):
                notes.append(f"{entry!r}: httpx reads it as the literal name {entry!r}; write {rest} instead")
        elif "/" in entry and _is_ip(4, entry):
            try:
                inside = ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
            except ValueError:
                continue
            if inside and host != entry.split("/")[0]:
                notes.append(f"{entry!r}: httpx reads no CIDR ranges (only {entry.split('/')[0]} itself); list {host}")
        elif entry.startswith(".") and entry.lstrip(".").lower() == host:
            notes.append(
                f"{entry!r}: in httpx a leading dot means subdomains only; write {host} to match {host} itself"
            )
    return notes


def decide(url: str, settings: ProxyEnv) -> Route:
    target = parse(url)
    no = settings.get("no")
    base = start_route("httpx", url, settings, ("http", "https", "all"))
    if no is not None and "*" in [entry.strip() for entry in no.value.split(",")]:
        return replace(base, bypassed_by="*")
    found = mounts(settings)
    error = start_error(found)
    if error is not None:
        return replace(base, error=error)
    ordered = sorted((pattern(key) for key in found), key=lambda p: p.priority)
    unmatched = tuple(never_matching(no.value, target.host)) if no else ()
    for candidate in ordered:
        if not candidate.matches(target.scheme, target.host, target.port):
            continue
        mount = found[candidate.key]
        if mount.proxy is None:
            return replace(base, bypassed_by=mount.entry)
        return through(base, mount.proxy, mount.variable, settings, unmatched)
    return replace(base, unmatched=unmatched)
