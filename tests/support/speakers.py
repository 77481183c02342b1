"""Small loopback servers that behave as the real ones do when a stranger calls.

    banner("ssh")    sends an OpenSSH banner first; a bad client ident gets OpenSSH's
                     "Invalid SSH identification string." and a hang-up
    banner("smtp")   sends a Postfix greeting first; each line gets "502 ... not
                     recognized", and the connection stays open, as Postfix keeps it
    tls()            a TLS server with a self-signed certificate (its handshake answers)
    silent()         accepts and reads, never writes a byte

Each runs in daemon threads on a free 127.0.0.1 port; ``stop()`` closes everything.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
import threading
from pathlib import Path

from tests.support.faulty import self_signed_cert

SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
SMTP_BANNER = b"220 mail.fd.test ESMTP Postfix (Debian/GNU)\r\n"


class Speaker:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port: int = self._sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._tls: ssl.SSLContext | None = None
        if kind == "tls":
            self._tmp = tempfile.TemporaryDirectory(prefix="fd-speaker-")
            cert, key = self_signed_cert(Path(self._tmp.name))
            self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._tls.load_cert_chain(cert, key)
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with contextlib.suppress(OSError), conn:
            if self.kind == "ssh":
                conn.sendall(SSH_BANNER)
                ident = conn.recv(256)
                if not ident.startswith(b"SSH-"):
                    conn.sendall(b"Invalid SSH identification string.\r\n")
                return
            if self.kind == "smtp":
                conn.sendall(SMTP_BANNER)
                while not self._stop.is_set():
                    data = conn.recv(4096)
                    if not data:
                        return
                    for _ in range(max(1, data.count(b"\n"))):
                        conn.sendall(b"502 5.5.2 Error: command not recognized\r\n")
            if self.kind == "tls":
                assert self._tls is not None
                tls = self._tls.wrap_socket(conn, server_side=True)
                self._conns.append(tls)
                tls.recv(4096)
                return
            while not self._stop.is_set() and conn.recv(4096):  # silent
                pass

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.close()
        self._thread.join(5)
        if self._tmp is not None:
            self._tmp.cleanup()
