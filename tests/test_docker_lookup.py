"""The Engine API client and lookup against a stand-in API on a real Unix socket (or TCP, TLS).

Finding the target (Compose label, container name, network alias), which container this
is, and the ways the API can fail: refused, hanging (bounded by --timeout), absent (a one-line
note, and nothing Docker-related imported), not HTTP, closed, 5xx, not JSON, oversized, a
dropped keep-alive connection, an untrusted TLS daemon.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from foundry_discover.checks.docker.api import MAX_BODY, Client
from foundry_discover.checks.docker.endpoint import Endpoint
from foundry_discover.checks.docker.lookup import collect_facts
from foundry_discover.checks.runtime import Runtime
from tests.conftest import cli_env, need
from tests.support.engine_api import EngineApi, inspect
from tests.support.faulty import SSH_BANNER

ME = "a" * 64
CONTAINER = Runtime("container", True, None, None, (), ME, "/proc/self/mountinfo")


@pytest.fixture
def sock() -> Iterator[Path]:
    # AF_UNIX paths are limited to 108 bytes: pytest's tmp_path can be longer.
    folder = Path(f"/tmp/fd-engine-{os.getpid()}-{time.monotonic_ns()}")
    folder.mkdir()
    try:
        yield folder / "docker.sock"
    finally:
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()


def containers() -> list[dict[str, object]]:
    return [
        inspect("app-backend-1", ME, service="backend", networks={"app_foundry": ["backend"]}),
        inspect("other-web-1", "c" * 64, service="web", project="other", networks={"other_default": ["web"]}),
        inspect("app-web-1", "b" * 64, service="web", networks={"app_foundry": ["web"]}),
        inspect("db-main", "d" * 64, networks={"app_foundry": ["postgres", "db"]}, network_mode="app_foundry"),
        inspect("dead-one", "e" * 64, status="exited", exit_code=2),
        inspect("far-away", "f" * 64, networks={"elsewhere": ["nope"]}, network_mode="elsewhere"),
    ]


def test_target_by_label_name_and_alias_same_project_first(sock: Path) -> None:
    with EngineApi(sock, containers()) as api:
        wanted = {"WEB": ["web"], "DB": ["db-main"], "POSTGRES": ["postgres"], "NOPE": ["nope"]}
        found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, wanted, 2.0, hostname="x")
    assert found.reachable and (found.version, found.api_version) == ("20.10.24+dfsg1", "1.41")
    assert found.self is not None and found.self.name == "app-backend-1"
    assert found.self_evidence == "/proc/self/mountinfo"
    web = found.targets["WEB"]
    assert (web.found_by, web.matches) == ("Compose service label", 2)
    assert web.container is not None and web.container.name == "app-web-1"  # the project of this container
    assert found.targets["DB"].found_by == "container name"
    postgres = found.targets["POSTGRES"]
    assert postgres.found_by == "network alias" and postgres.container is not None
    assert postgres.container.name == "db-main"
    assert found.targets["NOPE"].container is None
    # An alias counts only on this container's networks: `nope` is an alias on another network, so no
    # target, but the name near it (here the same) is named with its network, for the fix to join it.
    nope = found.targets["NOPE"].similar
    assert [(s.name, s.how, s.networks, s.shared) for s in nope] == [("nope", "network alias", ("elsewhere",), False)]
    # Gathering near names inspects the running containers of every network, never an exited one.
    inspected = {r.split("/")[2] for r in api.requests if r.endswith("/json") and r.startswith("/containers/")}
    assert "c" * 64 in inspected and "f" * 64 in inspected and "e" * 64 not in inspected
    assert "runs in container app-backend-1 (service backend) on app_foundry" in found.note
    # The list, then inspects: never one request per container unless an alias is looked for.
    assert api.requests[:2] == ["/version", "/containers/json?all=1"]


def test_self_by_short_id_hostname(sock: Path) -> None:
    runtime = Runtime("container", True, None, None, ())
    with EngineApi(sock, containers()):
        found = collect_facts(Endpoint("unix", str(sock), "x"), runtime, {}, 2.0, hostname="aaaaaaaaaaaa")
    assert found.self is not None and found.self_evidence == "the hostname aaaaaaaaaaaa is the start of its id"
    with EngineApi(sock, containers()):
        host = collect_facts(
            Endpoint("unix", str(sock), "x"), Runtime("host", False, None, None, ()), {}, 2.0, "aaaaaaaaaaaa"
        )
    assert host.self is None and "not in one of its containers" in host.note


def test_refused_socket_is_a_note_not_a_failure(sock: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()  # the file stays, nobody listens: connect() is refused
    found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, {"WEB": ["web"]}, 2.0)
    assert not found.reachable
    assert found.error == f"the Docker API at unix://{sock} cannot be reached (connection refused)"
    assert found.note.endswith(": no Docker facts")


def test_an_answer_that_is_not_the_engine_api_is_a_note(sock: Path) -> None:
    with EngineApi(sock, containers(), replies={"/version": ["not", "an", "object"]}):
        found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, {"WEB": ["web"]}, 2.0)
    assert not found.reachable
    assert found.error is not None and "gave an answer doctor cannot read (AttributeError" in found.error


def doctor(env: dict[str, str], *args: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "foundry_discover", "doctor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    return done, time.monotonic() - started


def test_a_hanging_api_ends_with_the_timeout(sock: Path) -> None:
    env = cli_env(DOCKER_HOST=f"unix://{sock}", SVC_WEB_HOST="127.0.0.1", WEB_PORT="9")
    with EngineApi(sock, containers(), hang=True):
        done, took = doctor(env, "web", "--json", "--timeout=1.5")
    assert took < 15  # bounded by --timeout plus the interpreter's start, not by the 60 s the API sleeps
    assert "Traceback" not in done.stderr
    doc = json.loads(done.stdout)
    assert doc["exit_code"] == done.returncode == 4  # the refused port decides, not the API
    facts = doc["result"]["docker"]
    assert facts["reachable"] is False
    assert "did not answer" in facts["note"]


def test_no_api_is_one_line_and_imports_nothing_of_docker() -> None:
    env = cli_env(SVC_WEB_HOST="127.0.0.1", WEB_PORT="9")
    env.pop("DOCKER_HOST", None)
    if Path("/var/run/docker.sock").exists():
        pytest.skip("a system Docker socket exists here")
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules"
        " if m.startswith('foundry_discover.checks.docker.')), file=sys.stderr))\n"
        "from foundry_discover.lite.main import main\n"
        "sys.argv = ['foundry-discover', 'doctor', 'web']\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 4
    docker_lines = [line for line in done.stdout.splitlines() if line.startswith("docker:")]
    hint = "; mount the socket read-only (-v /var/run/docker.sock:/var/run/docker.sock:ro) for container facts"
    on_host = "where: on a host" in done.stdout
    assert docker_lines == [
        "docker: no Docker API (no DOCKER_HOST and no /var/run/docker.sock)" + ("" if on_host else hint)
    ]
    loaded = done.stderr.strip().splitlines()[-1]
    assert "foundry_discover.checks.docker.api" not in loaded and "foundry_discover.checks.docker.lookup" not in loaded


def test_every_package_ships_in_the_wheel() -> None:
    """A subpackage the wheel's package finder leaves out breaks the wheel and the .pyz."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    root = Path(__file__).resolve().parent.parent
    from setuptools import find_packages

    include = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    listed = set(find_packages(str(root), include=include))
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "foundry_discover").rglob("__init__.py")}
    assert found == listed


