"""`health` says when the application's route is not its own direct check's.

health stays direct (it answers "is the service up" every few seconds in a healthcheck);
with a proxy on the application's route, or a CA bundle that cannot work, a warning says
so and JSON carries ``result.route``. Real servers on loopback: LocalStack, an HTTP and an
https service (a private CA), Redis, and a denying proxy that must never be asked.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import probe_fixtures
from tests.conftest import cli_env, need, run_cli
from tests.support import emulators, proxies, tls
from tests.support.realservers import RedisServer
from tests.support.services import HealthServer

redis = probe_fixtures.redis


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, HealthServer]]:
    server = HealthServer(200)
    file = tmp_path / "services.toml"
    file.write_text(f'[services.web]\nhost = "127.0.0.1"\nport = {server.port}\nhealth_path = "/healthz"\n')
    yield file, server
    server.close()


def env_for(**extra: str) -> dict[str, str]:
    return cli_env(NO_COLOR="1", **extra)


def test_the_emulator_check_warns_about_the_applications_proxy(localstack: emulators.Emulator) -> None:
    with proxies.running("deny") as proxy:
        env = env_for(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(localstack.port), HTTP_PROXY=proxy.url)
        out = run_cli("health", env=env)
        doc = json.loads(run_cli("health", "--json", env=env).stdout)
        assert proxy.seen == [], "health itself goes direct"
    warning = (
        f"the application's AWS calls (botocore) to {localstack.url} go through proxy {proxy.url} (HTTP_PROXY), "
        "while this check went direct; `foundry-discover doctor localstack` checks that route"
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == f"warning: {warning}\n"
    assert doc["exit_code"] == 0 and doc["warnings"] == [warning]
    route = doc["result"]["route"]
    assert (route["client"], route["proxy"], route["variable"], route["entry"]) == (
        "botocore",
        proxy.url,
        "HTTP_PROXY",
        "127.0.0.1",
    )


def test_a_service_check_warns_with_httpx_rules(web: tuple[Path, HealthServer]) -> None:
    file, server = web
    with proxies.running("deny") as proxy:
        out = run_cli("--registry", str(file), "health", "web", env=env_for(https_proxy="x:1", HTTP_PROXY=proxy.url))
        direct = run_cli(
            "--registry", str(file), "health", "web", "--json", env=env_for(HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1")
        )
        assert proxy.seen == []
    assert out.returncode == 0, out.stderr
    assert out.stderr == (
        f"warning: the application's HTTP clients (httpx) to {server_url(server)} go through proxy {proxy.url} "
        "(HTTP_PROXY), while this check went direct; `foundry-discover --registry "
        f"{file} doctor web` checks that route\n"
    )
    doc = json.loads(direct.stdout)
    assert doc["warnings"] == []
    assert doc["result"]["route"]["bypassed_by"] == "127.0.0.1" and doc["result"]["route"]["proxy"] is None


def server_url(server: HealthServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def test_health_all_warns_per_service(localstack: emulators.Emulator, web: tuple[Path, HealthServer]) -> None:
    file, _ = web
    others = ("BACKEND", "COMPILER", "REDIS", "POSTGRES", "LIVEKIT")  # every built-in on loopback: no DNS
    env = env_for(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(localstack.port),
        HTTP_PROXY="http://127.0.0.1:3128",
        NO_PROXY="localhost",
        **{f"SVC_{n}_HOST": "127.0.0.1" for n in others},
        **{f"{n}_PORT": str(emulators.free_port()) for n in others},
    )
    out = run_cli("--registry", str(file), "health", "--all", "--json", env=env)
    doc = json.loads(out.stdout)
    rows = {s["name"]: s for s in doc["result"]["services"]}
    http_rows = [n for n, s in rows.items() if s["url"].startswith("http:")]
    assert sorted(http_rows) == ["BACKEND", "COMPILER", "LIVEKIT", "LOCALSTACK", "WEB"]
    warned = {w.split(" to ")[1].split(" go ")[0] for w in doc["warnings"]}
    assert warned == {rows[n]["url"] for n in http_rows}
    assert all(
        "go through proxy http://127.0.0.1:3128 (HTTP_PROXY), while this check went direct" in w
        for w in doc["warnings"]
    )
    assert rows["REDIS"]["route"] is None and rows["POSTGRES"]["route"] is None
    assert rows["LOCALSTACK"]["route"]["client"] == "botocore"
    assert rows["WEB"]["route"]["client"] == "httpx"


def test_health_redis_never_loads_the_route_rules(redis: RedisServer) -> None:
    """A proxy variable does not touch a Redis healthcheck: no HTTP, no route rules imported."""
    code = (
        "import sys\nfrom foundry_discover.lite.main import main\n"
        "sys.argv = ['foundry-discover', 'health', 'redis']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    print('CODE', exc.code)\n"
        "print('LOADED', [m for m in sys.modules if m.startswith('foundry_discover.checks')])\n"
    )
    env = env_for(SVC_REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port), HTTP_PROXY="http://127.0.0.1:3128")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "CODE 0" in out.stdout and "LOADED []" in out.stdout, out.stdout + out.stderr
    assert "warning" not in out.stderr


class Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_an_https_service_and_its_ca_bundle(tmp_path: Path) -> None:
    need(tls.available(), "the openssl command is not installed")
    with tls.authority() as ca, tls.serving(Healthz, ca) as url:
        port = url.rsplit(":", 1)[1]
        file = tmp_path / "services.toml"
        file.write_text(
            f'[services.api]\nhost = "127.0.0.1"\nport = {port}\nscheme = "https"\nhealth_path = "/healthz"\n'
        )
        good = run_cli("--registry", str(file), "health", "api", env=env_for(SSL_CERT_FILE=str(ca.ca)))
        bad = run_cli("--registry", str(file), "health", "api", env=env_for(SSL_CERT_FILE="/nonexistent/ca.pem"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "warning" not in good.stderr
    assert bad.returncode == 1
    assert bad.stderr.startswith(
        "warning: SSL_CERT_FILE=/nonexistent/ca.pem does not exist: HTTP clients that read the environment (httpx) "
        "cannot start, so cannot reach api. Point SSL_CERT_FILE at a PEM file of CA certificates "
        "(e.g. /etc/ssl/certs/ca-certificates.crt), or unset it\n"
    )
    assert (
        f"\nerror: api at {url} is unhealthy: TLS with 127.0.0.1:{port} failed ([SSL: CERTIFICATE_VERIFY_FAILED]"
        in (bad.stderr)
    )
