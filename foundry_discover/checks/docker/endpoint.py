"""Where the Docker Engine API is: ``DOCKER_HOST``, else ``/var/run/docker.sock``.

Standard library only: deciding that there is no API must cost nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DEFAULT_SOCKET = "/var/run/docker.sock"
MOUNT_HINT = "-v /var/run/docker.sock:/var/run/docker.sock:ro"


@dataclass(frozen=True)
class Endpoint:
    scheme: Literal["unix", "tcp"]
    #: The socket path (unix) or host:port (tcp).
    address: str
    source: str
    tls: bool = False
    cert_path: str | None = None

    def __str__(self) -> str:
        return f"{self.scheme}://{self.address}"


def find(env: Mapping[str, str] | None = None, default_socket: str = DEFAULT_SOCKET) -> tuple[Endpoint | None, str]:
    """The endpoint to ask, or None and the one-line reason there is none."""
    env = os.environ if env is None else env
    host = env.get("DOCKER_HOST", "").strip()
    if host:
        if host.startswith("unix://"):
            path = host[len("unix://") :]
            if not Path(path).exists():
                return None, f"DOCKER_HOST={host}, but there is no socket at {path}"
            return Endpoint("unix", path, "DOCKER_HOST"), ""
        if host.startswith(("tcp://", "http://", "https://")):
            address = host.split("://", 1)[1].rstrip("/")
            tls_verify = env.get("DOCKER_TLS_VERIFY", "") not in ("", "0")
            tls = tls_verify or host.startswith("https://") or address.endswith(":2376")
            cert_path = env.get("DOCKER_CERT_PATH") or None
            return Endpoint("tcp", address, "DOCKER_HOST", tls=tls, cert_path=cert_path), ""
        return None, f"DOCKER_HOST={host} is not unix:// or tcp:// (ssh:// and others are not supported)"
    if Path(default_socket).exists():
        return Endpoint("unix", default_socket, "the default socket"), ""
    return None, f"no DOCKER_HOST and no {default_socket}"
