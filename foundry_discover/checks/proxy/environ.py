"""The proxy variables as Python's urllib reads them, with the variable behind each value.

``urllib.request.getproxies_environment`` (the same in CPython 3.10 to 3.13) makes two
passes over the environment, in its order: first every variable whose lower-cased name
ends in ``_proxy`` and has a value; then only those whose name ends in the literal
``_proxy``, each one setting its key or, when empty, removing it. So ``http_proxy`` wins
over ``HTTP_PROXY``, an empty ``no_proxy`` hides ``NO_PROXY``, and the case of the part
before ``_proxy`` does not matter in the second pass (``HTTP_proxy`` counts as lower
case). Under CGI (``REQUEST_METHOD`` set) an upper-case ``HTTP_PROXY`` is dropped
(CVE-2016-1000110). botocore and httpx both start from this dictionary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from foundry_discover.checks.proxy.model import Client, Route, host_entry, mask

SUFFIX = "_proxy"


@dataclass(frozen=True)
class Setting:
    """One key of the dictionary (``http``, ``https``, ``all``, ``no``) and the variable that set it."""

    key: str
    value: str
    variable: str


@dataclass(frozen=True)
class Hidden:
    """A variable with a value that another variable's emptiness (or CGI) removed."""

    variable: str
    value: str
    by: str


@dataclass(frozen=True)
class ProxyEnv:
    settings: dict[str, Setting]
    hidden: tuple[Hidden, ...] = ()
    #: The variable a new NO_PROXY entry must go into to count: the last lower-case one
    #: (set or empty: it has the last word), else the upper-case one in effect, else NO_PROXY.
    no_target: str = "NO_PROXY"

    def get(self, key: str) -> Setting | None:
        return self.settings.get(key)

    def as_dict(self) -> dict[str, str]:
        """What ``getproxies_environment()`` returns for this environment."""
        return {key: s.value for key, s in self.settings.items()}

    def variables(self, key: str) -> list[str]:
        """Every variable spelled for ``key`` (set or hidden), for messages."""
        names = [h.variable for h in self.hidden if h.variable.lower() == f"{key}{SUFFIX}"]
        found = self.settings.get(key)
        return ([found.variable] if found else []) + names


def read(env: Mapping[str, str]) -> ProxyEnv:
    """``getproxies_environment()`` for ``env``, each value with the variable it came from."""
    found: dict[str, Setting] = {}
    for name, value in env.items():
        lower = name.lower()
        if value and lower[-6:] == SUFFIX:
            found[lower[:-6]] = Setting(lower[:-6], value, name)
    hidden: list[Hidden] = []
    if "REQUEST_METHOD" in env:
        gone = found.pop("http", None)
        if gone is not None:
            hidden.append(Hidden(gone.variable, gone.value, "REQUEST_METHOD (CGI)"))
    for name, value in env.items():
        if name[-6:] != SUFFIX:
            continue
        key = name.lower()[:-6]
        if value:
            found[key] = Setting(key, value, name)
            continue
        gone = found.pop(key, None)
        if gone is not None and gone.variable != name:
            hidden.append(Hidden(gone.variable, gone.value, name))
    target = found["no"].variable if "no" in found else "NO_PROXY"
    target = next((name for name in reversed(list(env)) if name[-6:] == SUFFIX and name.lower() == "no_proxy"), target)
    return ProxyEnv(found, tuple(hidden), target)


def fix_value(settings: ProxyEnv, entry: str) -> str:
    """The value of ``settings.no_target`` with ``entry`` added: what it holds now, or what
    the variable it hides holds (an empty no_proxy hiding NO_PROXY=a,b gives a,b,ENTRY)."""
    no = settings.get("no")
    current = no.value if no is not None and no.variable == settings.no_target else ""
    if not current:
        current = next((h.value for h in settings.hidden if h.by == settings.no_target), "")
    if entry.lower() in [e.strip().lower() for e in current.split(",")]:
        return current  # already listed where it did not count
    return f"{current},{entry}" if current else entry


def proxy_set(env: Mapping[str, str]) -> bool:
    """Whether any variable could put a proxy on a route: the cheap test before the rules."""
    return any(value and name.lower() in ("http_proxy", "https_proxy", "all_proxy") for name, value in env.items())


def start_route(client: Client, url: str, settings: ProxyEnv, schemes: tuple[str, ...]) -> Route:
    """A client's route before its rules decide: the NO_PROXY in force, and the settings hidden
    from ``schemes`` (those the client reads for this URL) by another spelling."""
    no = settings.get("no")
    return Route(
        client,
        url,
        no_proxy_variable=no.variable if no else None,
        no_proxy=no.value if no else None,
        hidden=tuple(
            f"{h.variable} is set but {h.by} hides it"
            for h in settings.hidden
            if h.variable.lower()[:-6] in (*schemes, "no")
        ),
    )


def through(base: Route, proxy: str, variable: str, settings: ProxyEnv, unmatched: tuple[str, ...]) -> Route:
    """``base`` sent through ``proxy`` (from ``variable``), with the NO_PROXY entry that would send it direct."""
    shown, creds = mask(proxy)
    entry = host_entry(base.url, base.client)
    return replace(
        base,
        proxy=shown,
        variable=variable,
        proxy_credentials=creds,
        unmatched=unmatched,
        entry=entry,
        fix_variable=settings.no_target,
        fix_value=fix_value(settings, entry) if entry else None,
    )
