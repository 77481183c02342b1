"""httpx's URL parsing (``httpx._urlparse.urlparse``), as far as a proxy route depends on it.

httpx turns every ``NO_PROXY`` entry into a URL pattern and every proxy variable into a
URL when a client starts; what it cannot parse stops the client (``InvalidURL``). This
is that parser for whole strings: scheme, userinfo, host (lower-cased, IDNA-encoded,
IPv4 and IPv6 checked) and port (the scheme's default dropped), raising ``BadURL`` with
httpx's own reason where httpx raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_URL_LENGTH = 65536

URL_REGEX = re.compile(
    r"(?:(?P<scheme>([a-zA-Z][a-zA-Z0-9+.-]*)?):)?"
    r"(?://(?P<authority>[^/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?"
    r"(?:#(?P<fragment>.*))?"
)
AUTHORITY_REGEX = re.compile(r"(?:(?P<userinfo>.*)@)?(?P<host>(\[.*\]|[^:@]*)):?(?P<port>.*)?")
IPV4_STYLE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")
IPV6_STYLE = re.compile(r"^\[.*\]$")

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
#: What httpx leaves unescaped in a host: the sub-delimiters and WHATWG's extras.
HOST_SAFE = UNRESERVED + "!$&'()*+,;=" + '"`{}%|\\'
DEFAULT_PORTS = {"ftp": 21, "http": 80, "https": 443, "ws": 80, "wss": 443}


class BadURL(ValueError):
    """httpx raises ``InvalidURL`` for this string."""


@dataclass(frozen=True)
class ParsedURL:
    scheme: str
    userinfo: str
    #: As ``httpx.URL.host`` gives it: lower case, IPv6 without brackets, IDNA decoded.
    host: str
    port: int | None


def _encode_host(host: str) -> str:
    import ipaddress

    if not host:
        return ""
    if IPV4_STYLE.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ipaddress.AddressValueError:
            raise BadURL(f"Invalid IPv4 address: {host!r}") from None
        return host
    if IPV6_STYLE.match(host):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ipaddress.AddressValueError:
            raise BadURL(f"Invalid IPv6 address: {host!r}") from None
        return host[1:-1]
    if host.isascii():
        return "".join(c if c in HOST_SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in host.lower())
    import idna

    try:
        return str(idna.encode(host.lower()).decode("ascii"))
    except idna.IDNAError:
        raise BadURL(f"Invalid IDNA hostname: {host!r}") from None


def _port(port: str | None, scheme: str) -> int | None:
    if port is None or port == "":
        return None
    try:
        number = int(port)
    except ValueError:
        raise BadURL(f"Invalid port: {port!r}") from None
    # httpx looks the default up under the scheme as written, before lower-casing it.
    return None if number == DEFAULT_PORTS.get(scheme) else number


def parse(url: str) -> ParsedURL:
    """``httpx.URL(url)``'s scheme, userinfo, host and port, or BadURL where httpx refuses it."""
    if len(url) > MAX_URL_LENGTH:
        raise BadURL("URL too long")
    for index, char in enumerate(url):
        if char.isascii() and not char.isprintable():
            raise BadURL(f"Invalid non-printable ASCII character in URL, {char!r} at position {index}.")
    match = URL_REGEX.match(url)
    assert match is not None  # the expression matches every string
    scheme = match.group("scheme") or ""
    authority = match.group("authority") or ""
    path = match.group("path") or ""
    parts = AUTHORITY_REGEX.match(authority)
    assert parts is not None
    userinfo = parts.group("userinfo") or ""
    host = _encode_host(parts.group("host") or "")
    port = _port(parts.group("port"), scheme)
    has_authority = userinfo != "" or host != "" or port is not None
    if has_authority and path and not path.startswith("/"):
        raise BadURL("For absolute URLs, path must be empty or begin with '/'")
    if not scheme and not has_authority:
        if path.startswith("//"):
            raise BadURL("Relative URLs cannot have a path starting with '//'")
        if path.startswith(":"):
            raise BadURL("Relative URLs cannot have a path starting with ':'")
    if host.startswith("xn--"):
        import idna

        try:
            host = str(idna.decode(host))
        except idna.IDNAError:
            raise BadURL(f"Invalid IDNA hostname: {host!r}") from None
    return ParsedURL(scheme.lower(), userinfo, host, port)
