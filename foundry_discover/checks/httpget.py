"""One bounded HTTP GET (httpx, imported inside): redirects, a body cap and one deadline.

The emulator check and a service's ``health_path`` use it; transport failures become the
tool's own errors with the URL and the time it was given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from foundry_discover.lite.errors import (
    FoundryError,
    NotOkError,
    UnreachableError,
)
from foundry_discover.util.waiting import Deadline

if TYPE_CHECKING:
    import ssl

    import httpx


#: LocalStack's health body is ~2 KiB and MiniStack's ~4 KiB: anything near this cap is
#: not a health reply, and reading it all would let a broken server hold us.
MAX_BODY = 256 * 1024


MAX_REDIRECTS = 3


class BadReply(NotOkError):
    """The server answered, but not with a usable health reply (5xx, not JSON, too big, loops)."""


@dataclass
class Reply:
    url: str
    status: int
    body: bytes
    elapsed_ms: float


def fetch(url: str, deadline: Deadline) -> Reply:
    """GET ``url`` with a client of its own (see get())."""
    with http_client(deadline) as client:
        return get(client, url, deadline)


def http_client(deadline: Deadline) -> httpx.Client:
    import httpx

    # Redirects are followed by hand (see get()) so a loop is reported as one and every
    # hop's body stays under the cap.
    return httpx.Client(follow_redirects=False, timeout=_timeout(deadline), trust_env=False, verify=_trusted())


def _trusted() -> ssl.SSLContext:
    """httpx's default trust (certifi's bundle), read as text: certifi.where() copies the
    bundle to a temp file when the .pyz runs from its zip, which fails where nothing is writable."""
    import ssl

    import certifi

    return ssl.create_default_context(cadata=certifi.contents())


def _timeout(deadline: Deadline) -> httpx.Timeout:
    import httpx

    return httpx.Timeout(max(deadline.remaining(), 0.001))


def get(client: httpx.Client, url: str, deadline: Deadline) -> Reply:
    """GET ``url``, following at most MAX_REDIRECTS redirects, reading at most MAX_BODY bytes."""
    started = time.perf_counter()
    seen = [url]
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        status, body, location = _get_once(client, current, deadline)
        if location is None:
            return Reply(current, status, body, (time.perf_counter() - started) * 1000)
        if location in seen:
            raise BadReply(
                f"{url} redirects in a loop ({' -> '.join([*seen, location])})",
                fix="Point --url (or the registry) at the emulator itself; something in between redirects",
            )
        seen.append(location)
        current = location
    raise BadReply(
        f"{url} redirected more than {MAX_REDIRECTS} times ({' -> '.join(seen)})",
        fix="Point --url (or the registry) at the emulator itself; something in between redirects",
    )


def _get_once(client: httpx.Client, url: str, deadline: Deadline) -> tuple[int, bytes, str | None]:
    import httpx

    try:
        with client.stream("GET", url, timeout=_timeout(deadline)) as resp:
            if resp.is_redirect and resp.next_request is not None:
                return resp.status_code, b"", str(resp.next_request.url)
            length = resp.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_BODY:
                raise _too_big(url, f"{int(length)} bytes announced")
            body = bytearray()
            for chunk in resp.iter_raw():
                body += chunk
                if len(body) > MAX_BODY:
                    raise _too_big(url, f"more than {MAX_BODY} bytes sent")
                if deadline.expired:
                    raise UnreachableError(
                        f"{url} was still sending its reply after {deadline.seconds:g}s",
                        fix="The server is too slow or stuck; raise --timeout or check its logs",
                    )
            return resp.status_code, bytes(body), None
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url, deadline) from None


def _too_big(url: str, how: str) -> BadReply:
    return BadReply(
        f"{url} answered with an oversized body ({how}; a health reply is a few KiB, the cap is {MAX_BODY} bytes)",
        fix="Check that the URL points at an AWS emulator (LocalStack, MiniStack, moto) and not at another server",
    )


def _transport_error(exc: Exception, url: str, deadline: Deadline) -> FoundryError:
    """httpx's exceptions as our errors: what happened, where, what to do."""
    import httpx

    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    text = str(exc) or type(exc).__name__
    secs = f"{deadline.seconds:g}s"
    if isinstance(exc, httpx.ConnectTimeout):
        return UnreachableError(
            f"connecting to {where} timed out after {secs}",
            fix="Check that the service is up and that no firewall drops the traffic",
        )
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return UnreachableError(
            f"{where} accepted the connection but sent no reply within {secs}",
            fix="The server is stuck or still starting; check its logs, or use --wait",
        )
    tls = "SSL" in text or "TLS" in text or "certificate" in text.lower()
    if tls:
        return UnreachableError(
            f"TLS with {where} failed ({text.splitlines()[0][:160]})",
            fix="If the service speaks plain HTTP, use an http:// URL; else check its certificate",
        )
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower():
            return UnreachableError(
                f"{where} refused the connection: nothing listens there",
                fix="Check that the emulator is running and the port is right (or use --wait)",
            )
        return UnreachableError(f"connecting to {where} failed ({text})", fix="Check the host and port")
    if isinstance(exc, httpx.RemoteProtocolError) and "disconnected" in text.lower():
        return UnreachableError(
            f"{where} closed the connection without a reply",
            fix="If the service speaks TLS, use an https:// URL; else check its logs",
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return BadReply(
            f"{where} does not speak HTTP ({text.splitlines()[0][:160]})",
            fix="Check that the port belongs to the emulator and not to another service",
        )
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.NetworkError)):
        return UnreachableError(
            f"{where} reset the connection ({text})",
            fix="The server crashed or dropped us (if it speaks TLS, use an https:// URL); check its logs",
        )
    return UnreachableError(f"requesting {url} failed ({type(exc).__name__}: {text})", fix=None)


def _snippet(body: bytes) -> str:
    text = body[:60].decode("utf-8", errors="replace")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return repr(text + ("..." if len(body) > 60 else ""))


def decode_json(reply: Reply) -> Any:
    if not 200 <= reply.status < 300:
        raise BadReply(
            f"{reply.url} answered HTTP {reply.status} (body {_snippet(reply.body)})",
            fix="The emulator is failing or something else answers there; check its logs",
        )
    import json

    try:
        return json.loads(reply.body)
    except (ValueError, UnicodeDecodeError):
        raise BadReply(
            f"{reply.url} answered HTTP {reply.status} with a body that is not JSON: {_snippet(reply.body)}",
            fix="Check that the URL points at an AWS emulator (LocalStack, MiniStack, moto) and not at another server",
        ) from None
