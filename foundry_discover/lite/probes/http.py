"""HTTP: one GET, read up to the end of the headers, never the body.

Any HTTP status line means an HTTP server is there. With a ``health_path`` declared,
that path is asked and must answer 2xx; without one, ``/`` is asked and any status but
5xx passes (the server is there; what ``/`` serves is the application's business).
5xx is "up but failing". A redirect of the health path is left to the caller, which
follows it with a full HTTP client.
"""

from __future__ import annotations

import _socket
import re

from foundry_discover.lite import net as wire
from foundry_discover.lite.probes import ProbeResult, WrongProtocol, identify, not_spoken
from foundry_discover.lite.probes.identify import Identity, header

TYPE_CHECKING = False
if TYPE_CHECKING:
    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.probes import State

_STATUS_RE = re.compile(rb"^HTTP/(\d(?:\.\d)?) (\d{3})")
_PREFIX = b"HTTP/"


def request(host: str, port: int, path: str) -> bytes:
    authority = f"[{host}]" if ":" in host else host
    return (
        f"GET {path} HTTP/1.1\r\nHost: {authority}:{port}\r\nUser-Agent: foundry-discover\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode()


def _head_done(data: bytes) -> bool:
    # Stop at once when the first bytes cannot begin a status line: that is a banner,
    # RESP or TLS, and waiting for more would only wait out the server.
    if not data.startswith(_PREFIX[: len(data)]) and not _PREFIX.startswith(data[: len(_PREFIX)]):
        return True
    return b"\r\n\r\n" in data


def exchange(
    address: str, port: int, deadline: Deadline, *, host: str, path: str, tls: bool
) -> tuple[wire.Heard, float, str | None, Identity | None]:
    """Connect (TLS when asked) and GET ``path``.

    What was heard, the connect ms, a TLS error, and what a sniff found when the GET met
    silence. An application may take its time over a GET; an HTTP server's protocol layer
    answers a bad request at once. So after a short silence a sniff asks that: when HTTP
    answers it, the GET is waited for until the deadline; when nothing does, the port is
    silent and the check ends within about a second.
    """
    sock, connect_ms = wire.connect(address, port, deadline)
    conn: _socket.socket = sock
    try:
        if tls:
            import ssl

            context = ssl.create_default_context()
            plain = wire.full_socket(sock)
            conn = plain
            try:
                plain.settimeout(max(deadline.remaining(), 0.001))
                conn = context.wrap_socket(plain, server_hostname=host)
            except (OSError, ssl.SSLError) as exc:
                return wire.Heard(b"", "reset", 0.0), connect_ms, str(exc).splitlines()[0][:160], None
        heard = wire.exchange(conn, request(host, port, path), deadline, _head_done)
        if heard.how != "silent" or heard.data:
            return heard, connect_ms, None, None
        found = identify.sniff(address, port, deadline)
        if found is None or found.protocol != "http":
            return heard, connect_ms, None, found
        more = wire.exchange(conn, b"", deadline, _head_done, window=deadline.remaining())
        return wire.Heard(more.data, more.how, heard.elapsed_ms + more.elapsed_ms), connect_ms, None, found
    finally:
        conn.close()


def check(
    address: str, port: int, deadline: Deadline, *, culprit: str, host: str, path: str | None, tls: bool
) -> ProbeResult:
    expected = "https" if tls else "http"
    asked = path or "/"
    what = f"GET {asked}"
    heard, connect_ms, tls_error, sniffed = exchange(address, port, deadline, host=host, path=asked, tls=tls)
    if tls_error is not None:
        # A plain server (or another protocol) behind an https scheme fails the handshake.
        plain = not_spoken(
            heard,
            address,
            port,
            deadline,
            expected=expected,
            request="a TLS handshake",
            culprit=culprit,
            connect_ms=connect_ms,
        )
        if plain.state == "wrong_protocol":
            return plain
        return ProbeResult(
            "",
            expected,
            "tls",
            "failing",
            f"TLS with {host}:{port} failed ({tls_error})",
            connect_ms,
            what,
            fix="If the service speaks plain HTTP, set its scheme to http; else check its certificate",
        )
    match = _STATUS_RE.match(heard.data)
    if match is None:
        return not_spoken(
            heard,
            address,
            port,
            deadline,
            expected=expected,
            request=what,
            culprit=culprit,
            connect_ms=connect_ms,
            sniffed=sniffed,
        )
    status = int(match.group(2))
    server = header(heard.data, "Server")
    by = f" (Server: {server})" if server else ""

    def result(state: State, detail: str, fix: str | None = None) -> ProbeResult:
        return ProbeResult(
            "",
            expected,
            "http",
            state,
            detail,
            connect_ms,
            what,
            fix=fix,
            server=server,
            http_status=status,
            location=header(heard.data, "Location"),
        )

    if status >= 500:
        return result(
            "failing",
            f"up but failing: {what} answered HTTP {status}{', expected 2xx' if path else ''}{by}",
            fix="The server is up but failing; check its logs",
        )
    if path is None:
        return result("ok", f"HTTP server answered {what} with {status}{by}")
    if 200 <= status < 300:
        return result("ok", f"{what} answered HTTP {status}{by}")
    if 300 <= status < 400:
        return result("redirect", f"{what} redirects (HTTP {status})")
    return result(
        "failing",
        f"{what} answered HTTP {status}, expected 2xx{by}",
        fix="Check health_path in the registry file, or the service's logs",
    )


def expect_http(address: str, port: int, deadline: Deadline, *, path: str, culprit: str) -> None:
    """Raise WrongProtocol when something other than HTTP answers a plain GET.

    For the emulator check, before its full HTTP client: a banner (SSH, SMTP) or a
    PostgreSQL or Redis port is named within a second instead of holding the client until
    the deadline. An HTTP answer, silence, or a hang-up is left to the full client.
    """
    sock, connect_ms = wire.connect(address, port, deadline)
    try:
        heard = wire.exchange(sock, request(address, port, path), deadline, _head_done)
    finally:
        sock.close()
    if _STATUS_RE.match(heard.data) or heard.how == "silent":
        return
    found = not_spoken(
        heard, address, port, deadline, expected="http", request=f"GET {path}", culprit=culprit, connect_ms=connect_ms
    )
    if found.state == "wrong_protocol" and found.protocol != "unknown":
        raise WrongProtocol(found.detail, fix=found.fix)
