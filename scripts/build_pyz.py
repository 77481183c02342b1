"""Build dist/foundry-discover.pyz: `python scripts/build_pyz.py [--output PATH]`.

One file that runs with `python3 foundry-discover.pyz ...` on any machine with
Python >= 3.10 and nothing else installed. Every bundled package is a pure-Python wheel
(pip is told to accept only `py3-none-any`), resolved by a Python 3.10 interpreter so the
backports older Pythons need (tomli, exceptiongroup) are inside too. botocore's service
models are cut to the services the tool calls, which takes the file from ~20 MB to a few.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipapp
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: botocore service models the tool uses (sts and sso for credential providers).
KEEP_MODELS = {"secretsmanager", "sts", "sso", "sso-oidc"}


def find_python310() -> str:
    """The oldest supported Python resolves the bundle: its markers pull in the backports."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [os.environ.get("FOUNDRY_PYZ_PYTHON", "")]
    candidates += [str(p / "bin" / "python") for p in sorted(pyenv.glob("3.10*"))] if pyenv.is_dir() else []
    candidates.append(shutil.which("python3.10") or "")
    for cand in candidates:
        # A pyenv shim exists on PATH even when that version is not active: ask it.
        if (
            cand
            and subprocess.run(
                [cand, "-c", "import sys; assert sys.version_info[:2] == (3, 10)"], capture_output=True
            ).returncode
            == 0
        ):
            return cand
    return sys.executable  # still pure; 3.10-only backports may then be missing


def build(output: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "wheel"), str(ROOT)], check=True
        )
        wheel = next((work / "wheel").glob("foundry_discover-*.whl"))
        site = work / "app" / "site-packages"
        subprocess.run(
            [
                find_python310(),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-compile",
                "--root-user-action=ignore",
                "--target",
                str(site),
                "--only-binary=:all:",
                "--platform",
                "any",
                "--implementation",
                "py",
                "--abi",
                "none",
                "--python-version",
                "3.10",
                str(wheel),
                "tomli",
                "exceptiongroup",
            ],
            check=True,
        )
        prune(site)
        build_id = tree_digest(site)
        main = (ROOT / "scripts" / "pyz_main.py").read_text().replace("@BUILD_ID@", build_id)
        (work / "app" / "__main__.py").write_text(main)
        output.parent.mkdir(parents=True, exist_ok=True)
        zipapp.create_archive(work / "app", output, interpreter="/usr/bin/env python3", compressed=True)
    return output


def prune(site: Path) -> None:
    for path in site.glob("bin"):
        shutil.rmtree(path)
    data = site / "botocore" / "data"
    for model in data.iterdir():
        if model.is_dir() and model.name not in KEEP_MODELS:
            shutil.rmtree(model)
    for cache in site.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def tree_digest(site: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(site)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python scripts/build_pyz.py")
    parser.add_argument("--output", type=Path, default=ROOT / "dist" / "foundry-discover.pyz")
    args = parser.parse_args()
    out = build(args.output)
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
