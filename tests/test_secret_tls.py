"""`secret` against an https endpoint: the CA bundle botocore uses, and https through a proxy.

A private CA (openssl) signs the certificate of a Secrets Manager stand-in served over
TLS on loopback; production mode with ``--allow-non-aws-endpoint`` points the client at
it. Nothing leaves the machine: the endpoint and every proxy are on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator

import pytest

from tests import secret_fixtures
from tests.conftest import need
from tests.secret_fixtures import SecretCli
from tests.support import proxies, tls

cli = secret_fixtures.cli  # the recording CLI with its leak check, for every test here


class Listing(http.server.BaseHTTPRequestHandler):
    """Secrets Manager's ListSecrets, answered with an empty list."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"SecretList": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "fd-test")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint(clean_env: pytest.MonkeyPatch) -> Iterator[tuple[str, tls.Authority]]:
    need(tls.available(), "the openssl command is not installed")
    for variable in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE"):
        clean_env.delenv(variable, raising=False)
    with tls.authority() as ca, tls.serving(Listing, ca) as url:
        yield url, ca


def production(url: str, **extra: str) -> dict[str, str]:
    env = dict(
        ENVIRONMENT="production",
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_ENDPOINT_URL_SECRETS_MANAGER=url,
    )
    env.update(extra)
    return env


def at(url: str) -> str:
    return f"Secrets Manager at {url} (production, region us-east-1)"


def test_the_bundle_botocore_uses_is_shown_and_works(endpoint: tuple[str, tls.Authority], cli: SecretCli) -> None:
    url, ca = endpoint
    listed = cli("secret", "list", "--explain", "--allow-non-aws-endpoint", **production(url, AWS_CA_BUNDLE=str(ca.ca)))
    assert listed.exit_code == 0, listed.output
    assert f"CA bundle    AWS_CA_BUNDLE={ca.ca}\n" in listed.stdout
    via_requests = cli(
        "secret", "list", "--explain", "--allow-non-aws-endpoint", **production(url, REQUESTS_CA_BUNDLE=str(ca.ca))
    )
    assert via_requests.exit_code == 0, via_requests.output
    assert f"CA bundle    REQUESTS_CA_BUNDLE={ca.ca}\n" in via_requests.stdout
    both = production(url, AWS_CA_BUNDLE=str(ca.ca), REQUESTS_CA_BUNDLE="/nonexistent/requests.pem")
    doc = json.loads(cli("secret", "list", "--json", "--allow-non-aws-endpoint", **both).stdout)
    assert doc["exit_code"] == 0
    assert doc["result"]["client"]["ca_bundle"]["settings"] == [
        {"variable": "AWS_CA_BUNDLE", "path": str(ca.ca), "used": True, "problem": None},
        {"variable": "REQUESTS_CA_BUNDLE", "path": "/nonexistent/requests.pem", "used": False, "problem": None},
    ]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda ca: "/nonexistent/ca.pem", "does not exist"),
        (lambda ca: str(ca.folder), "is a folder, not a file"),
        (lambda ca: str(ca.key.with_name("junk.pem")), "holds no PEM certificate (NO_CERTIFICATE_OR_CRL_FOUND)"),
    ],
)
def test_a_bad_bundle_is_named(endpoint: tuple[str, tls.Authority], cli: SecretCli, make: object, problem: str) -> None:
    url, ca = endpoint
    (ca.folder / "junk.pem").write_text("not a certificate\n")
    path = make(ca)  # type: ignore[operator]
    listed = cli("secret", "list", "--allow-non-aws-endpoint", **production(url, AWS_CA_BUNDLE=path))
    assert listed.exit_code == 4
    assert (
        f"warning: AWS_CA_BUNDLE={path} {problem}: "
        "botocore fails every https call to Secrets Manager with a TLS error\n" in listed.stderr
    )
    assert listed.stderr.endswith(
        f"error: cannot reach {at(url)}: TLS failed: AWS_CA_BUNDLE={path} {problem}. "
        "Point AWS_CA_BUNDLE at a PEM file of CA certificates (e.g. /etc/ssl/certs/ca-certificates.crt), or unset it\n"
    )


def test_a_bundle_without_the_endpoints_ca(endpoint: tuple[str, tls.Authority], cli: SecretCli) -> None:
    url, _ = endpoint
    with tls.authority() as other:
        system = str(other.ca)
        listed = cli("secret", "list", "--allow-non-aws-endpoint", **production(url, REQUESTS_CA_BUNDLE=system))
    assert listed.exit_code == 4
    assert listed.stderr.endswith(
        f"error: cannot reach {at(url)}: TLS failed: the certificate is not signed by a CA in "
        f"REQUESTS_CA_BUNDLE={system}. Add the endpoint's CA to {system}, or point REQUESTS_CA_BUNDLE at a "
        "bundle that holds it\n"
    )


def test_an_empty_bundle_variable_stops_the_client(endpoint: tuple[str, tls.Authority], cli: SecretCli) -> None:
    url, _ = endpoint
    listed = cli("secret", "list", "--allow-non-aws-endpoint", **production(url, AWS_CA_BUNDLE=""))
    assert listed.exit_code == 3
    assert listed.stderr == (
        "error: AWS_CA_BUNDLE='' is empty, which botocore refuses (InvalidConfigError). "
        "Point AWS_CA_BUNDLE at a PEM file of CA certificates (e.g. /etc/ssl/certs/ca-certificates.crt), or unset it\n"
    )


def test_https_through_proxies(endpoint: tuple[str, tls.Authority], cli: SecretCli) -> None:
    url, ca = endpoint
    with proxies.running("forward") as proxy:
        env = production(url, AWS_CA_BUNDLE=str(ca.ca), HTTPS_PROXY=proxy.url, HTTP_PROXY="http://127.0.0.1:9")
        listed = cli("secret", "list", "--explain", "--allow-non-aws-endpoint", **env)
        assert listed.exit_code == 0, listed.output
        assert [(s.method, s.target) for s in proxy.seen] == [("CONNECT", url.removeprefix("https://"))]
    assert f"route        botocore goes through proxy {proxy.url} (HTTPS_PROXY)\n" in listed.stdout
    with proxies.running("deny") as proxy:
        env = production(url, AWS_CA_BUNDLE=str(ca.ca), https_proxy=proxy.url)
        denied = cli("secret", "list", "--allow-non-aws-endpoint", **env)
    assert denied.exit_code == 4
    assert denied.stderr.endswith(
        f"error: proxy {proxy.url} (https_proxy) denied {at(url)}: HTTP 403 Forbidden from the proxy; "
        "the application's botocore takes the same route. Add 127.0.0.1 to NO_PROXY: NO_PROXY=127.0.0.1; "
        "or unset https_proxy for this container\n"
    )