class RawApi:
    """A server that answers each request with canned bytes: the faults a real server can make.

    On ``sock`` (a Unix socket), else on 127.0.0.1 (``port``), with ``tls`` speaking TLS.
    Each connection serves one request unless ``keep``: then a reply without ``Connection:
    close`` is a daemon that dropped a kept-alive connection the client still holds.
    """

    def __init__(
        self,
        reply: Callable[[str], bytes],
        sock: Path | None = None,
        tls: ssl.SSLContext | None = None,
        *,
        keep: bool = False,
    ) -> None:
        self.server = socket.socket(socket.AF_UNIX if sock else socket.AF_INET)
        self.server.bind(str(sock) if sock else ("127.0.0.1", 0))
        self.server.listen(8)
        self.port = 0 if sock else self.server.getsockname()[1]
        self.reply, self.tls, self.keep = reply, tls, keep
        self.connections = 0
        self.paths: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with contextlib.suppress(OSError):  # a refused handshake, or a client that stops reading
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                with conn:
                    self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                pending += chunk
            head, pending = pending.split(b"\r\n\r\n", 1)
            self.paths.append(head.split(b" ", 2)[1].decode())
            conn.sendall(self.reply(self.paths[-1]))
            if not self.keep:
                return

    def __enter__(self) -> RawApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self.thread.join(5)


