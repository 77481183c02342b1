"""The values the registry reads, checked: service names, hosts, ports, Kubernetes' link variables.

With str methods, not ``re`` or ``ipaddress`` (see ``registry``): each check says which
variable is wrong and how to fix it.
"""

from __future__ import annotations

from foundry_discover.lite.base import FrozenRecord
from foundry_discover.lite.errors import ConfigError

# Start-up rules of the healthcheck tier (see foundry_discover.lite): annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    SourceKind = Literal["env", "file", "default"]


_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


_NAME_CHARS = _UPPER | frozenset("0123456789_")


#: What a DNS label may hold (with '_', which DNS allows and botocore does not: a warning).
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


SCHEME_RE = r"^[a-z][a-z0-9+.-]*$"


#: Quotes a value may keep from its env file (``docker run --env-file`` keeps them).
_QUOTES = ('"', "'")


#: A kubelet's Docker-link variable: ``tcp://10.96.0.12:4566`` or ``tcp://[fd00::12]:4566``.
_LINK_RE = r"^(tcp|udp|sctp)://(\[[0-9A-Fa-f:.]+\]|[0-9.]+):([0-9]{1,5})$"


def is_name(text: str) -> bool:
    """``[A-Z][A-Z0-9_]*``: a registry key."""
    return text[:1] in _UPPER and all(c in _NAME_CHARS for c in text)


def _is_label(text: str) -> bool:
    """One DNS label: 1 to 63 letters, digits, '-' or '_', neither end a '-'."""
    return 0 < len(text) <= 63 and text[0] != "-" and text[-1] != "-" and all(c in _LABEL_CHARS for c in text)


def normalize_name(name: str) -> str:
    """``localstack``, ``LocalStack`` and ``local-stack`` style names, as the registry keys them."""
    return name.strip().upper().replace("-", "_")


def host_var(name: str) -> str:
    return f"SVC_{name}_HOST"


def port_var(name: str) -> str:
    return f"{name}_PORT"


def validate_name(raw: str) -> str:
    name = normalize_name(raw)
    if not is_name(name):
        raise ConfigError(
            f"{raw!r} is not a valid service name",
            fix="Use letters, digits, '-' and '_', starting with a letter (e.g. localstack)",
        )
    return name


class ServiceLink(FrozenRecord):
    """What a kubelet puts in ``<SVC>_PORT`` for a Service (the Docker-link style)."""

    service: str
    protocol: str
    address: str
    port: int


def parse_service_link(variable: str, value: str) -> ServiceLink | None:
    """The Service behind ``<SVC>_PORT=tcp://IP:PORT``, or None when it is not that shape.

    The kubelet names the variable after the Service, upper-cased with '-' as '_'
    (kubernetes pkg/kubelet/envvars); Service names hold no '_', so the name comes back exactly.
    """
    import re  # only for a value that is not a plain port number

    match = re.match(_LINK_RE, value.strip())
    if not match or not variable.endswith("_PORT") or len(variable) <= len("_PORT"):
        return None
    service = variable[: -len("_PORT")].lower().replace("_", "-")
    return ServiceLink(service, match.group(1), match.group(2).strip("[]"), int(match.group(3)))


def service_link_error(variable: str, raw: str, link: ServiceLink) -> ConfigError:
    """The kubelet's ``<SVC>_PORT`` where a port number belongs: the cause, the crash, the fix."""
    return ConfigError(
        f"{variable}={raw!r} was injected by Kubernetes for Service {link.service} (a service link: "
        f"enableServiceLinks is on by default), not a port number: the application's "
        f"`int(os.getenv({variable!r}))` crashes on it at start-up (ValueError)",
        fix=f'Set {variable} explicitly in the pod spec\'s env (e.g. value: "{link.port}"; explicit env wins '
        "over service links), or set enableServiceLinks: false in the pod spec",
    )


def _port_fix(culprit: str, more: str = "") -> str:
    """``Set REDIS_PORT to a port number from 1 to 65535 (redis's built-in default is 6379)``."""
    from foundry_discover.lite.specs import BUILTIN_SERVICES

    spec = next((s for s in BUILTIN_SERVICES if port_var(s.name) == culprit), None)
    default = f" ({spec.name.lower()}'s built-in default is {spec.port})" if spec is not None else ""
    return f"Set {culprit} to a port number from 1 to 65535{default}{more}"


def validate_port(raw: object, culprit: str) -> int:
    """Parse a port the way the seed's ``int(os.getenv(...))`` would, but strictly."""
    return checked_port(raw, culprit)[0]


