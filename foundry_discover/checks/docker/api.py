"""A minimal Docker Engine API client: a few GETs over the unix socket or TCP, JSON back.

HTTP/1.1 through ``http1`` on a plain socket, not httpx or http.client: a doctor of
connect-only services loads neither, and importing one for three GETs cost more than the
lookup may add (docs/containers.md, "Inside Docker and Compose"). Paths are unversioned: the daemon
then speaks its own newest API, and every field read here exists since API 1.25.
"""

from __future__ import annotations

import json
import socket
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from foundry_discover.checks.docker.endpoint import Endpoint
from foundry_discover.checks.docker.http1 import Connection, ProtocolError

if TYPE_CHECKING:
    import ssl

#: Engine API replies this tool reads are small; a bigger one is not the Engine API.
MAX_BODY = 8 * 1024 * 1024
#: Docker's own defaults for ``tcp://HOST`` without a port.
PLAIN_PORT, TLS_PORT = 2375, 2376


class ApiError(Exception):
    """The API could not be asked, or answered with an error: one line, no traceback."""


class Client:
    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        # The socket timeout bounds the connect and every read, as httpx's Timeout(timeout) did.
        # No proxy, .netrc or CA bundle is looked up: none applies to a socket or plain http.
        if endpoint.scheme == "unix":
            # The Host header a Unix socket needs is any name; the docker CLI's is a placeholder too.
            self._http = Connection(lambda: _unix(endpoint.address, timeout), "docker", MAX_BODY)
            return
        host, port = _host_port(endpoint)
        context = _tls(endpoint) if endpoint.tls else None
        self._http = Connection(lambda: _tcp(host, port, timeout, context), endpoint.address, MAX_BODY)

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        status, body = self._get(path, params, MAX_BODY)
        if len(body) > MAX_BODY:
            raise ApiError(f"the Docker API at {self.endpoint} sent an oversized reply to GET {path}")
        if status == 404:
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise ApiError(
                f"the Docker API at {self.endpoint} answered GET {path} with a body that is not JSON"
            ) from None

    def raw(self, path: str, params: dict[str, str], limit: int) -> tuple[bytes, bool]:
        """The body of a stream endpoint (logs) as bytes, read no further than ``limit``, and whether it was cut."""
        status, body = self._get(path, params, limit)
        if status == 404:
            raise ApiError(f"the Docker API at {self.endpoint} knows no {path.split('/')[2][:12]}")
        return body[:limit], len(body) > limit

    def _get(self, path: str, params: dict[str, str] | None, limit: int) -> tuple[int, bytes]:
        target = f"{path}?{urlencode(params)}" if params else path
        try:
            status, body = self._http.get(target, limit)
        except TimeoutError:
            raise ApiError(f"the Docker API at {self.endpoint} did not answer in time") from None
        except (OSError, ProtocolError) as exc:
            raise ApiError(f"the Docker API at {self.endpoint} cannot be reached ({_reason(exc)})") from None
        if status >= 400 and status != 404:
            raise ApiError(f"the Docker API at {self.endpoint} answered HTTP {status} ({_message(body)})")
        return status, body

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _unix(path: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except BaseException:
        sock.close()
        raise
    return sock


def _tcp(host: str, port: int, timeout: float, context: ssl.SSLContext | None) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if context is None:
        return sock
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise


def _host_port(endpoint: Endpoint) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` of a tcp:// endpoint; without a port, Docker's default."""
    address = endpoint.address
    host, colon, port = address.rpartition(":")
    if not colon or address.endswith("]"):
        host, port = address, ""
    try:
        number = int(port) if port else (TLS_PORT if endpoint.tls else PLAIN_PORT)
    except ValueError:
        raise ApiError(f"DOCKER_HOST={endpoint} has no valid port: use tcp://HOST:PORT") from None
    return host.removeprefix("[").removesuffix("]"), number


def _tls(endpoint: Endpoint) -> ssl.SSLContext:
    import os
    import ssl

    folder = endpoint.cert_path or os.path.expanduser("~/.docker")
    ca, cert, key = (os.path.join(folder, f) for f in ("ca.pem", "cert.pem", "key.pem"))
    # The daemon's CA when DOCKER_CERT_PATH has one, else the system's: the server is always verified.
    try:
        context = ssl.create_default_context(cafile=ca if os.path.exists(ca) else None)
        if os.path.exists(cert) and os.path.exists(key):
            context.load_cert_chain(cert, key)
    except OSError as exc:  # ssl.SSLError included
        raise ApiError(
            f"the TLS files in {folder} ({'DOCKER_CERT_PATH' if endpoint.cert_path else 'the default'}) cannot be "
            f"loaded ({_reason(exc)}): ca.pem, cert.pem and key.pem there must be PEM, as the docker CLI reads them"
        ) from None
    return context


def _reason(exc: Exception) -> str:
    # The OSError's strerror ("Permission denied", "Connection refused") is the useful part.
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


def _message(body: bytes) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return body[:200].decode(errors="replace").strip()
    return str(doc.get("message", ""))[:200] if isinstance(doc, dict) else str(doc)[:200]
