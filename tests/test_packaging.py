"""What ships: the wheel puts completions where shells look, the .pyz runs on a bare Python."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from foundry_discover import __version__
from tests import pyz_fixtures
from tests.conftest import cli_env, need
from tests.pyz_fixtures import run_pyz
from tests.support.emulators import Emulator

ROOT = Path(__file__).resolve().parent.parent
BASH_COMPLETION = Path("/usr/share/bash-completion/bash_completion")


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, installed with its dependencies into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(ROOT)], check=True
    )
    wheel = next((tmp / "dist").glob("foundry_discover-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    return venv


@pytest.mark.parametrize(
    "relative",
    [
        "share/bash-completion/completions/foundry-discover",
        "share/zsh/site-functions/_foundry-discover",
        "share/fish/vendor_completions.d/foundry-discover.fish",
    ],
)
def test_wheel_installs_completions_where_shells_look(wheel_venv: Path, relative: str) -> None:
    installed = wheel_venv / relative
    assert installed.is_file(), f"{relative} missing from the installed wheel"
    source = {"bash": "bash/foundry-discover", "zsh": "zsh/_foundry-discover", "fish": "fish/foundry-discover.fish"}
    shell = relative.split("/")[1].split("-")[0]
    assert installed.read_text() == (ROOT / "completions" / source[shell]).read_text()


def test_bash_completion_loader_finds_the_installed_script(wheel_venv: Path) -> None:
    """bash-completion's own on-demand loader, pointed at the prefix, completes subcommands."""
    need(BASH_COMPLETION.exists(), "Debian's bash-completion is not installed (scripts/check installs it)")
    program = (
        f"source {BASH_COMPLETION}\n"
        "__load_completion foundry-discover || { echo 'not loaded'; exit 1; }\n"
        'COMP_WORDS=(foundry-discover "")\nCOMP_CWORD=1\n'
        "_foundry_discover_completion foundry-discover\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = cli_env(
        XDG_DATA_DIRS=str(wheel_venv / "share"),
        BASH_COMPLETION_USER_DIR=str(wheel_venv / "none"),
        PATH=f"{wheel_venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    )
    out = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "url" in out.stdout.split()


# ---- the single-file build ------------------------------------------------------------

pyz, bare_python = pyz_fixtures.pyz, pyz_fixtures.bare_python


def test_pyz_runs_url_on_a_bare_python(pyz: Path, bare_python: Path, tmp_path: Path) -> None:
    registry = tmp_path / "services.toml"  # reading TOML needs the tomli backport on 3.10
    registry.write_text('[services.minio]\nhost = "minio"\nport = 9000\n')
    out = run_pyz(bare_python, pyz, "--registry", str(registry), "url", "minio", cache=tmp_path / "cache")
    assert (out.returncode, out.stdout) == (0, "http://minio:9000\n"), out.stderr
    again = run_pyz(bare_python, pyz, "url", "localstack", cache=tmp_path / "cache", SVC_LOCALSTACK_HOST="ls")
    assert (again.returncode, again.stdout) == (0, "http://ls:4566\n"), again.stderr


def test_pyz_unpacks_once_and_survives_an_unwritable_cache(pyz: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = run_pyz(Path(sys.executable), pyz, "--version", cache=cache)
    assert first.returncode == 0, first.stderr
    assert len(list(cache.iterdir())) == 1
    blocked = Path("/dev/null/cache")  # never a folder, whoever runs the test
    # --version reads no bundled file: it runs from the zip. secret needs botocore's models.
    zipped = run_pyz(Path(sys.executable), pyz, "--version", cache=blocked)
    assert (zipped.returncode, zipped.stdout) == (0, f"foundry-discover {__version__}\n"), zipped.stderr
    bad = run_pyz(Path(sys.executable), pyz, "secret", "get", "db", cache=blocked)
    assert bad.returncode == 3
    assert bad.stderr.startswith("error: foundry-discover.pyz must unpack itself for secret, but "), bad.stderr
    assert f"FOUNDRY_DISCOVER_PYZ_CACHE={blocked} is not a writable folder" in bad.stderr
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
    helped = run_pyz(Path(sys.executable), pyz, "secret", "--help", cache=blocked)
    assert helped.returncode == 0 and "get" in helped.stdout, helped.stderr  # --help reads no model


def test_pyz_from_the_zip_stops_in_one_line_where_botocore_is_reached(
    pyz: Path, moto: Emulator, tmp_path: Path
) -> None:
    """moto has no LocalStack health path: `health` checks it with botocore, which needs the files."""
    blocked = Path("/dev/null/cache")
    url = f"http://127.0.0.1:{moto.port}"
    out = run_pyz(Path(sys.executable), pyz, "health", "--url", url, cache=blocked, AWS_EC2_METADATA_DISABLED="true")
    assert out.returncode == 3, f"{out.stdout}\n{out.stderr}"
    assert out.stderr.startswith("error: foundry-discover.pyz must unpack itself for health, but "), out.stderr
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    unpacked = run_pyz(Path(sys.executable), pyz, "health", "--url", url, cache=tmp_path / "cache")
    assert unpacked.returncode == 0, f"{unpacked.stdout}\n{unpacked.stderr}"


def test_pyz_on_a_too_old_python_says_so_in_one_line(pyz: Path, tmp_path: Path) -> None:
    old = pyz_fixtures._python("3.9")
    need(old is not None, "Python 3.9 is not installed (pyenv has it on the project's machines)")
    out = subprocess.run([str(old), "-I", str(pyz), "url"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert out.stderr == "foundry-discover.pyz needs Python 3.10 or newer; this is 3.9: run it with python3.10+\n"
