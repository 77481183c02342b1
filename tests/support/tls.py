"""A private CA and an https server on loopback, for the CA bundle tests.

The CA and the server's certificate (for ``127.0.0.1`` and ``localhost``) are made with
the ``openssl`` command into a temporary folder, which is deleted afterwards; the server
is any ``http.server`` handler wrapped in TLS.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def available() -> bool:
    return shutil.which("openssl") is not None


@dataclass(frozen=True)
class Authority:
    folder: Path

    @property
    def ca(self) -> Path:
        """The CA's certificate: the bundle a client must trust."""
        return self.folder / "ca.pem"

    @property
    def cert(self) -> Path:
        return self.folder / "server.pem"

    @property
    def key(self) -> Path:
        return self.folder / "server.key"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def authority() -> Iterator[Authority]:
    """A throwaway CA and a server certificate it signed; the folder is removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="fd-tls-"))
    try:
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                 "-days", "2", "-subj", "/CN=foundry-discover test CA", cwd=folder)  # fmt: skip
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                 "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
        (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=folder)  # fmt: skip
        yield Authority(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler], ca: Authority) -> Iterator[str]:
    """``handler`` over TLS on a free loopback port; yields ``https://127.0.0.1:PORT``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca.cert, ca.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
