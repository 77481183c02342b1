"""A minimal Docker Engine API client: a few GETs over the unix socket or TCP, with httpx.

httpx is already a dependency (``health`` uses it) and has a Unix-socket transport, so
three GETs need no Docker SDK. Paths are unversioned: the daemon then speaks its own
newest API, and every field read here exists since API 1.25.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from foundry_discover.docker.endpoint import Endpoint

if TYPE_CHECKING:
    import httpx

#: Engine API replies this tool reads are small; a bigger one is not the Engine API.
MAX_BODY = 8 * 1024 * 1024


class ApiError(Exception):
    """The API could not be asked, or answered with an error: one line, no traceback."""


class Client:
    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        import httpx

        self.endpoint = endpoint
        # No TLS on a socket or plain http: verify=False spares loading the CA bundle
        # (tens of ms), and trust_env=False skips proxy and .netrc lookups that do not apply.
        verify: Any = False
        cert: Any = None
        if endpoint.scheme == "unix":
            transport = httpx.HTTPTransport(uds=endpoint.address, verify=False)
            base = "http://docker"
        else:
            if endpoint.tls:
                verify, cert = _tls(endpoint)
            transport = httpx.HTTPTransport(verify=verify, cert=cert)
            base = f"{'https' if endpoint.tls else 'http'}://{endpoint.address}"
        self._http = httpx.Client(base_url=base, transport=transport, timeout=httpx.Timeout(timeout), trust_env=False)

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        import httpx

        try:
            response = self._http.get(path, params=params)
        except httpx.TimeoutException:
            raise ApiError(f"the Docker API at {self.endpoint} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise ApiError(f"the Docker API at {self.endpoint} cannot be reached ({_reason(exc)})") from None
        if len(response.content) > MAX_BODY:
            raise ApiError(f"the Docker API at {self.endpoint} sent an oversized reply to GET {path}")
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            message = _message(response)
            raise ApiError(f"the Docker API at {self.endpoint} answered HTTP {response.status_code} ({message})")
        try:
            return response.json()
        except ValueError:
            raise ApiError(
                f"the Docker API at {self.endpoint} answered GET {path} with a body that is not JSON"
            ) from None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _tls(endpoint: Endpoint) -> tuple[Any, Any]:
    import os

    folder = endpoint.cert_path or os.path.expanduser("~/.docker")
    ca, cert, key = (os.path.join(folder, f) for f in ("ca.pem", "cert.pem", "key.pem"))
    verify: Any = ca if os.path.exists(ca) else True
    pair: Any = (cert, key) if os.path.exists(cert) and os.path.exists(key) else None
    return verify, pair


def _reason(exc: Exception) -> str:
    # httpx wraps OSError; its strerror ("Permission denied", "Connection refused") is the useful part.
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    return str(body.get("message", ""))[:200] if isinstance(body, dict) else str(body)[:200]
