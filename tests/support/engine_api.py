"""A stand-in Docker Engine API on a Unix socket: real HTTP, canned JSON, or a daemon that hangs.

For the client and lookup tests that need no dockerd: the replies have the Engine API's
shapes (``GET /version``, ``/containers/json``, ``/containers/{id}/json``), built by the
helpers below from the fields doctor reads.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def inspect(
    name: str,
    cid: str,
    *,
    service: str | None = None,
    project: str | None = "app",
    status: str = "running",
    exit_code: int = 0,
    health: dict[str, Any] | None = None,
    networks: dict[str, list[str]] | None = None,
    network_mode: str | None = None,
    ports: dict[str, list[dict[str, str]] | None] | None = None,
    extra_hosts: list[str] | None = None,
    restart_count: int = 0,
    image: str = "foundry-discover-test/base:latest",
    env: list[str] | None = None,
    tty: bool = False,
    oom_killed: bool = False,
    error: str = "",
    memory: int = 0,
) -> dict[str, Any]:
    """``GET /containers/{id}/json`` as dockerd 20.10 answers it, cut to the fields doctor reads."""
    labels = {}
    if service:
        labels = {"com.docker.compose.service": service, "com.docker.compose.project": project or ""}
    nets = networks if networks is not None else {"bridge": []}
    return {
        "Id": cid,
        "Name": f"/{name}",
        "RestartCount": restart_count,
        "State": {
            "Status": status,
            "Running": status == "running",
            "ExitCode": exit_code,
            "OOMKilled": oom_killed,
            "Error": error,
            **({"Health": health} if health else {}),
        },
        "Config": {
            "Hostname": cid[:12],
            "Labels": labels,
            "ExposedPorts": {k: {} for k in (ports or {})},
            "Image": image,
            "Env": env or ["PATH=/usr/bin"],
            "Tty": tty,
        },
        "HostConfig": {
            "Memory": memory,
            "NetworkMode": network_mode or (f"{project}_default" if service else "default"),
            "ExtraHosts": extra_hosts,
        },
        "NetworkSettings": {
            "Ports": ports or {},
            "Networks": {
                net: {"Aliases": aliases or None, "IPAddress": f"172.30.{i}.2"}
                for i, (net, aliases) in enumerate(nets.items(), 1)
            },
        },
    }


def row(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``GET /containers/json`` row for an inspect document."""
    return {
        "Id": doc["Id"],
        "Names": [doc["Name"]],
        "Labels": doc["Config"]["Labels"],
        "State": doc["State"]["Status"],
        "Ports": [
            {"IP": b["HostIp"], "PrivatePort": int(key.split("/")[0]), "PublicPort": int(b["HostPort"]), "Type": "tcp"}
            for key, binds in doc["NetworkSettings"]["Ports"].items()
            for b in binds or []
        ],
        "NetworkSettings": {"Networks": {name: {"Aliases": None} for name in doc["NetworkSettings"]["Networks"]}},
    }


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True


class EngineApi:
    """Serves ``containers`` (inspect documents) at ``socket``; ``hang=True`` accepts and never answers."""

    def __init__(
        self,
        socket: Path,
        containers: list[dict[str, Any]],
        *,
        hang: bool = False,
        replies: dict[str, Any] | None = None,
        logs: dict[str, bytes | tuple[int, Any]] | None = None,
    ) -> None:
        self.socket = socket
        self.containers = containers
        self.hang = hang
        #: Replies that replace the Engine API's, by path: a broken or foreign server.
        self.replies = replies or {}
        #: ``GET /containers/{id}/logs`` bodies by container id (bytes, sent chunked as dockerd
        #: does), or (status, JSON) for an error such as a logging driver that cannot be read.
        self.logs = logs or {}
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append(self.path)
                if api.hang:
                    time.sleep(60)
                    return
                path = urlsplit(self.path).path
                cid = path.split("/")[2] if path.startswith("/containers/") and path.endswith("/logs") else None
                if cid is not None and isinstance(api.logs.get(cid), bytes):
                    self._stream(api.logs[cid])
                    return
                if cid is not None and cid in api.logs:
                    self._send(*api.logs[cid])  # type: ignore[misc]
                    return
                self._send(*api.answer(path))

            def _stream(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(body), 1000):
                    piece = body[start : start + 1000]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

            def address_string(self) -> str:
                return "unix"

        self._server = _Server(str(socket), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, Any]:
        if path in self.replies:
            return 200, self.replies[path]
        if path == "/version":
            return 200, {"Version": "20.10.24+dfsg1", "ApiVersion": "1.41", "Os": "linux"}
        if path == "/containers/json":
            return 200, [row(c) for c in self.containers]
        for c in self.containers:
            if path == f"/containers/{c['Id']}/json":
                return 200, c
        return 404, {"message": f"No such container: {path}"}

    def __enter__(self) -> EngineApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.socket.unlink(missing_ok=True)
