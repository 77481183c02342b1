"""audit's Python rules, on the AST: the seed's "before" examples and their cousins."""

from __future__ import annotations

from pathlib import Path

from tests.audit_support import DATA, positions, run_audit

EXPECTED = [
    ("app/storage.py", "FD102", 9, 23),  # os.getenv("LOCALSTACK_ENDPOINT", "http://localstack:4566")
    ("app/storage.py", "FD102", 10, 19),  # os.environ.get("DYNAMO_ENDPOINT", ...)
    ("app/storage.py", "FD103", 14, 31),  # endpoint_url="http://localhost:4566"
    ("app/storage.py", "FD101", 18, 33),  # "redis://redis:6379/0"
    ("app/storage.py", "FD101", 22, 12),  # f"http://localstack:{port}/..."
]


def test_code_rules_at_their_lines_and_columns() -> None:
    report = run_audit(DATA / "code-broken")
    assert positions(report) == EXPECTED  # the docstring, the ignored line and the AWS docs URL say nothing
    first = report.findings[0]
    assert first.fix.startswith('Use SERVICES.get_service_url("LOCALSTACK")')
    assert report.findings[2].fix == 'Use SERVICES.get_service_url("LOCALSTACK")'  # loopback at 4566 is LocalStack


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text('NAME = "é"; URL = "http://redis:6379"\n', encoding="utf-8")
    assert positions(run_audit(tmp_path)) == [("m.py", "FD101", 1, 19)]


def test_a_service_only_compose_knows_is_a_service_too(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  minio:\n    image: minio/minio:RELEASE.2025-01-01\n")
    (tmp_path / "client.py").write_text('import boto3\n\nS3 = "minio:9000"\n')
    report = run_audit(tmp_path)
    assert positions(report) == [("client.py", "FD101", 3, 6)]
    assert "Declare minio in the registry file" in report.findings[0].fix


def test_python_syntax_error_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text('URL = "http://localstack:4566"\nif True\n    pass\n')
    assert positions(run_audit(tmp_path)) == [("bad.py", "FD002", 2, 8)]


def test_the_seed_layout_is_clean() -> None:
    report = run_audit(DATA / "seed-clean")
    assert report.findings == []
    assert report.counts == {"compose": 1, "kubernetes": 2, "python": 5, "env": 1}
