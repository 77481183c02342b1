"""The route rules against the libraries' own functions: botocore's and httpx's answer is ours.

hypothesis draws environments (proxy variables in any case and order, ``NO_PROXY`` lists
with suffixes, dots, globs, CIDRs, ports, IPv6 forms, ``*``) and URLs; for each, the
libraries decide with their real code reading the real ``os.environ``, and our pure rules
must say the same: direct or which proxy, and whether httpx would not start at all.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.httpsession import ProxyConfiguration
from botocore.utils import get_environ_proxies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_discover.checks.proxy import environ
from foundry_discover.checks.proxy.model import Route, mask
from foundry_discover.checks.proxy.route import compare, route_for

LABELS = ["localstack", "api", "example", "com", "svc", "cluster", "local", "a-b", "x1"]
ADDRESSES = ["127.0.0.1", "10.1.2.3", "10.0.0.0", "[::1]", "[fe80::1]"]
NAMES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "Http_Proxy", "HTTP_proxy"]
NO_NAMES = ["NO_PROXY", "no_proxy", "No_Proxy"]
GOOD_PROXIES = ["http://127.0.0.1:3128", "proxy.corp:3128", "https://user:pw@proxy:8443", "//proxy:1", ""]
#: Values httpx refuses (no client starts) while botocore takes them, or not.
BAD_PROXIES = ["socks5://127.0.0.1:1080", "ftp://proxy", "http://proxy:abc"]


@st.composite
def hosts(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(ADDRESSES))
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=4))
    host = ".".join(labels)
    return host.upper() if draw(st.integers(0, 5)) == 0 else host


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(hosts())
    port = draw(st.sampled_from(["", ":4566", ":80", ":443", ":8080"]))
    return f"{scheme}://{host}{port}"


@st.composite
def entries(draw: st.DrawFn, host: str) -> str:
    """A NO_PROXY entry, often written for ``host`` (a suffix of it, decorated)."""
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        bare = host.strip("[]")
        labels = bare.split(".") if "[" not in host else [bare]
        suffix = ".".join(labels[draw(st.integers(0, len(labels) - 1)) :])
        if draw(st.booleans()) and "[" in host:
            suffix = f"[{suffix}]"
        prefix = draw(st.sampled_from(["", "", ".", "*.", "*", ".."]))
        port = draw(st.sampled_from(["", "", "", ":4566", ":80", ":443", ":"]))
        entry = prefix + suffix + port
        return entry.upper() if draw(st.integers(0, 4)) == 0 else entry
    if kind == 5:
        return draw(
            st.sampled_from(["10.0.0.0/8", "127.0.0.0/8", "127.0.0.1/32", "::1/128", "::1", "[::1]", "fe80::1"])
        )
    if kind == 6:
        return draw(st.sampled_from(["localhost", "LOCALHOST", "*", " * ", "", " ", "http://", "https://localstack"]))
    if kind == 7:
        return draw(st.sampled_from(["all://localstack", "all://*.com", "http://api.example.com:8080", "x.com:80"]))
    return draw(st.text(alphabet="abc.-*:/[]%@ 1", max_size=8))


@st.composite
def environments(draw: st.DrawFn, url: str) -> list[tuple[str, str]]:
    host = urlsplit(url).hostname or ""
    host = f"[{host}]" if ":" in host else host
    values = st.sampled_from(GOOD_PROXIES)
    if draw(st.integers(0, 5)) == 0:
        values = values | st.sampled_from(BAD_PROXIES)
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1 if draw(st.integers(0, 3)) else 0, max_size=4))
    pairs = [(name, draw(values)) for name in names]
    for name in draw(st.lists(st.sampled_from(NO_NAMES), max_size=2)):
        items = draw(st.lists(entries(host), max_size=4))
        sep = draw(st.sampled_from([",", ", ", " ,"]))
        pairs.append((name, sep.join(items) if draw(st.integers(0, 6)) else ""))
    if draw(st.integers(0, 9)) == 0:
        pairs.append(("REQUEST_METHOD", "GET"))
    return draw(st.permutations(pairs))


@contextlib.contextmanager
def environment(pairs: list[tuple[str, str]]) -> Iterator[dict[str, str]]:
    """os.environ with exactly these proxy variables, set in this order; restored after."""
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.lower().endswith("_proxy") or key == "REQUEST_METHOD":
            del os.environ[key]
    for key, value in pairs:
        os.environ[key] = value
    try:
        yield dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def botocore_proxy(url: str) -> str | None:
    """botocore's own answer: the proxy its HTTP session would use for ``url``."""
    found = ProxyConfiguration(proxies=get_environ_proxies(url)).proxy_url_for(url)
    return mask(found)[0] if found else None


