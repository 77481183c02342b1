"""AWS configuration as botocore reads it: profiles and their files, the region the application
passes, a failing credential_process, an expired SSO token.

Every file is real and written in a temporary folder; every credential_process is a real
script. Production runs never send: they fail before the first request, and the proxies
point at a closed loopback port in case they did not. The SSO cases run the console script
in a subprocess with HOME in the temporary folder, since botocore fixes the token cache
folder (~/.aws/sso/cache) when it is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.checks.aws.region import APP_DEFAULT_REGION, choose_region
from tests import secret_fixtures
from tests.conftest import cli_env, run_cli
from tests.secret_fixtures import SecretCli, closed_port
from tests.support.emulators import Emulator

cli = secret_fixtures.cli  # the recording CLI with its leak check, for every test here


def nowhere() -> dict[str, str]:
    proxy = f"http://127.0.0.1:{closed_port()}"
    return {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "NO_PROXY": "127.0.0.1,localhost"}


def one_line(text: str) -> str:
    return " ".join(text.split())


# ---- profiles and the files looked in ---------------------------------------------------------------------


@pytest.fixture
def aws_files(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n\n[prod]\nregion = x\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[ci]\naws_access_key_id = 123456789012\naws_secret_access_key = y\n")
    return config, credentials


def test_missing_profile_names_the_files_looked_in_and_their_profiles(
    cli: SecretCli, aws_files: tuple[Path, Path]
) -> None:
    config, credentials = aws_files
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    result = cli("secret", "get", "app/db", AWS_PROFILE="staging", SVC_LOCALSTACK_HOST="127.0.0.1", **env)
    assert result.exit_code == 3
    assert one_line(result.stderr) == one_line(
        f"error: AWS_PROFILE=staging names no profile: the config file {config} (AWS_CONFIG_FILE) has profiles "
        f"default, dev; the credentials file {credentials} (AWS_SHARED_CREDENTIALS_FILE) has profiles ci. Every "
        "client fails on it (ProfileNotFound), the application's too, even with explicit keys. "
        f"Add [profile staging] to {config} (or [staging] to {credentials}), or unset AWS_PROFILE, "
        "or set AWS_PROFILE to one of: ci, default, dev"
    )
    doc = json.loads(cli("secret", "list", "--json", AWS_PROFILE="staging", **env).stdout)
    assert doc["exit_code"] == 3 and doc["error"]["type"] == "config"
    assert doc["error"]["message"].startswith("AWS_PROFILE=staging names no profile")


def test_the_application_fails_on_a_missing_profile_too(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The claim in the message, checked against boto3: its client with explicit keys raises ProfileNotFound."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    config, credentials = aws_files
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_PROFILE", "staging")
    with pytest.raises(ProfileNotFound):
        boto3.session.Session().client(
            "secretsmanager",
            endpoint_url=f"http://127.0.0.1:{closed_port()}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def test_a_section_botocore_does_not_read_as_a_profile_is_named(cli: SecretCli, aws_files: tuple[Path, Path]) -> None:
    config, credentials = aws_files
    credentials.write_text("[profile ci]\naws_access_key_id = a\naws_secret_access_key = b\n")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    prod = cli("secret", "get", "app/db", AWS_PROFILE="prod", **env)
    assert prod.exit_code == 3
    assert "([prod] in the config file is not a profile there: the config file needs [profile prod])" in one_line(
        prod.stderr
    )
    ci = cli("secret", "get", "app/db", AWS_PROFILE="ci", **env)
    assert ci.exit_code == 3
    assert "(the credentials file has [profile ci]: that file takes [ci])" in one_line(ci.stderr)
    typo = cli("secret", "get", "app/db", AWS_PROFILE="deev", **env)
    assert "(did you mean dev?)" in one_line(typo.stderr)


def test_default_files_under_home_are_named_as_the_defaults(tmp_path: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[profile dev]\nregion = us-east-1\n")
    env = cli_env(HOME=str(tmp_path), AWS_PROFILE="prod", SVC_LOCALSTACK_HOST="127.0.0.1")
    out = run_cli("secret", "list", env=env)
    assert out.returncode == 3
    assert (
        f"the config file {tmp_path}/.aws/config (the default: AWS_CONFIG_FILE is not set) has profiles dev; "
        f"the credentials file {tmp_path}/.aws/credentials (the default: AWS_SHARED_CREDENTIALS_FILE is not set) "
        "does not exist"
    ) in one_line(out.stderr)


def test_an_empty_aws_profile_is_named(cli: SecretCli) -> None:
    result = cli("secret", "list", AWS_PROFILE="", SVC_LOCALSTACK_HOST="127.0.0.1")
    assert result.exit_code == 3
    assert one_line(result.stderr) == one_line(
        "error: AWS_PROFILE is set but empty: botocore looks for a profile named '' and every client fails "
        "(ProfileNotFound), the application's too. Unset AWS_PROFILE (a Compose `AWS_PROFILE=${AWS_PROFILE}` "
        "passes an empty one), or name a profile"
    )


def test_aws_default_profile_wins_over_aws_profile(cli: SecretCli, aws_files: tuple[Path, Path]) -> None:
    config, credentials = aws_files
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    result = cli("secret", "list", AWS_DEFAULT_PROFILE="gone", AWS_PROFILE="dev", **env)
    assert result.exit_code == 3
    text = one_line(result.stderr)
    assert text.startswith("error: AWS_DEFAULT_PROFILE=gone names no profile")
    assert "(AWS_DEFAULT_PROFILE wins over AWS_PROFILE=dev)" in text


def test_an_unparseable_config_file_is_named_without_its_lines(cli: SecretCli, tmp_path: Path) -> None:
    config = tmp_path / "config"
    leak = cli.store("wJalrXUtnFEMI-not-shown")
    assert isinstance(leak, str)
    config.write_text(f"[profile dev]\naws_secret_access_key {leak}\n")
    result = cli("secret", "list", AWS_CONFIG_FILE=str(config), SVC_LOCALSTACK_HOST="127.0.0.1")
    assert result.exit_code == 3
    assert one_line(result.stderr) == one_line(
        f"error: the AWS shared file {config} (AWS_CONFIG_FILE) cannot be parsed as INI (the line is not shown: it "
        "may hold keys). Fix the file's syntax (`[profile NAME]` sections of `key = value` lines), or point "
        "AWS_CONFIG_FILE elsewhere"
    )


def test_doctor_names_the_missing_profile_in_the_aws_step(localstack: Emulator, aws_files: tuple[Path, Path]) -> None:
    config, credentials = aws_files
    env = cli_env(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(localstack.port),
        AWS_PROFILE="staging",
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
    )
    out = run_cli("doctor", "localstack", "--json", env=env)
    assert out.returncode == 3, out.stderr
    steps = json.loads(out.stdout)["result"]["services"][0]["steps"]
    assert [s["status"] for s in steps] == ["pass", "pass", "pass", "pass", "fail"]
    assert steps[4]["detail"].startswith("AWS_PROFILE=staging names no profile: the config file")
    assert steps[4]["exit_code"] == 3


# ---- the region: AWS_REGION as the application passes it, AWS_DEFAULT_REGION as botocore reads it -----------


@contextmanager
def only_env(values: dict[str, str], config: Path) -> Iterator[None]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    keep.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(config) + ".none", **values)
    with mock.patch.dict(os.environ, keep, clear=True):
        yield


regions = st.sampled_from(["", "us-east-1", "eu-west-1", "ap-south-1", " eu-west-1 "])


@given(app=regions, default=regions, profile=regions)
def test_region_choice_matches_botocore_and_warns_when_they_differ(app: str, default: str, profile: str) -> None:
    """What botocore alone reads is botocore's own answer; a warning whenever the two regions differ."""
    import tempfile

    import botocore.session

    env = {k: v for k, v in (("AWS_REGION", app), ("AWS_DEFAULT_REGION", default)) if v}
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config"
        config.write_text(f"[default]\nregion = {profile.strip()}\n" if profile.strip() else "")
        with only_env(env, config):
            theirs = botocore.session.Session().get_config_variable("region")
    choice = choose_region(env, profile.strip() or None)
    assert choice.region == (app.strip() or APP_DEFAULT_REGION)
    assert (choice.botocore or None) == ((theirs or "").strip() or None)
    differ = choice.botocore is not None and choice.botocore != choice.region
    assert (choice.warning is not None) == differ, choice
    assert not (choice.warning and choice.note)