def http_reply(status: str, body: bytes, *, close: bool = True) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + ("Connection: close\r\n" if close else "") + "\r\n").encode() + body


def engine_reply(path: str) -> bytes:
    """A daemon with no containers, answering HTTP/1.1 keep-alive."""
    doc: Any = {"Version": "27.0.1", "ApiVersion": "1.46"} if path == "/version" else []
    return http_reply("200 OK", json.dumps(doc).encode(), close=False)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (SSH_BANNER, "cannot be reached (not an HTTP answer: SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3)"),
        (b"", "cannot be reached (it closed the connection without an answer)"),
        (http_reply("500 Internal Server Error", b'{"message": "boom"}'), "answered HTTP 500 (boom)"),
        (http_reply("502 Bad Gateway", b"<html>proxy</html>"), "answered HTTP 502 (<html>proxy</html>)"),
        (http_reply("200 OK", b"<html>hello</html>"), "answered GET /version with a body that is not JSON"),
    ],
)
def test_a_server_that_is_not_a_working_engine_api_is_one_line(sock: Path, reply: bytes, error: str) -> None:
    with RawApi(lambda path: reply, sock):
        found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, {"WEB": ["web"]}, 2.0)
    assert not found.reachable
    assert found.error is not None and found.error.startswith(f"the Docker API at unix://{sock} ")
    assert error in found.error


def test_an_oversized_reply_is_not_read_whole(sock: Path) -> None:
    body = b"[" + b" " * MAX_BODY + b"]"
    with RawApi(lambda path: http_reply("200 OK", body), sock):
        found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, {}, 2.0)
    assert found.error == f"the Docker API at unix://{sock} sent an oversized reply to GET /version"


@pytest.mark.parametrize("scheme", ["unix", "tcp"])
def test_a_dropped_keep_alive_connection_is_asked_again(sock: Path, scheme: str) -> None:
    with RawApi(engine_reply, sock if scheme == "unix" else None) as api:
        address = str(sock) if scheme == "unix" else f"127.0.0.1:{api.port}"
        endpoint = Endpoint("unix" if scheme == "unix" else "tcp", address, "DOCKER_HOST")
        found = collect_facts(endpoint, CONTAINER, {"WEB": ["web"]}, 2.0)
    assert found.reachable, found.error
    assert found.version == "27.0.1"
    assert api.connections == 2  # the second GET found its connection closed and opened another


