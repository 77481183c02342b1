"""`secret` on the application's HTTP route: through the proxy the environment names, as botocore goes.

Real forward proxies on loopback (tests/support/proxies.py) that forward, deny (403, as
Squid does), want authentication (407), hang, or are not there (a closed port); a real
LocalStack behind them where the call must succeed. Every message and exit code is
asserted, and the proxy's password never appears.
"""

from __future__ import annotations

import json

import pytest

from tests import secret_fixtures
from tests.secret_fixtures import SecretCli, closed_port
from tests.support import proxies
from tests.support.emulators import Emulator

cli = secret_fixtures.cli  # the recording CLI with its leak check, for every test here

SQUID = "Server: `squid/6.10`, Via: `1.1 corp-proxy (squid/6.10)`"


def where(port: int) -> str:
    return f"Secrets Manager at http://127.0.0.1:{port} (development, region us-east-1)"


def direct(proxy_var: str = "HTTP_PROXY") -> str:
    return f"add 127.0.0.1 to NO_PROXY: NO_PROXY=127.0.0.1; or unset {proxy_var} for this container"


def test_through_a_forwarding_proxy_as_botocore_goes(localstack: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    value = cli.store("through-the-proxy-" + name)
    cli.boto(localstack).create_secret(Name=name, SecretString=value)
    with proxies.running("forward") as proxy:
        got = cli.at(localstack)("secret", "get", name, "--raw", reveals=True, HTTP_PROXY=proxy.url)
        assert got.exit_code == 0, got.output
        assert got.stdout == value
        # botocore sent it to the proxy, in absolute form, as the application's client does.
        assert [s.method for s in proxy.seen] == ["POST"]
        assert proxy.seen[0].target == f"http://127.0.0.1:{localstack.port}/"
        shown = cli("secret", "get", name, HTTP_PROXY=proxy.url)
        assert f"route        botocore goes through proxy {proxy.url} (HTTP_PROXY)\n" in shown.stdout
        doc = json.loads(cli("secret", "get", name, "--json", HTTP_PROXY=proxy.url).stdout)
    route = doc["result"]["client"]["route"]
    assert route["client"] == "botocore" and route["proxy"] == proxy.url and route["variable"] == "HTTP_PROXY"
    assert route["entry"] == "127.0.0.1" and route["fix_variable"] == "NO_PROXY" and route["bypassed_by"] is None
    assert doc["result"]["client"]["ca_bundle"]["client"] == "botocore"


def test_no_proxy_sends_it_direct(localstack: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(localstack).create_secret(Name=name, SecretString=cli.store("direct-" + name))
    with proxies.running("deny") as proxy:
        env = {"HTTP_PROXY": proxy.url, "NO_PROXY": "localhost,.127.0.0.1"}
        got = cli.at(localstack)("secret", "get", name, "--explain", **env)
        assert got.exit_code == 0, got.output
        assert proxy.seen == []
    assert "route        botocore goes direct: NO_PROXY entry '.127.0.0.1' matches\n" in got.stdout
    assert "CA bundle    not used: the URL is http\n" in got.stdout
    assert "route" not in cli("secret", "get", name, **env).stdout, "a direct route is shown by --explain only"


def test_a_denying_proxy_is_named_with_the_entry_to_add(cli: SecretCli) -> None:
    port = closed_port()
    with proxies.running("deny") as proxy:
        cli.base_env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port))
        listed = cli("secret", "list", HTTP_PROXY=proxy.url)
        doc = json.loads(cli("secret", "list", "--json", HTTP_PROXY=proxy.url).stdout)
    message = (
        f"proxy {proxy.url} (HTTP_PROXY) denied {where(port)}: HTTP 403 Forbidden from the proxy ({SQUID}, "
        "X-Squid-Error: `ERR_ACCESS_DENIED 0`); the application's botocore takes the same route"
    )
    assert listed.exit_code == 4
    assert listed.stderr == f"error: {message}. {direct()[0].upper()}{direct()[1:]}\n"
    assert doc["exit_code"] == 4 and doc["error"]["type"] == "unreachable"
    assert doc["error"]["message"] == message
    assert "Access Denied" not in listed.stderr, "the proxy's page is never quoted"


def test_an_empty_no_proxy_hides_no_proxy_and_the_fix_says_so(cli: SecretCli) -> None:
    port = closed_port()
    with proxies.running("deny") as proxy:
        cli.base_env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port))
        listed = cli("secret", "list", HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1", no_proxy="")
    assert listed.exit_code == 4
    assert listed.stderr.endswith(
        ". Add 127.0.0.1 to no_proxy (it wins over NO_PROXY; keep both alike): no_proxy=127.0.0.1; "
        "or unset HTTP_PROXY for this container (now: NO_PROXY is set but no_proxy hides it)\n"
    )


def test_a_glob_in_no_proxy_is_named_as_never_matching(cli: SecretCli) -> None:
    port = closed_port()
    with proxies.running("deny") as proxy:
        cli.base_env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port))
        listed = cli("secret", "list", "--explain", http_proxy=proxy.url, no_proxy="*.0.0.1")
    assert listed.exit_code == 4
    note = "'*.0.0.1': urllib, so botocore, has no wildcards; write 0.0.1 to match it and its subdomains"
    assert f"             {note}\n" in listed.stdout
    assert listed.stderr.endswith(
        ". Add 127.0.0.1 to no_proxy (it wins over NO_PROXY; keep both alike): no_proxy=*.0.0.1,127.0.0.1; "
        f"or unset http_proxy for this container (now: {note})\n"
    )