def test_botocore_itself_never_reads_aws_region(tmp_path: Path) -> None:
    import botocore.session

    with only_env({"AWS_REGION": "eu-west-1"}, tmp_path / "none"):
        assert botocore.session.Session().get_config_variable("region") is None


def test_disagreeing_regions_say_which_one_the_application_uses(emulator: Emulator, cli: SecretCli) -> None:
    name = cli.unique()
    cli.boto(emulator, region="eu-west-1").create_secret(Name=name, SecretString=cli.store("eu-" + name))
    result = cli.at(emulator)("secret", "get", name, AWS_REGION="eu-west-1", AWS_DEFAULT_REGION="us-east-1")
    assert result.exit_code == 0, result.output
    assert (
        "warning: AWS_REGION=eu-west-1 and AWS_DEFAULT_REGION=us-east-1 disagree: the application passes AWS_REGION "
        "(eu-west-1) as region_name; botocore on its own (the aws CLI, a client without region_name) reads "
        "AWS_DEFAULT_REGION (us-east-1)"
    ) in one_line(result.stderr)


def test_only_aws_default_region_set_is_not_the_applications_region(emulator: Emulator, cli: SecretCli) -> None:
    """The secret is in eu-west-1; botocore alone would find it there, the application looks in us-east-1."""
    name = cli.unique()
    cli.boto(emulator, region="eu-west-1").create_secret(Name=name, SecretString=cli.store("eu-" + name))
    result = cli.at(emulator)("secret", "get", name, AWS_DEFAULT_REGION="eu-west-1")
    assert result.exit_code == 1, result.output
    text = one_line(result.stderr)
    assert (
        "warning: only AWS_DEFAULT_REGION is set (eu-west-1): the application reads AWS_REGION, which is unset, so "
        "it uses its default us-east-1; botocore on its own (the aws CLI, a client without region_name) uses "
        "eu-west-1. Set AWS_REGION=eu-west-1 if that region is meant"
    ) in text
    assert f"error: secret '{name}' not found at {emulator.url} (development, region us-east-1)" in text
    assert "now us-east-1, from the application's default: AWS_REGION is not set" in text


