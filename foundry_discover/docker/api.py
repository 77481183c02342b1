"""A minimal Docker Engine API client: a few GETs over the unix socket or TCP, with http.client.

The standard library's HTTP client, not httpx: a doctor of connect-only services loads
no httpx, and importing it for three GETs cost more than the lookup may add (README,
"Inside Docker and Compose"). Paths are unversioned: the daemon then speaks its own
newest API, and every field read here exists since API 1.25.
"""

from __future__ import annotations

import http.client
import json
import socket
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from foundry_discover.docker.endpoint import Endpoint

if TYPE_CHECKING:
    import ssl

#: Engine API replies this tool reads are small; a bigger one is not the Engine API.
MAX_BODY = 8 * 1024 * 1024
#: Docker's own defaults for ``tcp://HOST`` without a port.
PLAIN_PORT, TLS_PORT = 2375, 2376


class ApiError(Exception):
    """The API could not be asked, or answered with an error: one line, no traceback."""


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over the daemon's Unix socket; the Host header says ``localhost``, as the docker CLI's does."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class Client:
    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        # The socket timeout bounds the connect and every read, as httpx's Timeout(timeout) did.
        # No proxy, .netrc or CA bundle is looked up: none applies to a socket or plain http.
        self._used = False
        self._conn: http.client.HTTPConnection
        address = endpoint.address
        if endpoint.scheme == "tcp" and address.rfind(":") <= address.rfind("]"):
            address = f"{address}:{TLS_PORT if endpoint.tls else PLAIN_PORT}"
        try:
            if endpoint.scheme == "unix":
                self._conn = _UnixConnection(address, timeout)
            elif endpoint.tls:
                context = _tls(endpoint)
                self._conn = http.client.HTTPSConnection(address, timeout=timeout, context=context)
            else:
                self._conn = http.client.HTTPConnection(address, timeout=timeout)
        except http.client.InvalidURL:
            raise ApiError(f"DOCKER_HOST={endpoint} has no valid port: use tcp://HOST:PORT") from None

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        target = f"{path}?{urlencode(params)}" if params else path
        try:
            status, body = self._exchange(target)
        except TimeoutError:
            raise ApiError(f"the Docker API at {self.endpoint} did not answer in time") from None
        except (OSError, http.client.HTTPException) as exc:
            raise ApiError(f"the Docker API at {self.endpoint} cannot be reached ({_reason(exc)})") from None
        if len(body) > MAX_BODY:
            raise ApiError(f"the Docker API at {self.endpoint} sent an oversized reply to GET {path}")
        if status == 404:
            return None
        if status >= 400:
            raise ApiError(f"the Docker API at {self.endpoint} answered HTTP {status} ({_message(body)})")
        try:
            return json.loads(body)
        except ValueError:
            raise ApiError(
                f"the Docker API at {self.endpoint} answered GET {path} with a body that is not JSON"
            ) from None

    def _exchange(self, target: str) -> tuple[int, bytes]:
        try:
            return self._once(target)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # A kept-alive connection the daemon closed meanwhile: ask once more on a new one.
            if not self._used:
                raise
            self._conn.close()
            self._used = False
            return self._once(target)

    def _once(self, target: str) -> tuple[int, bytes]:
        self._conn.request("GET", target, headers={"Accept": "application/json"})
        response = self._conn.getresponse()
        # One byte past the cap tells an oversized reply without reading it whole.
        body = response.read(MAX_BODY + 1)
        if len(body) > MAX_BODY or not response.isclosed():
            self._conn.close()
        self._used = True
        return response.status, body

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


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


def _reason(exc: BaseException) -> str:
    # The OSError's strerror ("Permission denied", "Connection refused") is the useful part.
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    if isinstance(exc, http.client.RemoteDisconnected):
        return "it closed the connection without an answer"
    if isinstance(exc, http.client.BadStatusLine):
        # Its first line, made one line: a banner of SSH, Redis or TLS says who answers instead.
        return f"not an HTTP answer: {' '.join(str(exc).split())[:80]}"
    return str(exc) or type(exc).__name__


def _message(body: bytes) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return body[:200].decode(errors="replace").strip()
    return str(doc.get("message", ""))[:200] if isinstance(doc, dict) else str(doc)[:200]
