"""PostgreSQL: pg_isready's answer, without credentials.

libpq's ``PQping`` (what pg_isready reports) connects and judges the first answer: an
authentication request, or any error the server sends with a SQLSTATE, means the
server is accepting connections, except SQLSTATE 57P03 (cannot_connect_now: "the
database system is starting up", shutting down, in recovery), which means rejecting;
no answer at all means no response. This sends what libpq sends: an SSLRequest, then
(inside TLS when the server said 'S') a startup message for user ``foundry-discover``,
and closes at the first answer: no password is ever sent, no query ever run.
"""

from __future__ import annotations

from foundry_discover.lite import net as wire
from foundry_discover.lite.errors import suggest
from foundry_discover.lite.probes import ProbeResult, not_spoken

TYPE_CHECKING = False
if TYPE_CHECKING:
    import _socket

    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.probes import State


def _int32(value: int) -> bytes:
    """A protocol Int32: big-endian, signed (int methods, not struct: one import less in a healthcheck)."""
    return value.to_bytes(4, "big", signed=True)


def _read_int32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big", signed=True)


SSL_REQUEST = _int32(8) + _int32(80877103)
PROTOCOL_3 = 196608
USER = "foundry-discover"
TERMINATE = b"X\x00\x00\x00\x04"
CANNOT_CONNECT_NOW = "57P03"
REQUEST = "SSLRequest, startup message"

AUTH_METHODS = {0: "none (trust)", 2: "Kerberos", 3: "password", 5: "MD5", 7: "GSSAPI", 9: "SSPI", 10: "SASL"}


def startup() -> bytes:
    params = {"user": USER, "database": "postgres", "application_name": USER}
    body = _int32(PROTOCOL_3) + b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params.items())
    body += b"\0"
    return _int32(len(body) + 4) + body


def _one_byte(data: bytes) -> bool:
    return len(data) >= 1 and (data[:1] in (b"S", b"N") or _message(data))


def _message(data: bytes) -> bool:
    """A whole backend message has arrived (type byte, length, body)."""
    if len(data) < 5:
        return False
    length = _read_int32(data, 1)
    return length < 4 or length > 16384 or len(data) >= 1 + length


def fields(data: bytes) -> dict[str, str]:
    """An ErrorResponse's fields by their one-letter code (S severity, C SQLSTATE, M message)."""
    length = _read_int32(data, 1)
    out: dict[str, str] = {}
    for part in data[5 : 1 + length].split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode("utf-8", errors="replace")
    return out


def check(address: str, port: int, deadline: Deadline, *, culprit: str) -> ProbeResult:
    sock, connect_ms = wire.connect(address, port, deadline)
    try:
        heard = wire.exchange(sock, SSL_REQUEST, deadline, _one_byte)
        if heard.data == b"N":
            heard = wire.exchange(sock, startup(), deadline, _message)
            return judge(heard, sock, address, port, deadline, culprit=culprit, connect_ms=connect_ms, tls=False)
        if heard.data == b"S":
            return _inside_tls(sock, address, port, deadline, culprit=culprit, connect_ms=connect_ms)
        return judge(heard, sock, address, port, deadline, culprit=culprit, connect_ms=connect_ms, tls=False)
    finally:
        sock.close()


def _inside_tls(
    sock: _socket.socket, address: str, port: int, deadline: Deadline, *, culprit: str, connect_ms: float
) -> ProbeResult:
    import ssl

    # No certificate check: nothing secret is sent, the answer is all that is wanted.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    plain = wire.full_socket(sock)
    try:
        plain.settimeout(deadline.cap(wire.REPLY_WINDOW) or 0.001)
        tls = context.wrap_socket(plain, server_hostname=None)
    except (OSError, ssl.SSLError) as exc:
        plain.close()
        return ProbeResult(
            "",
            "postgresql",
            "postgresql",
            "failing",
            f"PostgreSQL offered TLS, but the handshake failed ({exc})",
            connect_ms,
            REQUEST,
            fix="Check the server's ssl settings (its log names the error)",
        )
    with tls:
        heard = wire.exchange(tls, startup(), deadline, _message)
        return judge(heard, tls, address, port, deadline, culprit=culprit, connect_ms=connect_ms, tls=True)


def judge(
    heard: wire.Heard,
    sock: _socket.socket,
    address: str,
    port: int,
    deadline: Deadline,
    *,
    culprit: str,
    connect_ms: float,
    tls: bool,
) -> ProbeResult:
    data = heard.data
    over = " over TLS" if tls else ""

    def result(state: State, detail: str, *, note: str | None = None, fix: str | None = None) -> ProbeResult:
        return ProbeResult("", "postgresql", "postgresql", state, detail, connect_ms, REQUEST, note=note, fix=fix)

    if data[:1] == b"R" and _message(data) and len(data) >= 9:
        auth = _read_int32(data, 5)
        if auth == 0:
            # Trust: the session is open. Say goodbye properly so the server logs nothing.
            _send_quietly(sock, TERMINATE)
        method = AUTH_METHODS.get(auth, f"method {auth}")
        return result("ok", f"accepting connections{over} (authentication: {method}; none attempted)")
    if data[:1] == b"E" and _message(data) and len(data) >= 5:
        error = fields(data)
        code, message = error.get("C", ""), error.get("M", "")
        if code == CANNOT_CONNECT_NOW:
            return result(
                "not_ready",
                f"rejecting connections: {message} (SQLSTATE {code})",
                fix=f"Wait for it: `{suggest('health NAME --wait')}` keeps polling until it accepts",
            )
        if len(code) == 5:
            return result(
                "ok",
                f"accepting connections{over}",
                note=f"the server answered the credential-less startup with: {message} (SQLSTATE {code})",
            )
    return not_spoken(
        heard, address, port, deadline, expected="postgresql", request=REQUEST, culprit=culprit, connect_ms=connect_ms
    )


def _send_quietly(sock: _socket.socket, data: bytes) -> None:
    # Not contextlib.suppress: this module runs in `health NAME`, which imports no more than it must.
    try:  # noqa: SIM105
        sock.sendall(data)
    except OSError:
        pass  # it was a courtesy: the answer is already in
