"""The socket work every probe shares: connect, say hello, read one short reply.

On ``_socket``, the C module the ``socket`` module wraps: importing ``socket`` builds
four enums and imports ``selectors`` (about 4 ms, more than a PING on loopback takes),
and a probe needs only connect, send and receive. ``full_socket`` gives the ``socket``
module's socket for the rare connection that turns to TLS. Standard library only.

Every blocking call gets the time left of the caller's ``Deadline`` as its timeout,
and a reply is awaited for at most ``window`` seconds: a server that speaks another
protocol answers (or hangs up) at once, so a check that waits out ``--timeout`` for a
reply that is not coming would only be slower, not surer.
"""

from __future__ import annotations

import _socket
import time

from foundry_discover.lite.base import Record
from foundry_discover.lite.errors import UnreachableError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket
    from collections.abc import Callable
    from typing import Literal

    from foundry_discover.lite.base import Deadline

    How = Literal["reply", "closed", "reset", "silent"]

#: How long a probe waits for the reply to its hello. A Redis PING or a PostgreSQL
#: SSLRequest is answered in well under a millisecond on loopback and a few over a network.
REPLY_WINDOW = 0.7
#: How long each identifying hello (sent concurrently) waits when the first got nothing.
SNIFF_WINDOW = 0.3
#: The most a probe reads: a status line and headers, a banner, one protocol message.
MAX_READ = 16 * 1024


class Heard(Record):
    """What came back after a hello: the bytes, and how the read ended."""

    data: bytes
    how: How
    elapsed_ms: float


def host_arg(host: str) -> str | bytes:
    """``host`` as getaddrinfo should get it: bytes when it is ASCII.

    getaddrinfo passes every str through the idna codec, which imports encodings.idna,
    stringprep and unicodedata (a few ms, more than a PING on loopback takes); an IP
    address or an ASCII name means the same as bytes. Other names still get the codec.
    """
    return host.encode("ascii") if host.isascii() else host


def addresses_of(host: str, port: int | None, timeout: float) -> list[str]:
    """getaddrinfo's addresses for ``host``, in its order, each once: what the application gets.

    getaddrinfo has no timeout of its own: past ``timeout`` seconds this raises
    ``bounded.Late`` and leaves the lookup to its thread. Its own failures come as it
    raises them (``OSError``, ``UnicodeError`` for a name the idna codec refuses).
    """
    from foundry_discover.lite import bounded

    def lookup() -> list[str]:
        infos = _socket.getaddrinfo(host_arg(host), port, 0, _socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    return bounded.within(lookup, timeout)


def _open(address: str, port: int, timeout: float) -> _socket.socket:
    """What ``socket.create_connection`` does, on ``_socket``: each address in turn."""
    first: OSError | None = None
    for family, kind, proto, _, sockaddr in _socket.getaddrinfo(host_arg(address), port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            first = first or exc
    raise first or OSError(f"no address for {address}")


def connect(address: str, port: int, deadline: Deadline) -> tuple[_socket.socket, float]:
    """A connected socket and the milliseconds the connect took, or UnreachableError."""
    where = f"{address}:{port}"
    started = time.perf_counter()
    try:
        sock = _open(address, port, max(deadline.remaining(), 0.001))
    except ConnectionRefusedError:
        raise UnreachableError(
            f"{where} refused the connection: nothing listens on port {port}",
            fix="Check that the service is running and that the port is right",
        ) from None
    except TimeoutError:
        raise UnreachableError(
            f"connecting to {where} timed out after {deadline.seconds:g}s",
            fix="Check that the service is up and that no firewall drops the traffic",
        ) from None
    except OSError as exc:
        raise UnreachableError(
            f"connecting to {where} failed ({exc.strerror or exc})",
            fix="Check that this container shares a network with the service (Compose: a common networks: entry; "
            "Kubernetes: no NetworkPolicy blocking it) and that the address is still the service's",
        ) from None
    sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
    return sock, (time.perf_counter() - started) * 1000


def full_socket(sock: _socket.socket) -> socket.socket:
    """The same connection as a ``socket.socket``, which is what ``ssl`` wraps."""
    import socket

    timeout = sock.gettimeout()
    full = socket.socket(fileno=sock.detach())
    full.settimeout(timeout)
    return full


def exchange(
    sock: _socket.socket,
    hello: bytes,
    deadline: Deadline,
    enough: Callable[[bytes], bool],
    *,
    window: float = REPLY_WINDOW,
) -> Heard:
    """Send ``hello`` (nothing when empty) and read until ``enough`` holds, EOF, or the window ends."""
    started = time.monotonic()
    end = started + deadline.cap(window)
    data = b""
    how: How = "silent"
    try:
        if hello:
            sock.settimeout(max(end - time.monotonic(), 0.001))
            sock.sendall(hello)
        while len(data) < MAX_READ:
            left = end - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            chunk = sock.recv(4096)
            if not chunk:
                how = "closed"
                break
            data += chunk
            how = "reply"
            if enough(data):
                break
    except TimeoutError:
        pass
    except OSError:
        # A reset, or a broken pipe while sending: the server hung up on what we said.
        how = "reset" if not data else "reply"
    if data and how == "silent":
        how = "reply"
    return Heard(data, how, (time.monotonic() - started) * 1000)


def talk(
    address: str,
    port: int,
    hello: bytes,
    deadline: Deadline,
    enough: Callable[[bytes], bool],
    *,
    window: float = REPLY_WINDOW,
) -> tuple[Heard, float]:
    """Connect, exchange once, close: what was heard and the connect milliseconds."""
    sock, connect_ms = connect(address, port, deadline)
    try:
        return exchange(sock, hello, deadline, enough, window=window), connect_ms
    finally:
        sock.close()


def first_line(data: bytes, limit: int = 120) -> str:
    """The first line of a reply, printable and short, for a message."""
    text = data.split(b"\n", 1)[0].rstrip(b"\r")[:limit].decode("latin-1")
    return "".join(c if c.isprintable() else "?" for c in text)