def test_only_aws_region_set_is_a_note_in_explain(emulator: Emulator, cli: SecretCli) -> None:
    result = cli.at(emulator)("secret", "list", "--explain", AWS_REGION="eu-west-1")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert (
        "region note  only AWS_REGION is set: the application passes it (eu-west-1); botocore on its own (the aws "
        "CLI, a client without region_name) reads no region"
    ) in result.stdout
    doc = json.loads(cli("secret", "list", "--json", AWS_REGION="eu-west-1").stdout)
    assert doc["result"]["client"]["region"] == "eu-west-1"
    assert doc["result"]["client"]["region_note"].startswith("only AWS_REGION is set")


def test_doctor_warns_when_the_regions_disagree(localstack: Emulator) -> None:
    env = cli_env(
        SVC_LOCALSTACK_HOST="127.0.0.1",
        LOCALSTACK_PORT=str(localstack.port),
        AWS_REGION="eu-west-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/nonexistent/c",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/s",
    )
    out = run_cli("doctor", "localstack", env=env)
    assert out.returncode == 0, out.stderr
    assert "warning: AWS_REGION=eu-west-1 and AWS_DEFAULT_REGION=us-east-1 disagree" in out.stderr


# ---- credential_process and SSO in production ----------------------------------------------------------


SCRIPTS = {
    "fails": (
        "#!/bin/sh\necho 'token for AKIAFAKE has expired: stderr-not-shown' >&2\nexit 2\n",
        "exited with a non-zero status (its stderr is not shown: it may hold credentials)",
    ),
    "junk": ("#!/bin/sh\necho 'Please log in first'\n", "printed something that is not JSON"),
    "version": ("#!/bin/sh\necho '{\"Version\": 2}'\n", 'printed JSON without "Version": 1'),
    "partial": (
        '#!/bin/sh\necho \'{"Version": 1, "AccessKeyId": "AKIDPART"}\'\n',
        "printed JSON without AccessKeyId or SecretAccessKey",
    ),
}


