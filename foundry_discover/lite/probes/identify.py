"""Name whatever answers on a port, from one short read.

``name(data)`` reads the first bytes a server sent and says which protocol they belong
to: HTTP (with its Server header), RESP (Redis), the PostgreSQL protocol, TLS, an SSH,
SMTP or MySQL greeting. ``sniff`` is for a server that said nothing to the first hello
(or hung up on it): it sends each protocol's own opening on a fresh connection, all at
once, and names the first that is answered in kind. Nothing here authenticates.
"""

from __future__ import annotations

import contextlib
import queue
import re
import struct
import threading

from foundry_discover.lite import net as wire
from foundry_discover.lite.base import Deadline, FrozenRecord
from foundry_discover.lite.errors import FoundryError


class Identity(FrozenRecord):
    """A protocol recognised from a reply: a short id, a phrase for messages, the evidence."""

    protocol: str
    label: str
    evidence: str


#: What each expected protocol is called in a verdict ("..., not Redis").
EXPECTED_LABEL = {
    "redis": "Redis (RESP)",
    "postgresql": "PostgreSQL",
    "http": "HTTP",
    "https": "HTTPS",
}

SSL_REQUEST = struct.pack("!ii", 8, 80877103)
PING = b"*1\r\n$4\r\nPING\r\n"
#: HTTP/1.1 without a Host header: servers reject it in their protocol layer with a fast
#: 400, before any (possibly slow) application code runs; Redis answers it with -ERR.
HTTP_HELLO = b"GET / HTTP/1.1\r\nUser-Agent: foundry-discover\r\n\r\n"

_STATUS_RE = re.compile(rb"^HTTP/\d(?:\.\d)? \d{3}")
_SMTP_RE = re.compile(rb"^[2-5]\d\d[ -]")


def header(data: bytes, name: str) -> str | None:
    """One header's value from an HTTP reply's head, or None."""
    head = data.split(b"\r\n\r\n", 1)[0]
    wanted = name.lower().encode()
    for raw in head.split(b"\r\n")[1:]:
        key, sep, value = raw.partition(b":")
        if sep and key.strip().lower() == wanted:
            return wire.first_line(value.strip())
    return None


def _pg_message(data: bytes) -> bool:
    """An ErrorResponse or an authentication request, as a PostgreSQL server sends them."""
    if len(data) < 5 or data[:1] not in (b"E", b"R"):
        return False
    length = struct.unpack("!i", data[1:5])[0]
    if data[:1] == b"R":
        return length in (8, 12) or (8 <= length <= 2048 and b"SCRAM" in data)
    return 8 <= length <= 16384 and (b"SFATAL\0" in data[:64] or b"SERROR\0" in data[:64])


def name(data: bytes) -> Identity | None:
    """The protocol of a server's first bytes, or None when they are not one we know."""
    if not data:
        return None
    line = wire.first_line(data)
    if _STATUS_RE.match(data):
        server = header(data, "Server")
        label = f"HTTP (Server: {server})" if server else "HTTP"
        return Identity("http", label, line)
    if data.startswith(b"SSH-"):
        return Identity("ssh", f"SSH (banner {line!r})", line)
    if len(data) >= 3 and data[0] in (0x15, 0x16) and data[1] == 0x03:
        what = "a handshake" if data[0] == 0x16 else "an alert"
        return Identity("tls", "TLS", f"TLS record: {what}")
    if data in (b"S", b"N"):
        return Identity("postgresql", "the PostgreSQL protocol", f"answered SSLRequest with {data.decode()!r}")
    if _pg_message(data):
        return Identity("postgresql", "the PostgreSQL protocol", "a PostgreSQL message")
    if data[:1] in (b"+", b"-", b":", b"$", b"*", b"_", b"%") and b"\r\n" in data and data[1:2] != b"\r":
        return Identity("redis", "RESP (Redis)", line)
    if _SMTP_RE.match(data) and b"SMTP" in data[:200].upper():
        return Identity("smtp", f"SMTP (banner {line!r})", line)
    if data.startswith(b"220"):
        return Identity("banner", f"a '220' greeting, as SMTP and FTP send ({line!r})", line)
    if len(data) > 5 and data[4] == 0x0A and struct.unpack("<I", data[:3] + b"\0")[0] == len(data) - 4:
        version = data[5:].split(b"\0", 1)[0][:40].decode("latin-1")
        return Identity("mysql", f"the MySQL protocol (server {version})", "a MySQL handshake")
    return None


def describe_unknown(data: bytes) -> str:
    """A reply we cannot name, shown safely: its first printable characters."""
    return f"bytes that are no protocol foundry-discover knows ({wire.first_line(data, 60)!r})"


def client_hello() -> bytes:
    """A real TLS ClientHello, made by the ssl module without any socket or CA store."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="foundry-discover.invalid")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def _complete(data: bytes) -> bool:
    # One reply is enough to name a protocol; an HTTP head ends with a blank line.
    if _STATUS_RE.match(data):
        return b"\r\n\r\n" in data
    return True


#: The openings sniff sends, each on its own connection. Each protocol answers its own
#: opening and hangs up on (or ignores) the others, so asking all at once costs one window.
def _hellos() -> dict[str, bytes]:
    return {"http": HTTP_HELLO, "postgresql": SSL_REQUEST, "redis": PING, "tls": client_hello()}


def sniff(address: str, port: int, deadline: Deadline, *, skip: str = "") -> Identity | None:
    """Send each protocol's opening concurrently; the protocol recognised, or None.

    Returns as soon as one opening is answered in kind (the surest evidence), without
    waiting for the others' windows: their daemon threads finish on their own.
    """
    hellos = {k: v for k, v in _hellos().items() if k != skip}
    answers: queue.Queue[tuple[str, Identity | None]] = queue.Queue()

    def one(kind: str, hello: bytes) -> None:
        identity = None
        try:
            heard, _ = wire.talk(address, port, hello, deadline, _complete, window=wire.SNIFF_WINDOW)
            identity = name(heard.data)
        except FoundryError:
            pass
        finally:
            answers.put((kind, identity))

    for kind, hello in hellos.items():
        threading.Thread(target=one, args=(kind, hello), name=f"sniff {kind}", daemon=True).start()
    found: list[Identity] = []
    for _ in hellos:
        kind, identity = answers.get()
        if identity is None:
            continue
        # Some servers take TLS and plain text on one port (LocalStack does): the plain
        # protocol is the one to name, so a TLS answer waits for the others.
        if identity.protocol == kind and kind != "tls":
            return identity
        found.insert(0 if identity.protocol == kind else len(found), identity)
    plain = [i for i in found if i.protocol != "tls"]
    return plain[0] if plain else (found[0] if found else None)
