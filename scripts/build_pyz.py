"""Build dist/foundry-discover.pyz: `python scripts/build_pyz.py [--output PATH]`.

One file that runs with `python3 foundry-discover.pyz ...` on any machine with
Python >= 3.10 and nothing else installed. Every bundled package is a pure-Python wheel
(pip is told to accept only `py3-none-any`), resolved by a Python 3.10 interpreter so the
backports older Pythons need (tomli, exceptiongroup) are inside too. botocore's service
models are cut to the services the tool calls, which takes the file from ~20 MB to a few.

It says where pip will look before it asks, and each wheel pip took with its URL after.
Everything happens in a temporary folder, the package's wheel built from a copy of the
sources, so the checkout is not written to. A wheel pip cannot find ends the build with
exit 3 and one line naming the requirement and the fix.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipapp
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Backports older Pythons need, bundled whatever runs the build.
BACKPORTS = ["tomli", "exceptiongroup"]
DEFAULT_INDEX = "https://pypi.org/simple"
PIP_QUIET = ["-q", "--disable-pip-version-check", "--no-compile", "--root-user-action=ignore"]
#: Pure-Python wheels only, resolved for the oldest supported Python, into --target.
PURE = [
    "--only-binary=:all:",
    "--platform",
    "any",
    "--implementation",
    "py",
    "--abi",
    "none",
    "--python-version",
    "3.10",
    "--target",
]
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


class BuildError(Exception):
    """One line for the person building: what is missing, and the fix."""


def dependencies() -> list[str]:
    """The package's own requirements, from pyproject.toml (markers kept: pip applies them for 3.10)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise BuildError("reading pyproject.toml needs Python >= 3.11 or tomli; run this with python3.11") from None
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *BACKPORTS]


def pip_sources(python: str) -> str:
    """Where pip will look, in its own words: the index and find-links it is configured with."""
    listed = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    settings: dict[str, list[str]] = {}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        settings.setdefault(name, []).append(value.strip("'\""))
    for name in ("index-url", "extra-index-url", "find-links", "no-index"):
        env = os.environ.get("PIP_" + name.upper().replace("-", "_"))
        if env is not None:
            settings[name] = [env]
    no_index = settings.get("no-index", ["false"])[-1].lower() in ("1", "true", "yes", "on")
    where = [] if no_index else [f"index {settings.get('index-url', [DEFAULT_INDEX])[-1]}"]
    where += [] if no_index else [f"extra index {u}" for v in settings.get("extra-index-url", []) for u in v.split()]
    where += [f"find-links {u}" for v in settings.get("find-links", []) for u in v.split()]
    return ", ".join(where) or "nowhere (no index, no find-links)"


def run_pip(args: list[str], what: str) -> None:
    """pip, quiet; its failure as one BuildError line naming what could not be found."""
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode == 0:
        return
    missing = re.search(r"No matching distribution found for (\S+)", done.stderr)
    if missing:
        req = missing.group(1)
        raise BuildError(
            f"no {what} wheel of {req} where pip looked. Fix: put one in a folder and set PIP_FIND_LINKS to it"
            f" (pip download --only-binary=:all: --platform any --python-version 3.10 --no-deps '{req}' -d DIR),"
            " or set PIP_INDEX_URL to an index that has it"
        )
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR:")] or done.stderr.splitlines()
    last = errors[-1].removeprefix("ERROR: ") if errors else f"exit {done.returncode}"
    raise BuildError(f"pip failed ({what} wheels, exit {done.returncode}): {last}")


def report_lines(report: Path) -> list[str]:
    """Each wheel pip took, and the URL it came from (pip's --report)."""
    doc = json.loads(report.read_text())
    return [
        f"  {item['metadata']['name']} {item['metadata']['version']} from {item['download_info']['url']}"
        for item in doc.get("install", [])
    ]


def say(text: str) -> None:
    print(f"build_pyz: {text}", file=sys.stderr, flush=True)


def build(output: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="foundry-discover-pyz-") as tmp:
        work = Path(tmp)
        site = work / "app" / "site-packages"
        python = find_python310()
        requirements = dependencies()
        # Resolved first, so a missing wheel is named before anything is built.
        say(f"pip ({python}) fetches pure-Python wheels (py3-none-any, Python 3.10) from: {pip_sources(python)}")
        say("  for: " + ", ".join(requirements))
        report = work / "pip-report.json"
        run_pip(
            [python, "-m", "pip", "install", *PIP_QUIET, "--report", str(report), *PURE, str(site), *requirements],
            "pure-Python",
        )
        for line in report_lines(report):
            say(line)
        # The package's own wheel, built from a copy: setuptools writes build/ and *.egg-info
        # next to the sources it is given, and the checkout stays as it was.
        source = work / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        for name in ("foundry_discover", "completions"):
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        say("building the foundry-discover wheel (pip fetches its build backend, setuptools, the same way)")
        run_pip(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--disable-pip-version-check",
                "--no-deps",
                "-w",
                str(work / "wheel"),
                str(source),
            ],
            "build-backend",
        )
        wheel = next((work / "wheel").glob("foundry_discover-*.whl"))
        run_pip([python, "-m", "pip", "install", *PIP_QUIET, "--no-deps", *PURE, str(site), str(wheel)], "package")
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
    try:
        out = build(args.output)
    except BuildError as exc:
        print(f"build_pyz: error: {exc}", file=sys.stderr)
        return 3
    print(f"{out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
