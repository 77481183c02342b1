"""`doctor` on the application's route: when a proxy is on it, the protocol step asks along it too.

Real pieces on loopback: LocalStack, an HTTP service with a health path, and forward
proxies that forward, deny (403), deny only POSTs, want authentication (407), hang, or
are not there. botocore's rules decide LocalStack's route, httpx's the web service's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli_env, run_cli
from tests.support import emulators, proxies
from tests.support.services import HealthServer
from tests.test_json_contract import check_envelope

SQUID = "Server: `squid/6.10`, Via: `1.1 corp-proxy (squid/6.10)`"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, HealthServer]]:
    """WEB declared with scheme http and a health path, served by a real HTTP server."""
    server = HealthServer(200)
    file = tmp_path_factory.mktemp("proxy") / "services.toml"
    file.write_text(f'[services.web]\nhost = "127.0.0.1"\nport = {server.port}\nhealth_path = "/healthz"\n')
    yield file, server
    server.close()


def doctor(file: Path, ls: emulators.Emulator, *args: str, **env: str) -> tuple[int, dict[str, Any], str]:
    base = dict(
        AWS_EC2_METADATA_DISABLED="true",
        ENVIRONMENT="development",
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(ls.port),
        AWS_CONFIG_FILE="/nonexistent/config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials",
    )
    out = run_cli("--registry", str(file), "doctor", "localstack", "web", *args, "--json", env=cli_env(**base, **env))
    doc = json.loads(out.stdout)
    check_envelope(doc, "doctor")
    assert doc["exit_code"] == out.returncode
    assert "Traceback" not in out.stderr
    return out.returncode, doc, out.stderr


def steps(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return next(s for s in doc["result"]["services"] if s["name"] == name)["steps"]  # type: ignore[no-any-return]


def statuses(doc: dict[str, Any], name: str) -> list[str]:
    return [s["status"] for s in steps(doc, name)]


def health(ls: emulators.Emulator) -> str:
    return f"GET http://127.0.0.1:{ls.port}/_localstack/health"


def healthz(server: HealthServer) -> str:
    return f"GET http://127.0.0.1:{server.port}/healthz"


def go_direct(variable: str = "HTTP_PROXY") -> str:
    return f"add 127.0.0.1 to NO_PROXY: NO_PROXY=127.0.0.1; or unset {variable} for this container"


BOTO = "the application's botocore takes the same route"
HTTPX = "the application's HTTP clients (httpx) take the same route"


def test_a_forwarding_proxy_is_on_the_route_and_works(
    localstack: emulators.Emulator, web: tuple[Path, HealthServer]
) -> None:
    file, server = web
    with proxies.running("forward") as proxy:
        code, doc, _ = doctor(file, localstack, HTTP_PROXY=proxy.url)
        seen = [(s.method, s.target) for s in proxy.seen]
    assert code == 0, doc
    ls_step, web_step = steps(doc, "LOCALSTACK")[3], steps(doc, "WEB")[3]
    assert ls_step["detail"].endswith(
        f"is healthy; the application's AWS calls (botocore) go through proxy {proxy.url} (HTTP_PROXY), "
        "not direct as this check did: HTTP 200 there too"
    )
    assert web_step["detail"].endswith(
        f"; the application's HTTP clients (httpx) go through proxy {proxy.url} (HTTP_PROXY), "
        "not direct as this check did: HTTP 200 there too"
    )
    assert web_step["data"]["route"]["client"] == "httpx" and web_step["data"]["route"]["proxy"] == proxy.url
    assert ls_step["data"]["along_route"]["status"] == 200
    assert ls_step["data"]["along_route"]["answered_by"].endswith("Via: `1.1 corp-proxy (squid/6.10)`")
    # The protocol step asked along the route, and the aws step's botocore went the same way.
    assert ("GET", f"http://127.0.0.1:{localstack.port}/_localstack/health") in seen
    assert ("GET", f"http://127.0.0.1:{server.port}/healthz") in seen
    assert ("POST", f"http://127.0.0.1:{localstack.port}/") in seen


def test_a_denying_proxy_fails_the_protocol_step(
    localstack: emulators.Emulator, web: tuple[Path, HealthServer]
) -> None:
    file, server = web
    with proxies.running("deny") as proxy:
        code, doc, err = doctor(file, localstack, HTTP_PROXY=proxy.url)
    assert code == 4
    assert statuses(doc, "LOCALSTACK") == ["pass", "pass", "pass", "fail", "skip"]
    assert statuses(doc, "WEB") == ["pass", "pass", "pass", "fail", "skip"]
    ls_step, web_step = steps(doc, "LOCALSTACK")[3], steps(doc, "WEB")[3]
    denied = f"HTTP 403 Forbidden from the proxy ({SQUID}, X-Squid-Error: `ERR_ACCESS_DENIED 0`)"
    assert ls_step["detail"].endswith(
        f"is healthy directly, but proxy {proxy.url} (HTTP_PROXY) denied {health(localstack)}: {denied}; {BOTO}"
    )
    assert web_step["detail"].startswith("GET /healthz answered HTTP 200 (Server: BaseHTTP/")
    assert web_step["detail"].endswith(
        f" directly, but proxy {proxy.url} (HTTP_PROXY) denied {healthz(server)}: {denied}; {HTTPX}"
    )
    fix = "Add 127.0.0.1 to NO_PROXY: NO_PROXY=127.0.0.1; or unset HTTP_PROXY for this container"
    assert ls_step["fix"] == fix and web_step["fix"] == fix
    assert ls_step["exit_code"] == 4
    assert err == (
        "error: 2 of 2 services fail: localstack (protocol), web (protocol). Each failing step shows its own fix "
        "(see above, or `failed_step` and `steps` in --json)\n"
    )


def test_a_proxy_that_denies_only_the_aws_call(localstack: emulators.Emulator, web: tuple[Path, HealthServer]) -> None:
    """The issue's own case: health checks pass, the application's Secrets Manager call is refused."""
    file, _ = web
    with proxies.running("deny-post") as proxy:
        code, doc, _ = doctor(file, localstack, HTTP_PROXY=proxy.url)
    assert code == 4
    assert statuses(doc, "LOCALSTACK") == ["pass", "pass", "pass", "pass", "fail"]
    aws = steps(doc, "LOCALSTACK")[4]
    assert aws["detail"] == (
        f"proxy {proxy.url} (HTTP_PROXY) denied Secrets Manager at http://127.0.0.1:{localstack.port} "
        f"(development, region us-east-1): HTTP 403 Forbidden from the proxy ({SQUID}, "
        f"X-Squid-Error: `ERR_ACCESS_DENIED 0`); {BOTO}"
    )
    assert aws["fix"] == "Add 127.0.0.1 to NO_PROXY: NO_PROXY=127.0.0.1; or unset HTTP_PROXY for this container"


def test_a_proxy_that_wants_credentials(localstack: emulators.Emulator, web: tuple[Path, HealthServer]) -> None:
    file, _ = web
    with proxies.running("auth") as proxy:
        code, doc, err = doctor(file, localstack, HTTP_PROXY=proxy.url)
        good, _, good_err = doctor(file, localstack, HTTP_PROXY=proxy.url_with_credentials)
    assert code == 4
    ls_step = steps(doc, "LOCALSTACK")[3]
    assert f"is healthy directly, but proxy {proxy.url} (HTTP_PROXY) requires authentication for " in ls_step["detail"]
    assert 'Proxy-Authenticate: `Basic realm="corp proxy"`)' in ls_step["detail"]
    assert ls_step["fix"] == (
        f"Put the proxy's user and password in HTTP_PROXY (http://USER:PASSWORD@HOST:PORT); or go direct: {go_direct()}"
    )
    assert good == 0, good_err
    assert proxy.password not in good_err and proxy.password not in err


def test_a_refused_and_a_hung_proxy(localstack: emulators.Emulator, web: tuple[Path, HealthServer]) -> None:
    file, server = web
    closed = emulators.free_port()
    code, doc, _ = doctor(file, localstack, HTTP_PROXY=f"http://127.0.0.1:{closed}")
    assert code == 4
    assert steps(doc, "WEB")[3]["detail"].endswith(
        f" directly, but proxy http://127.0.0.1:{closed} (HTTP_PROXY) refused the connection (nothing listens "
        f"there), so {healthz(server)} was not reached; {HTTPX}"
    )
    assert steps(doc, "WEB")[3]["fix"] == (
        f"Check HTTP_PROXY (host and port of a running proxy); or go direct: {go_direct()}"
    )
    with proxies.running("hang") as proxy:
        code, doc, _ = doctor(file, localstack, "--timeout", "3", HTTP_PROXY=proxy.url)
    assert code == 4
    assert steps(doc, "WEB")[3]["detail"].endswith(
        f" directly, but no reply through proxy {proxy.url} (HTTP_PROXY) within 3s for {healthz(server)}: "
        f"the proxy (or what it forwards to) hangs; {HTTPX}"
    )


def test_no_proxy_where_the_two_clients_disagree(
    localstack: emulators.Emulator, web: tuple[Path, HealthServer]
) -> None:
    """``.127.0.0.1``: urllib drops the dot (botocore goes direct), httpx reads subdomains only (via the proxy)."""
    file, server = web
    with proxies.running("deny") as proxy:
        code, doc, _ = doctor(file, localstack, HTTP_PROXY=proxy.url, NO_PROXY=".127.0.0.1")
        seen = [s.target for s in proxy.seen]
    assert code == 4
    assert statuses(doc, "LOCALSTACK") == ["pass"] * 5
    ls_step = steps(doc, "LOCALSTACK")[3]
    assert ls_step["data"]["route"]["bypassed_by"] == ".127.0.0.1"
    difference = f"httpx goes through {proxy.url} (HTTP_PROXY), botocore direct (NO_PROXY entry '.127.0.0.1')"
    assert ls_step["data"]["differences"] == [difference]
    assert ls_step["detail"].endswith(f" is healthy (note: botocore and httpx differ here: {difference})")
    assert statuses(doc, "WEB") == ["pass", "pass", "pass", "fail", "skip"]
    web_step = steps(doc, "WEB")[3]
    assert web_step["fix"] == (
        "Add 127.0.0.1 to NO_PROXY: NO_PROXY=.127.0.0.1,127.0.0.1; or unset HTTP_PROXY for this container "
        "(now: '.127.0.0.1': in httpx a leading dot means subdomains only; write 127.0.0.1 to match 127.0.0.1 itself)"
    )
    assert seen == [f"http://127.0.0.1:{server.port}/healthz"]


def test_proxy_settings_httpx_refuses(localstack: emulators.Emulator, web: tuple[Path, HealthServer]) -> None:
    file, _ = web
    with proxies.running("forward") as proxy:
        code, doc, _err = doctor(file, localstack, HTTP_PROXY=proxy.url, NO_PROXY="[::1]")
    assert code == 0, doc
    web_step = steps(doc, "WEB")[3]
    assert web_step["status"] == "warn"
    assert web_step["detail"].endswith(
        "; the application's HTTP clients (httpx) cannot start: NO_PROXY entry '[::1]' is not a URL httpx accepts "
        "(Invalid port: ':1]')"
    )
    assert web_step["fix"] == (
        "Remove or rewrite that NO_PROXY entry (httpx takes an IPv6 address bare, without brackets or a range)"
    )
    assert statuses(doc, "LOCALSTACK") == ["pass"] * 5


def test_nothing_changes_without_proxies(localstack: emulators.Emulator, web: tuple[Path, HealthServer]) -> None:
    file, _ = web
    with proxies.running("deny") as proxy:
        code, doc, _ = doctor(file, localstack, HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1")
        assert proxy.seen == []
    assert code == 0, doc
    for name in ("LOCALSTACK", "WEB"):
        step = steps(doc, name)[3]
        assert "proxy" not in step["detail"]
        assert step["data"]["route"]["bypassed_by"] == "127.0.0.1"
