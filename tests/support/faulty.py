"""Small real servers on loopback that misbehave on purpose, one fault each.

Each runs in a daemon thread on a free port of 127.0.0.1 and is stopped by the test
(``with Faulty("hang") as srv: ...``): stopping closes the listening socket and releases
every connection a handler still holds.

    hang           accepts, reads the request, never answers
    reset          accepts, reads, then resets the connection (RST)
    http500        answers 500 Internal Server Error
    garbage        answers bytes that are not HTTP at all
    not_json       answers 200 with an HTML page
    wrong_shape    answers 200 with JSON that has no services map
    oversized      answers 200 with a body far over any health reply
    redirect_loop  answers 302 to itself, forever
    tls            expects TLS (a self-signed certificate); plain HTTP gets a closed socket
    neither        a minimal health reply, and 404 on /_localstack/init (no init state)
    ssh            speaks first, as sshd does: an OpenSSH banner; a bad client ident gets
                   OpenSSH's "Invalid SSH identification string." and a hang-up
    smtp           speaks first, as Postfix does: a 220 greeting; each line then gets
                   "502 ... not recognized", and the connection stays open
    silent         accepts and reads whatever comes, never writes a byte (not even to TLS)

``never_accepting()`` is one more: a port whose connects hang.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

KINDS = (
    "hang",
    "reset",
    "http500",
    "garbage",
    "not_json",
    "wrong_shape",
    "oversized",
    "redirect_loop",
    "tls",
    "neither",
    "ssh",
    "smtp",
    "silent",
)
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
SMTP_BANNER = b"220 mail.fd.test ESMTP Postfix (Debian/GNU)\r\n"


def _response(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
    return (head + "Connection: close\r\n\r\n").encode() + body


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, made by the openssl command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class Faulty:
    def __init__(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(KINDS)}")
        self.kind = kind
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.port: int = self._sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._tls: ssl.SSLContext | None = None
        #: Request lines seen, for tests that check what the client asked.
        self.requests: list[str] = []
        if kind == "tls":
            self._tmp = tempfile.TemporaryDirectory(prefix="fd-faulty-")
            cert, key = self_signed_cert(Path(self._tmp.name))
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls.load_cert_chain(cert, key)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Faulty:
        thread = threading.Thread(target=self._accept_loop, name=f"faulty-{self.kind}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.close()
        for thread in self._threads:
            thread.join(5)
        if self._tmp is not None:
            self._tmp.cleanup()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _read_request(self, conn: socket.socket) -> str:
        conn.settimeout(5)
        data = b""
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
                if data.startswith(b"\x16"):
                    break  # a TLS ClientHello: answer as a plain HTTP server does
        if data.startswith(b"\x16"):
            conn.sendall(_response("400 Bad Request", b"plain HTTP here", "text/plain"))
            return ""
        first = data.split(b"\r\n", 1)[0].decode("latin-1")
        self.requests.append(first)
        parts = first.split(" ")
        return parts[1] if len(parts) > 1 else "/"

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._tls is not None:
                try:
                    conn = self._tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()  # a plain-HTTP client, or one that rejected our certificate
                    return
                self._conns.append(conn)
            if self.kind in ("ssh", "smtp"):
                self._speak_first(conn)
                return
            if self.kind == "silent":
                conn.settimeout(10)
                while not self._stop.is_set() and conn.recv(4096):
                    pass
                return
            path = self._read_request(conn)
            if path:
                self._answer(conn, path)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _speak_first(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        if self.kind == "ssh":
            conn.sendall(SSH_BANNER)
            if not conn.recv(256).startswith(b"SSH-"):
                conn.sendall(b"Invalid SSH identification string.\r\n")
            return
        conn.sendall(SMTP_BANNER)
        while not self._stop.is_set() and (data := conn.recv(4096)):
            conn.sendall(b"502 5.5.2 Error: command not recognized\r\n" * max(1, data.count(b"\n")))

    def _answer(self, conn: socket.socket, path: str) -> None:
        kind = self.kind
        if kind == "hang":
            self._stop.wait()
        elif kind == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        elif kind == "http500":
            conn.sendall(_response("500 Internal Server Error", b"boom: the gateway crashed", "text/plain"))
        elif kind == "garbage":
            conn.sendall(b"\x00\x01\x02 this is not HTTP \xff\xfe\r\n\r\n")
        elif kind == "not_json":
            conn.sendall(_response("200 OK", b"<html><body>It works!</body></html>", "text/html"))
        elif kind == "wrong_shape":
            conn.sendall(_response("200 OK", json.dumps({"status": "ok", "services": ["s3"]}).encode()))
        elif kind == "oversized":
            self._send_oversized(conn)
        elif kind == "redirect_loop":
            conn.sendall(_response("302 Found", b"", extra=f"Location: {path}\r\n"))
        elif kind in ("tls", "neither"):
            if path.startswith("/_localstack/health"):
                body = json.dumps({"services": {"s3": "running", "sqs": "available"}}).encode()
                conn.sendall(_response("200 OK", body))
            else:
                conn.sendall(_response("404 Not Found", b'{"error": "not found"}'))

    def _send_oversized(self, conn: socket.socket) -> None:
        # No Content-Length, so the client cannot refuse up front: it must cap what it reads.
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        block = b'{"services": {"s3": "' + b"a" * 65000
        for _ in range(200):  # ~13 MB unless the client hangs up first
            if self._stop.is_set():
                return
            conn.sendall(block)


@contextlib.contextmanager
def never_accepting() -> Iterator[int]:
    """A listening port whose backlog is full: the kernel drops further SYNs, so a connect
    hangs like one to a firewalled host, without leaving this machine."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(0)
        port = int(sock.getsockname()[1])
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        try:
            yield port
        finally:
            for filler in fillers:
                filler.close()
