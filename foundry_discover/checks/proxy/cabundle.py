"""The CA bundle each client trusts for an https URL, from which variable, and whether it can work.

botocore (``Session.create_client``, ``EndpointCreator._get_verify_value``): the first of
``AWS_CA_BUNDLE``, the profile's ``ca_bundle`` in the shared config file,
``REQUESTS_CA_BUNDLE``, else certifi's bundle. It is loaded when an https connection
opens, so a missing or unreadable file fails every https call with a TLS error; an empty
value stops the client from being built. http endpoints never read it.

httpx (``create_ssl_context`` with ``trust_env``, as applications build clients): the first
non-empty of ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``, else certifi's bundle. It is loaded
when the client starts, so a missing or unreadable ``SSL_CERT_FILE`` stops every client.

``REQUESTS_CA_BUNDLE`` means nothing to httpx, ``SSL_CERT_FILE`` nothing to botocore.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from foundry_discover.checks.proxy.model import Client

EMPTY = "is empty"


@dataclass(frozen=True)
class CaSetting:
    variable: str
    path: str
    #: The one the client uses (the first set, in its order).
    used: bool
    #: Why it cannot work (missing, a folder, no certificate in it), else None.
    problem: str | None = None


@dataclass(frozen=True)
class CaBundles:
    client: Client
    url: str
    settings: tuple[CaSetting, ...] = ()

    @property
    def applies(self) -> bool:
        """Only https URLs verify a certificate."""
        return urlsplit(self.url).scheme == "https"

    @property
    def used(self) -> CaSetting | None:
        return next((s for s in self.settings if s.used), None)

    def summary(self) -> str:
        """One line: what this client trusts for the URL, and what it ignores."""
        if not self.applies:
            return "not used: the URL is http"
        used = self.used
        ignored = [s.variable for s in self.settings if not s.used]
        tail = f"; {', '.join(ignored)} ignored (lower in {self.client}'s order)" if ignored else ""
        if used is None:
            return f"certifi's bundle ({self.client}'s default){tail}"
        problem = f" {used.problem}" if used.problem else ""
        return f"{used.variable}={used.path}{problem}{tail}"

    def warning(self, what: str) -> str | None:
        """The one-line warning when the bundle in use cannot work for ``what``, else None."""
        used = self.used
        if used is None or used.problem is None:
            return None
        if used.problem.startswith(EMPTY):
            # botocore checks the value whenever it builds a client, http endpoints included.
            return f"{used.variable} {used.problem}: no client can be built, so {what} cannot be asked"
        if not self.applies:
            return None
        effect = {
            "botocore": f"botocore fails every https call to {what} with a TLS error",
            "httpx": f"HTTP clients that read the environment (httpx) cannot start, so cannot reach {what}",
        }[self.client]
        return f"{used.variable}={used.path} {used.problem}: {effect}"

    def fix(self) -> str:
        used = self.used
        variable = used.variable if used else "the CA bundle variable"
        kind = "folder of hashed CA certificates" if variable == "SSL_CERT_DIR" else "PEM file of CA certificates"
        return f"Point {variable} at a {kind} (e.g. /etc/ssl/certs/ca-certificates.crt), or unset it"


def path_problem(path: str, *, folder: bool = False) -> str | None:
    """Why ``path`` cannot serve as a CA file (or folder), else None."""
    if not path.strip():
        return EMPTY + ", which botocore refuses (InvalidConfigError)"
    if not os.path.exists(path):
        return "does not exist"
    if folder:
        return None if os.path.isdir(path) else "is not a folder"
    if os.path.isdir(path):
        return "is a folder, not a file"
    import ssl

    try:
        ssl.create_default_context(cafile=path)
    except PermissionError:
        return "cannot be read (permission denied)"
    except ssl.SSLError as exc:
        return f"holds no PEM certificate ({exc.reason or type(exc).__name__})"
    except (OSError, ValueError) as exc:
        return f"cannot be read ({type(exc).__name__})"
    return None


def botocore_bundles(url: str, env: Mapping[str, str], config_ca_bundle: str | None = None) -> CaBundles:
    """botocore's order; ``config_ca_bundle`` is the profile's ``ca_bundle`` in the shared config file."""
    found: list[tuple[str, str]] = []
    if "AWS_CA_BUNDLE" in env:
        found.append(("AWS_CA_BUNDLE", env["AWS_CA_BUNDLE"]))
    if config_ca_bundle is not None:
        found.append(("ca_bundle (shared config file)", config_ca_bundle))
    if "REQUESTS_CA_BUNDLE" in env:
        found.append(("REQUESTS_CA_BUNDLE", env["REQUESTS_CA_BUNDLE"]))
    settings = tuple(
        CaSetting(variable, path, index == 0, path_problem(path) if index == 0 else None)
        for index, (variable, path) in enumerate(found)
    )
    return CaBundles("botocore", url, settings)


def httpx_bundles(url: str, env: Mapping[str, str]) -> CaBundles:
    """httpx's order with ``trust_env``: empty values count as unset."""
    found = [(v, env[v]) for v in ("SSL_CERT_FILE", "SSL_CERT_DIR") if env.get(v)]
    settings = tuple(
        CaSetting(
            variable, path, index == 0, path_problem(path, folder=variable == "SSL_CERT_DIR") if index == 0 else None
        )
        for index, (variable, path) in enumerate(found)
    )
    return CaBundles("httpx", url, settings)