def process_profile(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    script = tmp_path / f"creds-{kind}.sh"
    script.write_text(SCRIPTS[kind][0])
    script.chmod(0o755)
    config = tmp_path / "config"
    config.write_text(f"[profile prod]\ncredential_process = {script} --token arg-not-shown\n")
    return config, script


@pytest.mark.parametrize("kind", sorted(SCRIPTS))
def test_a_failing_credential_process_is_named(kind: str, cli: SecretCli, tmp_path: Path) -> None:
    config, script = process_profile(tmp_path, kind)
    env = dict(ENVIRONMENT="production", AWS_REGION="us-east-1", AWS_PROFILE="prod", AWS_CONFIG_FILE=str(config))
    result = cli("secret", "get", "app/db", **env, **nowhere())
    assert result.exit_code == 3
    assert one_line(result.stderr) == one_line(
        f"error: credential_process of profile prod ({script} ...) failed: it {SCRIPTS[kind][1]}; no credentials, "
        "nothing was sent. Run profile prod's credential_process command by hand: it must exit 0 and print JSON "
        'with "Version": 1, AccessKeyId and SecretAccessKey (the credential_process format)'
    )
    assert "not-shown" not in result.output and "AKIAFAKE" not in result.output


def test_doctor_names_the_failing_credential_process(tmp_path: Path) -> None:
    config, script = process_profile(tmp_path, "fails")
    env = cli_env(ENVIRONMENT="production", AWS_REGION="us-east-1", AWS_PROFILE="prod", AWS_CONFIG_FILE=str(config))
    # LocalStack configured, so production leaves it out and checks the secret alone.
    env.update(SVC_LOCALSTACK_HOST="127.0.0.1", LOCALSTACK_PORT=str(closed_port()))
    env.update(AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), **nowhere())
    out = run_cli("doctor", "--secret", "app/db", "--json", env=env)
    assert out.returncode == 3, out.stderr
    report = next(s for s in json.loads(out.stdout)["result"]["services"] if s["name"] == "SECRETSMANAGER")
    assert report["failed_step"] == "config"
    assert report["steps"][0]["detail"].startswith(f"credential_process of profile prod ({script} ...) failed")


def test_development_never_runs_the_credential_process(emulator: Emulator, cli: SecretCli, tmp_path: Path) -> None:
    """The application passes test/test: botocore runs no credential source, so a broken one does not matter."""
    marker = tmp_path / "ran"
    script = tmp_path / "creds.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    script.chmod(0o755)
    config = tmp_path / "config"
    config.write_text(f"[profile dev]\ncredential_process = {script}\n")
    name = cli.unique()
    cli.boto(emulator).create_secret(Name=name, SecretString=cli.store("dev-" + name))
    result = cli.at(emulator)("secret", "get", name, AWS_PROFILE="dev", AWS_CONFIG_FILE=str(config))
    assert result.exit_code == 0, result.output
    assert not marker.exists()


SSO_URL = "https://fd-test.awsapps.com/start"


def sso_home(tmp_path: Path, *, cached: bool) -> Path:
    """A HOME with SSO profiles, legacy and sso-session, and (when ``cached``) expired tokens for both."""
    aws = tmp_path / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "config").write_text(
        f"[profile legacy]\nsso_start_url = {SSO_URL}\nsso_region = us-east-1\nsso_account_id = 123456789012\n"
        "sso_role_name = ReadSecrets\n\n"
        "[profile modern]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadSecrets\n\n"
        f"[sso-session corp]\nsso_start_url = {SSO_URL}\nsso_region = us-east-1\n"
    )
    if cached:
        # botocore's cache key: the sha1 of the start URL (legacy) or of the sso-session's name.
        for key in (SSO_URL, "corp"):
            token = {"startUrl": SSO_URL, "region": "us-east-1", "accessToken": "tok-never-shown"}
            token["expiresAt"] = "2026-01-01T00:00:00Z"
            (aws / "sso" / "cache" / f"{hashlib.sha1(key.encode()).hexdigest()}.json").write_text(json.dumps(token))
    return tmp_path


@pytest.mark.parametrize(
    ("profile", "cached", "says"),
    [
        (
            "legacy",
            True,
            "the SSO session of profile legacy has expired (or was revoked): no credentials, nothing was sent",
        ),
        (
            "modern",
            True,
            "the SSO token of profile modern has expired and botocore could not refresh it: nothing was sent",
        ),
        (
            "legacy",
            False,
            "profile legacy uses SSO, but no SSO token is cached for it (never logged in as this "
            "user): nothing was sent",
        ),
    ],
)
def test_an_expired_sso_token_in_production_is_named(profile: str, cached: bool, says: str, tmp_path: Path) -> None:
    home = sso_home(tmp_path, cached=cached)
    env = cli_env(HOME=str(home), ENVIRONMENT="production", AWS_REGION="us-east-1", AWS_PROFILE=profile, **nowhere())
    out = run_cli("secret", "get", "app/db", env=env)
    assert out.returncode == 3, out.stderr
    assert one_line(out.stderr) == one_line(
        f"error: {says}. Run `aws sso login --profile {profile}` as the user that runs the application (the token "
        "is cached in its ~/.aws/sso/cache), or give the workload a role"
    )
    assert "tok-never-shown" not in out.stdout + out.stderr
