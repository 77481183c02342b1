"""Forward proxies on loopback that behave as corporate proxies do, for the route tests.

One small threaded server, four behaviours:

* ``forward``: a working proxy. Absolute-URI requests (``GET http://host:port/path``, what
  a client sends a proxy for an http URL) are relayed in origin form, and ``CONNECT``
  tunnels (an https URL) relay bytes both ways. Each reply gets a ``Via`` header, as
  Squid adds one. It forwards to loopback only and answers 403 for anything else, so
  no test can send traffic off this machine through it.
* ``deny``: Squid's access denial: 403 with ``Server``, ``Via``, ``X-Squid-Error`` and an
  HTML page, for absolute-URI requests and ``CONNECT`` alike; ``deny-post`` forwards GETs
  and denies the rest (a policy by method: health checks pass, AWS calls do not).
* ``auth``: 407 with ``Proxy-Authenticate: Basic``; with the right ``Proxy-Authorization``
  it forwards.
* ``hang``: accepts and reads the request, then never answers (until stopped).

A refused proxy is a closed port: ``emulators.free_port()``.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

#: How long a forwarded request may wait for the service (a fresh LocalStack's first
#: Secrets Manager call takes seconds), as a real proxy's read timeout would allow.
UPSTREAM_TIMEOUT = 60.0

Mode = Literal["forward", "deny", "deny-post", "auth", "hang"]

SERVER = "squid/6.10"
VIA = "1.1 corp-proxy (squid/6.10)"
DENIED_PAGE = (
    b"<html><head><title>ERROR: The requested URL could not be retrieved</title></head>"
    b"<body><h1>Access Denied.</h1><p>Access control configuration prevents your request.</p></body></html>"
)


@dataclass
class Seen:
    method: str
    target: str
    proxy_authorization: str | None


@dataclass
class Proxy:
    mode: Mode
    port: int
    seen: list[Seen] = field(default_factory=list)
    user: str = "corp"
    password: str = "hunter2-proxy"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url_with_credentials(self) -> str:
        return f"http://{self.user}:{self.password}@127.0.0.1:{self.port}"


def _read_head(conn: socket.socket) -> tuple[bytes, bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _headers(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for text in lines:
        name, _, value = text.partition(":")
        found[name.strip().lower()] = value.strip()
    return found


def _reply(status: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost")


def _relay(a: socket.socket, b: socket.socket, stop: threading.Event) -> None:
    """Bytes both ways until either side closes."""
    while not stop.is_set():
        ready, _, _ = select.select([a, b], [], [], 0.2)
        for sock in ready:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            (b if sock is a else a).sendall(chunk)


@contextlib.contextmanager
def running(mode: Mode) -> Iterator[Proxy]:
    """A proxy of ``mode`` on a free loopback port; stopped (and every connection closed) on exit."""
    stop = threading.Event()
    open_conns: list[socket.socket] = []
    lock = threading.Lock()
    proxy: Proxy

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            with lock:
                open_conns.append(conn)
            with contextlib.suppress(OSError):
                self._serve(conn)

        def _serve(self, conn: socket.socket) -> None:
            got = _read_head(conn)
            if got is None:
                return
            head, rest = got
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = [*lines[0].split(" "), "", ""][:3]
            headers = _headers(lines[1:])
            proxy.seen.append(Seen(method, target, headers.get("proxy-authorization")))
            if mode == "hang":
                stop.wait()
                return
            refused = mode == "deny" or (mode == "deny-post" and method != "GET")
            if refused or (mode == "auth" and not self._authorized(headers)):
                if mode != "auth":
                    status, extra = "403 Forbidden", {"X-Squid-Error": "ERR_ACCESS_DENIED 0"}
                else:
                    status = "407 Proxy Authentication Required"
                    extra = {
                        "Proxy-Authenticate": 'Basic realm="corp proxy"',
                        "X-Squid-Error": "ERR_CACHE_ACCESS_DENIED 0",
                    }
                base = {"Server": SERVER, "Via": VIA, "Content-Type": "text/html", **extra}
                conn.sendall(_reply(status, base, DENIED_PAGE))
                return
            if method == "CONNECT":
                self._tunnel(conn, target, rest)
            else:
                self._forward(conn, method, target, lines[1:], headers, rest)

        def _authorized(self, headers: dict[str, str]) -> bool:
            token = base64.b64encode(f"{proxy.user}:{proxy.password}".encode()).decode()
            return headers.get("proxy-authorization") == f"Basic {token}"

        def _deny_remote(self, conn: socket.socket, host: str) -> None:
            page = f"this test proxy forwards to loopback only, not to {host}".encode()
            conn.sendall(_reply("403 Forbidden", {"Server": SERVER, "Via": VIA}, page))

        def _tunnel(self, conn: socket.socket, target: str, rest: bytes) -> None:
            host, _, port = target.rpartition(":")
            host = host.strip("[]")
            if not _loopback(host):
                self._deny_remote(conn, host)
                return
            try:
                upstream = socket.create_connection((host, int(port)), timeout=5)
                upstream.settimeout(UPSTREAM_TIMEOUT)
            except OSError:
                conn.sendall(_reply("502 Bad Gateway", {"Server": SERVER, "Via": VIA}, b""))
                return
            with upstream:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\nVia: " + VIA.encode() + b"\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                _relay(conn, upstream, stop)

        def _forward(
            self, conn: socket.socket, method: str, target: str, lines: list[str], headers: dict[str, str], rest: bytes
        ) -> None:
            parts = urlsplit(target)
            host = parts.hostname or ""
            if not _loopback(host):
                self._deny_remote(conn, host)
                return
            length = int(headers.get("content-length") or 0)
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                rest += chunk
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            kept = [h for h in lines if h.split(":")[0].strip().lower() not in ("proxy-authorization", "connection")]
            request = "\r\n".join([f"{method} {path} HTTP/1.1", *kept, "Connection: close"]) + "\r\n\r\n"
            try:
                upstream = socket.create_connection((host, parts.port or 80), timeout=5)
                upstream.settimeout(UPSTREAM_TIMEOUT)
            except OSError:
                conn.sendall(_reply("502 Bad Gateway", {"Server": SERVER, "Via": VIA}, b""))
                return
            with upstream:
                upstream.sendall(request.encode("latin-1") + rest)
                answer = b""
                while True:
                    chunk = upstream.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            top, sep, body = answer.partition(b"\r\n\r\n")
            if sep:
                status_line, _, others = top.partition(b"\r\n")
                answer = status_line + b"\r\nVia: " + VIA.encode() + (b"\r\n" + others if others else b"") + sep + body
            conn.sendall(answer)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    proxy = Proxy(mode, int(server.server_address[1]))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        with lock:
            for conn in open_conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        thread.join(5)