def httpx_proxy(url: str) -> tuple[str | None, bool]:
    """httpx's own answer: the proxy a trust_env client sends ``url`` to, and whether it started."""
    try:
        client = httpx.Client(verify=False)
    except (httpx.InvalidURL, ValueError, ImportError):
        return None, False
    with client:
        transport = client._transport_for_url(httpx.URL(url))
        if transport is client._transport:
            return None, True
        key = next(p.pattern for p, t in client._mounts.items() if t is transport)
        from httpx._utils import get_environment_proxies

        value = get_environment_proxies()[key]
        assert value is not None
        return mask(value)[0], True


def assert_same(url: str, pairs: list[tuple[str, str]]) -> tuple[Route, Route]:
    with environment(pairs) as env:
        boto = route_for(url, env, "botocore")
        hx = route_for(url, env, "httpx")
        assert boto.proxy == botocore_proxy(url), (url, pairs, boto)
        proxy, started = httpx_proxy(url)
        assert (hx.error is None) == started, (url, pairs, hx)
        if started:
            assert hx.proxy == proxy, (url, pairs, hx)
        assert environ.read(env).as_dict() == __import__("urllib.request").request.getproxies_environment()
    return boto, hx


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_our_route_is_the_libraries_route(data: st.DataObject) -> None:
    url = data.draw(urls())
    assert_same(url, data.draw(environments(url)))


@pytest.mark.parametrize(
    ("url", "pairs", "boto_direct", "httpx_direct"),
    [
        # An empty lower-case no_proxy hides NO_PROXY in both.
        ("http://localstack:4566", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "localstack"), ("no_proxy", "")], False, False),
        # A leading dot: urllib strips it (the domain itself matches), httpx means subdomains only.
        ("http://example.com", [("HTTP_PROXY", "p:1"), ("NO_PROXY", ".example.com")], True, False),
        ("http://api.example.com", [("HTTP_PROXY", "p:1"), ("NO_PROXY", ".example.com")], True, True),
        # A glob never matches in either.
        ("http://api.example.com", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "*.example.com")], False, False),
        # A CIDR: never in urllib; in httpx only the network's own address.
        ("http://10.1.2.3", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/8")], False, False),
        ("http://10.0.0.0", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/8")], False, True),
        # "*" among other entries: nothing in urllib, everything in httpx.
        ("http://localstack:4566", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "foo,*")], False, True),
        # A port in the entry: urllib compares the netloc as written; httpx the URL's port.
        ("http://localstack:4566", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "localstack:4566")], True, True),
        ("http://localstack", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "localstack:80")], False, False),
        # IPv6: urllib needs brackets (which stop httpx from starting: below), httpx the bare address.
        ("http://[::1]:4566", [("HTTP_PROXY", "p:1"), ("NO_PROXY", "::1")], False, True),
        # ALL_PROXY: httpx only.
        ("https://localstack:4566", [("ALL_PROXY", "p:1")], True, False),
        # CGI: an upper-case HTTP_PROXY is dropped when REQUEST_METHOD is set.
        ("http://localstack:4566", [("HTTP_PROXY", "p:1"), ("REQUEST_METHOD", "GET")], True, True),
    ],
)
def test_known_differences(url: str, pairs: list[tuple[str, str]], boto_direct: bool, httpx_direct: bool) -> None:
    boto, hx = assert_same(url, pairs)
    assert (not boto.via_proxy) == boto_direct and (not hx.via_proxy) == httpx_direct, (boto, hx)


