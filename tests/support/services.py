"""Stand-ins for the stack's other services: a TCP listener and an HTTP health endpoint.

In-process (threads) for tests in this namespace, or as a process for a network
namespace: `python -m tests.support.services http ADDRESS PORT STATUS` prints `ready`.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


class Listener:
    """A TCP service that accepts every connection and closes it: enough for a connect check.

    Accepting matters: connections left in the backlog would fill it, and later SYNs
    would be dropped (a benchmark makes thousands).
    """

    def __init__(self, address: str = "127.0.0.1", port: int = 0) -> None:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(128)
        self.port: int = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def close(self) -> None:
        # shutdown() wakes the accept() blocked in the thread; close() alone may not.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class HealthServer:
    """GET /healthz answers ``status``, after ``delay`` seconds (a slow service); anything else 404.
    Counts the health requests."""

    def __init__(self, status: int = 200, address: str = "127.0.0.1", port: int = 0, delay: float = 0.0) -> None:
        self.status = status
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if delay:
                    time.sleep(delay)
                code = outer.status if self.path == "/healthz" else 404
                outer.hits += self.path == "/healthz"
                body = b'{"status": "ok"}' if code == 200 else b'{"status": "failing"}'
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((address, port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Process:
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_process(kind: str, address: str, port: int, status: int = 200, prefix: list[str] | None = None) -> Process:
    """A listener or health server as its own process (e.g. inside a network namespace)."""
    argv = [*(prefix or []), sys.executable, "-m", "tests.support.services", kind, address, str(port), str(status)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    if proc.stdout.readline().decode().strip() != "ready":
        Process(proc).stop()
        raise RuntimeError(f"{kind} server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
    return Process(proc)


def main(argv: list[str]) -> None:
    kind, address, port, status = argv[0], argv[1], int(argv[2]), int(argv[3])
    server: Listener | HealthServer = Listener(address, port) if kind == "tcp" else HealthServer(status, address, port)
    print("ready", flush=True)
    threading.Event().wait()  # until terminated
    server.close()


if __name__ == "__main__":
    main(sys.argv[1:])