def checked_port(raw: object, culprit: str, *, raw_env: bool = False) -> tuple[int, tuple[str, ...]]:
    """The port and its warnings. ``raw_env``: ``raw`` is an environment value exactly as the
    application gets it, so whitespace around it (which ``int()`` drops) is a warning, quotes an error."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise ConfigError(
            f"{culprit}={raw!r} is not a port number",
            fix=_port_fix(culprit),
        )
    text = str(raw).strip()
    stray = None
    if raw_env and isinstance(raw, str) and (text != raw or text[:1] in _QUOTES):
        from foundry_discover.lite import rawvalue

        stray = rawvalue.find_stray(raw, culprit)
        if stray is not None and stray.kind == "quotes":
            raise rawvalue.port_error(raw, culprit, stray)
    if not text:
        raise ConfigError(
            f"{culprit} is empty",
            fix=_port_fix(culprit, ", or unset it to use the default"),
        )
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        link = parse_service_link(culprit, text) if "://" in text else None
        if link is not None:
            raise service_link_error(culprit, str(raw), link)
        raise ConfigError(
            f"{culprit}={raw!r} is not a port number",
            fix=_port_fix(culprit),
        )
    port = int(text)
    if not 1 <= port <= 65535:
        raise ConfigError(
            f"{culprit}={raw!r} is outside the port range",
            fix=_port_fix(culprit),
        )
    if stray is not None:
        from foundry_discover.lite.rawvalue import port_warning

        return port, (port_warning(str(raw), culprit, stray, port),)
    return port, ()


def validate_host(
    raw: object, culprit: str, port_hint: str = "", *, url_around: tuple[str, str] | None = None
) -> tuple[str, tuple[str, ...]]:
    """Return the host (IPv6 unbracketed) and warnings, or raise ConfigError naming culprit.

    ``port_hint`` is the variable that should hold a port found inside the host value.
    ``url_around`` (the URL's text before and after the host, e.g. ``("http://", ":4566")``)
    means ``raw`` is an environment value exactly as the application gets it: the application
    puts it into that URL as it is, so stray whitespace or quotes are an error, never stripped.
    """
    if not isinstance(raw, str):
        raise ConfigError(f"{culprit}={raw!r} is not a host name", fix="Set it to a DNS name such as 'localstack'")
    text = raw.strip()
    if not text:
        raise ConfigError(
            f"{culprit} is empty",
            fix="Set it to a DNS name such as 'localstack', or unset it to use the default",
        )
    if url_around is not None and (text != raw or text[:1] in _QUOTES):
        from foundry_discover.lite import rawvalue

        stray = rawvalue.find_stray(raw, culprit)
        if stray is not None:
            raise rawvalue.host_error(raw, culprit, stray, url_around)
    if "://" in text:
        raise ConfigError(
            f"{culprit}={raw!r} holds a URL, but it takes a host name only",
            fix=_split_fix(text, culprit, port_hint),
        )
    if text.startswith("[") and text.endswith("]"):
        return _ipv6(text[1:-1], raw, culprit), ()
    if ":" in text:
        if text.count(":") > 1:
            if url_around is None:
                return _ipv6(text, raw, culprit), ()
            from foundry_discover.lite.rawvalue import bare_ipv6_warning

            return _ipv6(text, raw, culprit), (bare_ipv6_warning(text, culprit, url_around),)
        host, _, port = text.partition(":")
        where = f" and {port_hint}={port}" if port_hint and port else ""
        raise ConfigError(
            f"{culprit}={raw!r} holds a port, but it takes a host name only",
            fix=f"Set {culprit}={host}{where}",
        )
    if "/" in text:
        host = text.split("/", 1)[0]
        raise ConfigError(
            f"{culprit}={raw!r} holds a path, but it takes a host name only",
            fix=f"Set {culprit}={host} and append paths with `url --path`",
        )
    name = text[:-1] if text.endswith(".") else text
    if not name.isascii() or len(name) > 253 or not all(_is_label(lbl) for lbl in name.split(".")):
        raise ConfigError(
            f"{culprit}={raw!r} holds characters no host name may hold",
            fix="Use letters, digits, '-' and '.' only (e.g. localstack or localstack.default.svc.cluster.local)",
        )
    warnings: tuple[str, ...] = ()
    if "_" in name:
        warnings = (
            f"{culprit}={text!r} holds an underscore: DNS allows it, but botocore rejects such "
            f"endpoints ('Invalid endpoint'); use '-' instead (e.g. {text.replace('_', '-')!r})",
        )
    return text, warnings


def _ipv6(text: str, raw: str, culprit: str) -> str:
    import ipaddress

    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        raise ConfigError(
            f"{culprit}={raw!r} is neither a host name nor an IPv6 address",
            fix="Set it to a DNS name such as 'localstack', or an IPv6 address such as ::1",
        ) from None
    return text


def _split_fix(text: str, culprit: str, port_hint: str) -> str:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host:
        return f"Set {culprit} to a DNS name such as 'localstack'"
    if port and port_hint:
        return f"Set {culprit}={host} and {port_hint}={port}"
    return f"Set {culprit}={host}"
