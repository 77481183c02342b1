"""scripts/build_pyz.py says where pip looks, and a wheel it cannot find is one line, not a traceback.

pip is pointed at an empty folder (no index, no config file), so nothing leaves this
machine and the first requirement cannot be found. The successful build is used by the
.pyz tests (tests/pyz_fixtures.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_pyz.py"
#: What the build may touch under the checkout while other tools run: caches only.
IGNORED = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}


def offline(find_links: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    # os.devnull as the config file: pip reads no pip.conf at all.
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(find_links)}


def changed_since(stamp: float) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in IGNORED]
        for name in [*filenames, *dirnames]:
            path = Path(dirpath) / name
            if path.lstat().st_mtime > stamp:
                found.append(str(path.relative_to(ROOT)))
    return found


def test_a_missing_wheel_is_one_line_naming_it_and_the_fix(tmp_path: Path) -> None:
    empty = tmp_path / "wheels"
    empty.mkdir()
    out = tmp_path / "out" / "foundry-discover.pyz"
    started = time.time()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out)],
        capture_output=True,
        text=True,
        env=offline(empty),
        timeout=120,
    )
    lines = done.stderr.splitlines()
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "CalledProcessError" not in done.stderr, done.stderr
    # What it was going to download, and from where, before it tried.
    assert lines[0].startswith("build_pyz: pip (") and lines[0].endswith(f"from: find-links {empty}"), lines[0]
    assert lines[1].startswith("build_pyz:   for: typer"), lines[1]
    errors = [line for line in lines if "error" in line.lower()]
    assert errors == [lines[-1]], "exactly one error line, the last"
    wanted = next(r for r in lines[1].removeprefix("build_pyz:   for: ").split(", ") if r.startswith("typer"))
    missing = re.fullmatch(
        r"build_pyz: error: no pure-Python wheel of (typer\S+) where pip looked\."
        r" Fix: put one in a folder and set PIP_FIND_LINKS to it \(pip download --only-binary=:all: --platform any"
        r" --python-version 3\.10 --no-deps '(\S+)' -d DIR\), or set PIP_INDEX_URL to an index that has it",
        lines[-1],
    )
    assert missing, lines[-1]
    # pip's spelling of the requirement (it orders the specifiers), the same one in the fix.
    assert missing.group(1) == missing.group(2)
    assert set(missing.group(1).removeprefix("typer").split(",")) == set(wanted.removeprefix("typer").split(","))
    assert not out.exists() and not out.parent.exists()
    assert changed_since(started) == [], "the build writes nothing into the checkout"


def test_the_build_sources_line_follows_pip_settings(tmp_path: Path) -> None:
    """With an index configured, the line names it (and pip's failure names the wheel)."""
    index = tmp_path / "simple"
    index.mkdir()
    env = {**offline(tmp_path), "PIP_INDEX_URL": index.as_uri()}
    del env["PIP_NO_INDEX"], env["PIP_FIND_LINKS"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(tmp_path / "x.pyz")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    first, last = done.stderr.splitlines()[0], done.stderr.splitlines()[-1]
    assert first.endswith(f"from: index {index.as_uri()}"), first
    assert done.returncode == 3 and last.startswith("build_pyz: error: no pure-Python wheel of typer"), done.stderr
