"""HTTP/1.1 GETs on one kept-alive connection: the little of HTTP the Engine API needs.

Standard library ``socket`` only (``ssl`` when the caller's opener wraps one): every
doctor run has loaded it already, where ``http.client`` would add about 27 ms of imports
(``email.parser`` and ``ssl``, which it loads whether or not TLS is used) to a lookup that
may add 50 ms in all (docs/containers.md, "Inside Docker and Compose"). A reply is framed by its
``Content-Length``, by chunks, or by the end of the connection, and read no further than
``limit`` bytes: a caller sees a body longer than ``limit`` only as that many bytes plus one.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import BinaryIO

#: A status or header line longer than this is not an Engine API's.
MAX_LINE = 64 * 1024
MAX_HEADERS = 100


class ProtocolError(Exception):
    """The reply is not HTTP/1.x, or breaks its own framing: the text is the one-line reason."""


class Dropped(ProtocolError):
    """The connection ended before a status line: a kept-alive connection the server closed."""


class Connection:
    """``get`` one target after another, reusing the connection while the server keeps it open."""

    def __init__(self, opener: Callable[[], socket.socket], host: str, limit: int) -> None:
        self._open = opener
        self._host = host
        self._limit = limit
        #: The open connection and its buffered reader, while the server keeps it.
        self._open_now: tuple[socket.socket, BinaryIO] | None = None

    def get(self, target: str, limit: int | None = None) -> tuple[int, bytes]:
        """The status and body of ``GET target``; OSError, TimeoutError or ProtocolError when none came.

        ``limit`` lowers the connection's for this reply (a log tail needs less than an inspect).
        """
        reused = self._open_now is not None
        limit = self._limit if limit is None else min(limit, self._limit)
        try:
            return self._exchange(target, limit)
        except (Dropped, BrokenPipeError, ConnectionResetError):
            self.close()
            if not reused:
                raise
            # The server closed the idle connection meanwhile: ask once more on a new one.
            return self._exchange(target, limit)

    def close(self) -> None:
        if self._open_now is not None:
            sock, file = self._open_now
            self._open_now = None
            file.close()
            sock.close()

    def _exchange(self, target: str, limit: int) -> tuple[int, bytes]:
        if self._open_now is None:
            sock = self._open()
            self._open_now = sock, sock.makefile("rb")
        sock, file = self._open_now
        try:
            request = f"GET {target} HTTP/1.1\r\nHost: {self._host}\r\nUser-Agent: foundry-discover\r\n"
            sock.sendall(f"{request}Accept: application/json\r\n\r\n".encode())
            status, keep, headers = self._head(file)
            while 100 <= status < 200:  # an interim reply: the real one follows
                status, keep, headers = self._head(file)
            body, framed = self._body(file, status, headers, limit)
        except BaseException:
            self.close()  # a half-read reply leaves the connection useless
            raise
        if not (keep and framed):
            self.close()
        return status, body

    def _head(self, file: BinaryIO) -> tuple[int, bool, dict[str, str]]:
        line = file.readline(MAX_LINE + 1)
        if not line:
            raise Dropped("it closed the connection without an answer")
        parts = line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3 or not parts[1].isdigit():
            # Its first line, made one line: a banner of SSH, Redis or TLS says who answers instead.
            shown = " ".join(line.decode("latin-1").split())[:80]
            raise ProtocolError(f"not an HTTP answer: {shown}")
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            field = file.readline(MAX_LINE + 1)
            if field in (b"\r\n", b"\n"):
                break
            if not field.endswith(b"\n"):
                raise ProtocolError("it closed the connection amid the headers")
            name, colon, value = field.decode("latin-1").partition(":")
            if not colon:
                raise ProtocolError("a broken HTTP header")
            headers[name.strip().lower()] = value.strip()
        else:
            raise ProtocolError(f"more than {MAX_HEADERS} HTTP headers")
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        keep = "keep-alive" in tokens if parts[0] == b"HTTP/1.0" else "close" not in tokens
        return int(parts[1]), keep, headers

    def _body(self, file: BinaryIO, status: int, headers: dict[str, str], limit: int) -> tuple[bytes, bool]:
        """The body, and whether its end was framed (and read) so the connection can serve another GET."""
        if status in (204, 304):
            return b"", True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._chunks(file, limit)
        if "content-length" in headers:
            given = headers["content-length"]
            if not (given.isascii() and given.isdigit()):
                raise ProtocolError(f"a Content-Length that is not a number: {given[:40]}")
            length = int(given)
            body = file.read(min(length, limit + 1))
            if len(body) < min(length, limit + 1):
                raise ProtocolError("it closed the connection amid the body")
            return body, length <= limit
        return file.read(limit + 1), False

    def _chunks(self, file: BinaryIO, limit: int) -> tuple[bytes, bool]:
        parts: list[bytes] = []
        total = 0
        while True:
            line = file.readline(MAX_LINE + 1)
            given = line.split(b";", 1)[0].strip()
            if not given:
                raise ProtocolError("a broken chunk size" if line else "it closed the connection amid the body")
            if not all(c in b"0123456789abcdefABCDEF" for c in given):
                raise ProtocolError("a broken chunk size")
            size = int(given, 16)
            if size == 0:
                break
            chunk = file.read(min(size, limit + 1 - total))
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                return b"".join(parts), False
            if len(chunk) < size or file.readline(MAX_LINE + 1) not in (b"\r\n", b"\n"):
                raise ProtocolError("it closed the connection amid the body")
        for _ in range(MAX_HEADERS + 1):  # trailer fields, unused
            if file.readline(MAX_LINE + 1) in (b"\r\n", b"\n", b""):
                return b"".join(parts), True
        raise ProtocolError(f"more than {MAX_HEADERS} HTTP trailer fields")