def test_tls_with_docker_cert_path_verifies_the_daemon_and_presents_the_client_cert(tmp_path: Path) -> None:
    need(shutil.which("openssl") is not None, "openssl is not installed (the TLS stand-in needs a certificate)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    server.verify_mode = ssl.CERT_REQUIRED  # like dockerd --tlsverify: no client certificate, no answer
    server.load_verify_locations(cert)
    with RawApi(engine_reply, tls=server) as api:
        address = f"127.0.0.1:{api.port}"
        endpoint = Endpoint("tcp", address, "DOCKER_HOST", tls=True, cert_path=str(tmp_path))
        (tmp_path / "ca.pem").write_bytes(cert.read_bytes())
        found = collect_facts(endpoint, CONTAINER, {}, 2.0)
        assert found.reachable, found.error
        assert found.version == "27.0.1"
        # Without the daemon's CA the system's store cannot vouch for a self-signed daemon.
        (tmp_path / "ca.pem").unlink()
        untrusted = collect_facts(endpoint, CONTAINER, {}, 2.0)
    assert untrusted.error is not None and "certificate verify failed" in untrusted.error
    assert untrusted.error.startswith(f"the Docker API at tcp://{address} cannot be reached (")


def test_unreadable_tls_files_name_the_folder(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    endpoint = Endpoint("tcp", "127.0.0.1:9", "DOCKER_HOST", tls=True, cert_path=str(tmp_path))
    found = collect_facts(endpoint, CONTAINER, {}, 2.0)
    assert found.error is not None
    assert found.error.startswith(f"the TLS files in {tmp_path} (DOCKER_CERT_PATH) cannot be loaded (")
    assert found.error.endswith("ca.pem, cert.pem and key.pem there must be PEM, as the docker CLI reads them")


def chunked(body: bytes, size: int = 7) -> bytes:
    """``body`` in chunks of ``size`` bytes, with a chunk extension and a trailer field, as HTTP/1.1 allows."""
    parts = [
        f"{len(body[i : i + size]):x};ext=1\r\n".encode() + body[i : i + size] + b"\r\n"
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\nX-Trailer: yes\r\n\r\n"


VERSION = json.dumps({"Version": "27.0.1", "ApiVersion": "1.46"}).encode()


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(VERSION),
        b"HTTP/1.1 100 Continue\r\n\r\n" + http_reply("200 OK", VERSION, close=False),
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: %d\r\n\r\n" % len(VERSION) + VERSION,
    ],
    ids=["chunked", "interim-100", "http1.0-keep-alive"],
)
def test_framed_replies_keep_the_connection_for_the_next_get(sock: Path, reply: bytes) -> None:
    with RawApi(lambda path: reply, sock, keep=True) as api, Client(Endpoint("unix", str(sock), "x"), 2.0) as client:
        answers = [client.get("/version") for _ in range(3)]
    assert answers == [json.loads(VERSION)] * 3
    # Had a body been read short or long, the next status line would be garbage, or a new connection needed.
    assert (api.connections, api.paths) == (1, ["/version"] * 3)


def test_a_reply_ended_by_closing_is_read_to_the_end(sock: Path) -> None:
    reply = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + VERSION
    with RawApi(lambda path: reply, sock) as api, Client(Endpoint("unix", str(sock), "x"), 2.0) as client:
        answers = [client.get("/version") for _ in range(2)]
    assert answers == [json.loads(VERSION)] * 2
    assert api.connections == 2


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n{}", "a Content-Length that is not a number: 12abc"),
        (b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"Version"', "it closed the connection amid the body"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "a broken chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{}", "it closed the connection amid the body"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: applic", "it closed the connection amid the headers"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a broken HTTP header"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", "more than 100 HTTP headers"),
    ],
    ids=["length-not-a-number", "short-body", "bad-chunk-size", "short-chunk", "cut-headers", "bad-header", "headers"],
)
def test_broken_framing_is_one_line(sock: Path, reply: bytes, reason: str) -> None:
    with RawApi(lambda path: reply, sock):
        found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, {}, 2.0)
    assert found.error == f"the Docker API at unix://{sock} cannot be reached ({reason})"


def test_an_oversized_chunked_reply_is_not_read_whole(sock: Path) -> None:
    body = b"[" + b" " * MAX_BODY + b"]"
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, 1 << 20)
    with RawApi(lambda path: reply, sock):
        found = collect_facts(Endpoint("unix", str(sock), "DOCKER_HOST"), CONTAINER, {}, 2.0)
    assert found.error == f"the Docker API at unix://{sock} sent an oversized reply to GET /version"
