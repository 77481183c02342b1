"""The route one client takes to one URL: the model both rule books return, and its fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

Client = Literal["botocore", "httpx"]

#: How each client is named in messages.
CLIENT_TEXT = {"botocore": "botocore (the application's AWS calls)", "httpx": "httpx (HTTP clients)"}


@dataclass(frozen=True)
class Route:
    """Direct or through ``proxy``, and why; ``error`` when the client would not even start."""

    client: Client
    url: str
    #: The proxy's URL without its user:password (None: direct).
    proxy: str | None = None
    #: The variable that supplied the proxy, as spelled (``HTTP_PROXY``, ``https_proxy``, ``ALL_PROXY``).
    variable: str | None = None
    #: Whether the proxy's URL carries credentials (never shown).
    proxy_credentials: bool = False
    #: The NO_PROXY variable in effect (``NO_PROXY`` or ``no_proxy``), and its value.
    no_proxy_variable: str | None = None
    no_proxy: str | None = None
    #: The entry of that variable that sent this URL direct (``*`` included).
    bypassed_by: str | None = None
    #: Entries that look meant for this host but never match in this client, with why.
    unmatched: tuple[str, ...] = ()
    #: Variables that are set but have no effect, with why (an empty no_proxy hides NO_PROXY).
    hidden: tuple[str, ...] = ()
    #: The client fails to start with these settings (httpx: a NO_PROXY entry or proxy URL it rejects).
    error: str | None = None
    #: The entry to add so that this URL goes direct, the variable it must go into (the
    #: one that has the last word), and that variable's value with it.
    entry: str | None = None
    fix_variable: str = "NO_PROXY"
    fix_value: str | None = None

    @property
    def via_proxy(self) -> bool:
        return self.proxy is not None

    @property
    def proxy_text(self) -> str:
        """``http://proxy:3128 (HTTP_PROXY)``: the proxy as messages name it."""
        creds = ", with credentials" if self.proxy_credentials else ""
        return f"{self.proxy} ({self.variable}{creds})"

    def summary(self) -> str:
        """One line: where this client's request for the URL goes."""
        if self.error:
            return f"{self.client} cannot start: {self.error}"
        if self.proxy is not None:
            return f"{self.client} goes through proxy {self.proxy_text}"
        if self.bypassed_by is not None:
            return f"{self.client} goes direct: {self.no_proxy_variable} entry {self.bypassed_by!r} matches"
        return f"{self.client} goes direct"

    def fix(self) -> str:
        """What to set so the request goes direct: the NO_PROXY entry, in the variable that counts."""
        clause = self.go_direct()
        return clause[0].upper() + clause[1:]

    def go_direct(self) -> str:
        """``add localstack to NO_PROXY: NO_PROXY=...; or unset HTTP_PROXY ...``, as a clause."""
        target = self.fix_variable
        where = target if target == "NO_PROXY" else f"{target} (it wins over NO_PROXY; keep both alike)"
        why = "; ".join((*self.hidden, *self.unmatched))
        why = f" (now: {why})" if why else ""
        return (
            f"add {self.entry} to {where}: {target}={self.fix_value}; or unset {self.variable} for this container{why}"
        )


@dataclass(frozen=True)
class Comparison:
    """Both clients' routes to one URL, and the differences worth a note."""

    url: str
    botocore: Route
    httpx: Route
    differences: list[str] = field(default_factory=list)


def mask(url: str) -> tuple[str, bool]:
    """The URL without its user:password part, and whether it had one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable proxy URL>", False
    if "@" not in parts.netloc:
        return url, False
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), True


def host_entry(url: str, client: Client) -> str | None:
    """The NO_PROXY entry that sends ``url``'s host direct in ``client``.

    A name or an IPv4 address is written as it is in both. An IPv6 address differs:
    urllib compares the bracketed form (``[::1]``), httpx the bare one (``::1``), and
    httpx refuses to start on a bracketed entry.
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    if ":" in host:
        return f"[{host}]" if client == "botocore" else host
    return host