def test_a_proxy_that_wants_authentication(localstack: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(localstack).create_secret(Name=name, SecretString=cli.store("auth-" + name))
    with proxies.running("auth") as proxy:
        cli.values.append(proxy.password.encode())
        cli.at(localstack)
        asked = cli("secret", "get", name, HTTP_PROXY=proxy.url)
        wrong = cli("secret", "get", name, HTTP_PROXY=f"http://{proxy.user}:wrong-pass@127.0.0.1:{proxy.port}")
        right = cli("secret", "get", name, HTTP_PROXY=proxy.url_with_credentials)
    said = (
        f"HTTP 407 Proxy Authentication Required from the proxy ({SQUID}, X-Squid-Error: `ERR_CACHE_ACCESS_DENIED 0`, "
        'Proxy-Authenticate: `Basic realm="corp proxy"`)'
    )
    assert asked.exit_code == 4
    assert asked.stderr == (
        f"error: proxy {proxy.url} (HTTP_PROXY) requires authentication for {where(localstack.port)}: {said}; "
        "the application's botocore takes the same route. Put the proxy's user and password in HTTP_PROXY "
        f"(http://USER:PASSWORD@HOST:PORT); or go direct: {direct()}\n"
    )
    assert wrong.exit_code == 4
    assert wrong.stderr.startswith(
        f"error: proxy {proxy.url} (HTTP_PROXY, with credentials) rejected its credentials for {where(localstack.port)}"
    )
    assert "wrong-pass" not in wrong.stderr
    assert "Check the user and password in HTTP_PROXY; or go direct: " in wrong.stderr
    assert right.exit_code == 0, right.output
    assert f"route        botocore goes through proxy {proxy.url} (HTTP_PROXY, with credentials)\n" in right.stdout


def test_a_refused_proxy(cli: SecretCli) -> None:
    port, proxy_port = closed_port(), closed_port()
    cli.base_env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port))
    listed = cli("secret", "list", HTTP_PROXY=f"127.0.0.1:{proxy_port}")
    assert listed.exit_code == 4
    assert listed.stderr == (
        f"error: proxy http://127.0.0.1:{proxy_port} (HTTP_PROXY) refused the connection (nothing listens there), "
        f"so {where(port)} was not reached; the application's botocore takes the same route. "
        f"Check HTTP_PROXY (host and port of a running proxy); or go direct: {direct()}\n"
    )


@pytest.mark.timeout(60)
def test_a_hung_proxy_is_named_within_the_deadline(cli: SecretCli) -> None:
    import time

    port = closed_port()
    with proxies.running("hang") as proxy:
        cli.base_env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(port))
        started = time.monotonic()
        listed = cli("secret", "list", "--timeout", "2", HTTP_PROXY=proxy.url)
        took = time.monotonic() - started
    assert listed.exit_code == 4
    assert took < 4, took
    assert listed.stderr == (
        f"error: no reply through proxy {proxy.url} (HTTP_PROXY) within 2s (--timeout) for {where(port)}: "
        "the proxy (or what it forwards to) hangs; the application's botocore takes the same route. "
        f"Check the proxy in HTTP_PROXY; or go direct: {direct()}\n"
    )


def test_the_services_own_errors_through_a_proxy_stay_the_services(localstack: Emulator, cli: SecretCli) -> None:
    """A forwarded reply carries the proxy's Via header too; an AWS error code in it is the service's."""
    from tests.support.secret_server import Canned, serve

    with proxies.running("forward") as proxy:
        missing = cli.at(localstack)("secret", "get", cli.unique("fd-missing"), HTTP_PROXY=proxy.url)
        body = b'{"__type": "AccessDeniedException", "message": "no"}'
        with serve(Canned(400, body)) as url:
            port = url.rsplit(":", 1)[1]
            denied = cli("secret", "get", "app/db", HTTP_PROXY=proxy.url, LOCALSTACK_PORT=port)
    assert missing.exit_code == 1 and " not found at " in missing.stderr and "proxy" not in missing.stderr
    assert denied.exit_code == 1
    assert denied.stderr.startswith(f"error: access denied to secret 'app/db' at http://127.0.0.1:{port} ")
    assert "proxy" not in denied.stderr
