"""A misbehaving Secrets Manager on loopback: it answers every request with one canned reply.

Used for faults the emulators cannot be made to produce (access denied, a 500, garbage),
and to prove that nothing a server says is echoed: the canned error text can carry a
"secret" that the tests then look for in the output.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Canned:
    status: int
    body: bytes
    content_type: str = "application/x-amz-json-1.1"
    requests: list[str] = field(default_factory=list)


@contextmanager
def serve(canned: Canned) -> Iterator[str]:
    """Serve ``canned`` on a free loopback port; yields the URL and stops the server on exit."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            canned.requests.append(self.headers.get("X-Amz-Target", ""))
            self.send_response(canned.status)
            self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(canned.body)))
            self.end_headers()
            self.wfile.write(canned.body)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        yield url


@contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Any request handler on a free loopback port; yields the URL and stops the server on exit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
