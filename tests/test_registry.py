"""The registry over mappings: values, provenance, validation, and the seed's API."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.lite.errors import ConfigError
from foundry_discover.registry import SERVICES, Registry


def reg(env: dict[str, str] | None = None, file: Path | None = None) -> Registry:
    return Registry.from_mapping(env or {}, file)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("LOCALSTACK", "http://localstack:4566"),
        ("BACKEND", "http://foundry-backend:8080"),
        ("COMPILER", "http://foundry-compiler:8080"),
        ("REDIS", "redis://redis:6379"),
        ("POSTGRES", "postgresql://postgres:5432"),
        ("LIVEKIT", "http://livekit:7880"),
    ],
)
def test_builtin_defaults(name: str, url: str) -> None:
    assert reg().get_service_url(name) == url


def test_seed_api_host_and_port_attributes() -> None:
    r = reg({"SVC_LOCALSTACK_HOST": "ls.internal", "LOCALSTACK_PORT": "4567"})
    assert r.LOCALSTACK == "ls.internal"
    assert r.LOCALSTACK_PORT == 4567
    assert isinstance(r.LOCALSTACK_PORT, int)
    assert f"http://{r.LOCALSTACK}:{r.LOCALSTACK_PORT}/custom" == r.get_service_url("LOCALSTACK", "/custom")
    with pytest.raises(AttributeError):
        _ = r.NOPE


def test_names_are_case_insensitive_and_dash_equals_underscore() -> None:
    r = reg({"SVC_MY_API_HOST": "my-api", "MY_API_PORT": "9000"})
    assert r.get("localstack").name == "LOCALSTACK"
    assert r.get("LocalStack").url == "http://localstack:4566"
    assert r.get("my-api").url == r.get("MY_API").url == "http://my-api:9000"


def test_values_are_read_when_asked_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_LOCALSTACK_HOST", "first")
    assert SERVICES.get_service_url("LOCALSTACK").startswith("http://first:")
    monkeypatch.setenv("SVC_LOCALSTACK_HOST", "second")
    monkeypatch.setenv("LOCALSTACK_PORT", "1234")
    assert SERVICES.get_service_url("LOCALSTACK") == "http://second:1234"
    assert SERVICES.LOCALSTACK_PORT == 1234


def test_provenance_of_each_value(tmp_path: Path) -> None:
    service = reg({"SVC_LOCALSTACK_HOST": "ls"}).get("localstack")
    assert (service.host_source.kind, service.host_source.detail) == ("env", "SVC_LOCALSTACK_HOST")
    assert service.port_source.kind == "default"
    file = tmp_path / "services.toml"
    file.write_text('[services.localstack]\nport = 4510\n[services.minio]\nhost = "minio"\nport = 9000\n')
    r = reg({}, file)
    ls = r.get("localstack")
    assert (ls.port, ls.port_source.kind, ls.port_source.detail) == (4510, "file", str(file))
    assert ls.host == "localstack"
    minio = r.get("minio")
    assert minio.url == "http://minio:9000"
    assert minio.declared_by == f"registry file {file}"


def test_env_only_service_needs_a_port() -> None:
    r = reg({"SVC_SEARCH_HOST": "opensearch"})
    assert "SEARCH" in r.names()
    with pytest.raises(ConfigError, match="SEARCH_PORT is not set"):
        r.get("search")
    assert reg({"SVC_SEARCH_HOST": "opensearch", "SEARCH_PORT": "9200"}).get_service_url("search") == (
        "http://opensearch:9200"
    )


@pytest.mark.parametrize(
    ("env", "culprit", "fix"),
    [
        ({"LOCALSTACK_PORT": "abc"}, "LOCALSTACK_PORT='abc' is not a port number", "1 to 65535"),
        ({"LOCALSTACK_PORT": "0"}, "LOCALSTACK_PORT='0' is outside the port range", "1 to 65535"),
        ({"LOCALSTACK_PORT": "65536"}, "outside the port range", "1 to 65535"),
        ({"LOCALSTACK_PORT": "-1"}, "not a port number", "1 to 65535"),
        ({"LOCALSTACK_PORT": ""}, "LOCALSTACK_PORT is empty", "unset it"),
        ({"SVC_LOCALSTACK_HOST": "  "}, "SVC_LOCALSTACK_HOST is empty", "DNS name"),
        (
            {"SVC_LOCALSTACK_HOST": "http://localstack:4566"},
            "holds a URL",
            "Set SVC_LOCALSTACK_HOST=localstack and LOCALSTACK_PORT=4566",
        ),
        ({"SVC_LOCALSTACK_HOST": "localstack:4566"}, "holds a port", "LOCALSTACK_PORT=4566"),
        ({"SVC_LOCALSTACK_HOST": "localstack/api"}, "holds a path", "SVC_LOCALSTACK_HOST=localstack"),
        ({"SVC_LOCALSTACK_HOST": "local stack"}, "characters no host name may hold", "letters, digits"),
        ({"SVC_LOCALSTACK_HOST": "lócal"}, "characters no host name may hold", "letters, digits"),
        ({"SVC_LOCALSTACK_HOST": "-bad"}, "characters no host name may hold", "letters, digits"),
        ({"SVC_LOCALSTACK_HOST": "a" * 64}, "characters no host name may hold", "letters, digits"),
        ({"SVC_LOCALSTACK_HOST": "[zz::1]"}, "neither a host name nor an IPv6 address", "IPv6"),
    ],
)
def test_bad_values_name_variable_value_and_fix(env: dict[str, str], culprit: str, fix: str) -> None:
    with pytest.raises(ConfigError) as info:
        reg(env).get("localstack")
    assert culprit in info.value.message
    assert info.value.fix and fix in info.value.fix
    assert info.value.exit_code == 3


def test_underscore_is_a_warning_not_an_error() -> None:
    service = reg({"SVC_LOCALSTACK_HOST": "local_stack"}).get("localstack")
    assert service.url == "http://local_stack:4566"
    assert len(service.warnings) == 1
    assert "botocore" in service.warnings[0]
    assert "local-stack" in service.warnings[0]


@pytest.mark.parametrize("host", ["::1", "[::1]", "fd00::10"])
def test_ipv6_literals_are_bracketed(host: str) -> None:
    service = reg({"SVC_LOCALSTACK_HOST": host}).get("localstack")
    assert service.url == f"http://[{host.strip('[]')}]:4566"


def test_ports_tolerate_surrounding_whitespace() -> None:
    assert reg({"LOCALSTACK_PORT": " 4567\n"}).get("localstack").port == 4567


def test_unknown_service_suggests_the_closest() -> None:
    with pytest.raises(ConfigError) as info:
        reg().get("localstak")
    assert "did you mean localstack?" in info.value.message
    assert "redis" in info.value.message


def test_invalid_service_name() -> None:
    with pytest.raises(ConfigError, match="not a valid service name"):
        reg().get("no way!")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[services.x\n", "not valid TOML"),
        ('[services.x]\nhost = "x"\n', "has no port"),
        ("[services.x]\nport = 1\n", "has no host"),
        ('[services.x]\nhost = "x"\nport = "p"\n', "not a port number"),
        ('[services.x]\nhost = "x"\nport = 1\nprot = 2\n', "unknown keys: prot"),
        ('[services.x]\nhost = "x"\nport = 1\nhealth_path = "health"\n', "starting with '/'"),
        ('[services.x]\nhost = "x"\nport = 1\nscheme = "h t"\n', "not a URL scheme"),
        ('[services.x]\nhost = "http://x"\nport = 1\n', "holds a URL"),
        ('name = "x"\n', "unknown top-level keys"),
    ],
)
def test_bad_registry_file(tmp_path: Path, text: str, match: str) -> None:
    file = tmp_path / "r.toml"
    file.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        reg({}, file).get("localstack")
    assert str(file) in info.value.message


def test_missing_registry_file_named_by_env(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="cannot be read"):
        reg({"FOUNDRY_DISCOVER_REGISTRY": str(missing)}).get("localstack")


def test_entries_report_broken_services_without_hiding_the_rest() -> None:
    entries = dict(reg({"REDIS_PORT": "x"}).entries())
    assert isinstance(entries["REDIS"], ConfigError)
    assert not isinstance(entries["LOCALSTACK"], ConfigError)


text_values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@given(host=text_values, port=text_values)
def test_no_env_value_raises_anything_but_config_error(host: str, port: str) -> None:
    r = reg({"SVC_LOCALSTACK_HOST": host, "LOCALSTACK_PORT": port})
    try:
        url = r.get_service_url("localstack")
    except ConfigError as exc:
        assert exc.message and exc.fix
    else:
        assert url.startswith("http://") and url.rsplit(":", 1)[1].isdigit()


@given(name=text_values)
def test_no_service_name_raises_anything_but_config_error(name: str) -> None:
    with contextlib.suppress(ConfigError):
        reg().get(name)


def test_registry_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, foundry_discover.registry as r; r.SERVICES.get_service_url('LOCALSTACK');"
        "heavy = [m for m in ('typer', 'rich', 'httpx', 'dns', 'boto3', 'botocore', 'click') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ))
    assert out.stdout.strip() == ""