def test_httpx_refuses_to_start_where_botocore_starts() -> None:
    for entry in ("[::1]", "::1/128", "foo:bar"):
        boto, hx = assert_same("http://localstack:4566", [("HTTP_PROXY", "p:1"), ("NO_PROXY", entry)])
        assert hx.error is not None and f"NO_PROXY entry {entry!r} is not a URL httpx accepts" in hx.error
        assert boto.error is None and boto.via_proxy
    with environment([("HTTP_PROXY", "p:1"), ("NO_PROXY", "[::1]")]) as env:
        found = compare("http://localstack:4566", env)
    assert found.differences == [
        "httpx cannot start with these settings (NO_PROXY entry '[::1]' is not a URL httpx accepts "
        "(Invalid port: ':1]')); botocore can"
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_entry_we_name_bypasses_and_the_fix_works(data: st.DataObject) -> None:
    """The entry we say bypassed a URL does so alone; the entry our fix adds sends it direct."""
    url = data.draw(urls())
    pairs = data.draw(environments(url))
    with environment(pairs) as env:
        boto = route_for(url, env, "botocore")
        hx = route_for(url, env, "httpx")
    for route, decide in ((boto, botocore_proxy), (hx, lambda u: httpx_proxy(u)[0])):
        proxies = [(k, v) for k, v in pairs if not k.lower().endswith("no_proxy")]
        if route.bypassed_by is not None:
            with environment([*proxies, ("no_proxy", route.bypassed_by)]):
                assert decide(url) is None, (url, route)
        if route.via_proxy and route.error is None:
            assert route.entry is not None and route.fix_value is not None
            others = [(k, v) for k, v in pairs if k != route.fix_variable]
            with environment([*others, (route.fix_variable, route.fix_value)]):
                again = route_for(url, dict(os.environ), route.client)
                if again.error is None:
                    assert decide(url) is None, (url, route)


def test_messages_name_the_variable_and_the_entry() -> None:
    pairs = [
        ("NO_PROXY", "127.0.0.1,localhost"),
        ("https_proxy", "http://corp:s3cret@proxy:3128"),
        ("HTTP_PROXY", "http://proxy:3128"),
    ]
    with environment(pairs) as env:
        boto = route_for("http://localstack:4566", env, "botocore")
        tls = route_for("https://localstack:4566", env, "botocore")
    assert boto.summary() == "botocore goes through proxy http://proxy:3128 (HTTP_PROXY)"
    assert boto.fix() == (
        "Add localstack to NO_PROXY: NO_PROXY=127.0.0.1,localhost,localstack; or unset HTTP_PROXY for this container"
    )
    assert tls.proxy_text == "http://proxy:3128 (https_proxy, with credentials)"
    assert "s3cret" not in repr(tls)
    with environment([("HTTP_PROXY", "p:1"), ("NO_PROXY", "127.0.0.1"), ("no_proxy", "")]) as env:
        hidden = route_for("http://localstack:4566", env, "botocore")
    assert hidden.hidden == ("NO_PROXY is set but no_proxy hides it",)
    assert hidden.fix() == (
        "Add localstack to no_proxy (it wins over NO_PROXY; keep both alike): no_proxy=127.0.0.1,localstack; "
        "or unset HTTP_PROXY for this container (now: NO_PROXY is set but no_proxy hides it)"
    )
    with environment([("HTTP_PROXY", "p:1"), ("NO_PROXY", "*.cluster.local,10.0.0.0/8")]) as env:
        glob = route_for("http://localstack.default.svc.cluster.local:4566", env, "botocore")
        cidr = route_for("http://10.1.2.3:4566", env, "httpx")
    assert glob.unmatched == (
        "'*.cluster.local': urllib, so botocore, has no wildcards; write cluster.local to match it and its subdomains",
    )
    assert cidr.unmatched == ("'10.0.0.0/8': httpx reads no CIDR ranges (only 10.0.0.0 itself); list 10.1.2.3",)


@pytest.mark.parametrize("kind", ["missing", "folder", "junk", "good"])
def test_httpx_ca_bundle_problems_are_httpxs(tmp_path: Path, kind: str) -> None:
    """What we say about SSL_CERT_FILE is what httpx does when a client starts with trust_env."""
    import certifi

    from foundry_discover.checks.proxy.cabundle import httpx_bundles

    path = {"missing": tmp_path / "nope.pem", "folder": tmp_path, "junk": tmp_path / "junk.pem"}.get(kind)
    if kind == "junk":
        (tmp_path / "junk.pem").write_text("not a certificate\n")
    value = str(path) if path is not None else certifi.where()
    with environment([]):
        os.environ.pop("SSL_CERT_DIR", None)
        os.environ["SSL_CERT_FILE"] = value
        ours = httpx_bundles("https://api:443", dict(os.environ))
        try:
            httpx.Client().close()
            started = True
        except (OSError, ssl.SSLError):
            started = False
    assert ours.used is not None and ours.used.variable == "SSL_CERT_FILE"
    assert (ours.used.problem is None) == started, ours
