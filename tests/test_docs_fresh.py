"""The manual's generated sections are fresh, and its environment table is the code's.

``scripts/docs`` rewrites every ``[[[cog ... ]]]`` block of README.md and docs/*.md from
real runs; this test runs the same with ``--check``, so a changed ``--help``, exit code or
output fails here until the docs are regenerated.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import docs_tool  # noqa: E402
import envvars  # noqa: E402

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_generated_section_is_fresh() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "-I", str(ROOT / "scripts"), *map(str, PAGES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, f"stale docs: run scripts/docs\n{done.stdout}{done.stderr}"


def test_the_check_sees_a_stale_section(tmp_path: Path) -> None:
    """A block whose output differs from a real run fails --check (so the test above can fail)."""
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- [[[cog\nimport cog, docs_tool\ncog.out(docs_tool.shell('url localstack'))\n]]] -->\n"
        "```console\n$ foundry-discover url localstack\nhttp://old:1\n```\n<!-- [[[end]]] -->\n"
    )
    args = [sys.executable, "-m", "cogapp", "-I", str(ROOT / "scripts"), str(page)]
    assert subprocess.run([*args[:3], "--check", *args[3:]], capture_output=True).returncode != 0
    assert subprocess.run([*args[:3], "-r", *args[3:]], capture_output=True).returncode == 0
    assert "http://localstack:4566" in page.read_text()
    assert subprocess.run([*args[:3], "--check", *args[3:]], capture_output=True).returncode == 0


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        "^" + re.sub(r"<[A-Z]+>", "[A-Z0-9_]+", re.escape(name).replace(r"\<", "<").replace(r"\>", ">")) + "$"
    )


def _described(name: str) -> bool:
    if name in envvars.DESCRIPTIONS:
        return True
    # A concrete name (SVC_LOCALSTACK_HOST) is described by its pattern (SVC_<NAME>_HOST).
    return "<" not in name and any(_pattern(p).match(name) for p in envvars.DESCRIPTIONS if "<" in p)


def test_every_variable_the_code_reads_is_described() -> None:
    found, unknown = envvars.scan()
    assert not unknown, f"environment reads whose name the extractor cannot know: {unknown}"
    missing = sorted(name for name in found if not _described(name))
    assert not missing, f"add these to DESCRIPTIONS in scripts/envvars.py: {missing}"


def test_every_described_variable_is_read() -> None:
    found = envvars.read_by_code()
    stale = sorted(set(envvars.DESCRIPTIONS) - set(found))
    assert not stale, f"DESCRIPTIONS names variables the code never reads: {stale}"


@pytest.mark.parametrize(
    "name",
    [
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_CERT_PATH",
        "AWS_PROFILE",
        "LOCALDOMAIN",
        "RES_OPTIONS",
        "POD_NAMESPACE",
        "TERM",
        "XDG_CACHE_HOME",
    ],
)
def test_the_variables_the_old_table_missed_are_in_it(name: str) -> None:
    """Issue 21: found in the code, and in the generated page."""
    assert name in envvars.read_by_code()
    assert f"| `{name}` |" in (ROOT / "docs" / "environment.md").read_text()


def test_the_extractor_reads_every_form() -> None:
    """Each form of read, in a throwaway module: constants, loops, f-strings, helpers."""
    import ast

    source = """
import os
HOST_ENV = "A_ENV_CONST"
OTHER = "B_CONST"
PAIR = ("H_TUPLE", "I_TUPLE")
FILES = {"a": ("J_DICT", "~/x"), "b": ("K_DICT", "~/y")}
def host_var(name):
    return f"SVC_{name}_HOST"
def f(env, key, name):
    os.environ.get("C_GET"); os.getenv("D_GETENV"); env["E_ITEM"]; "F_IN" in env
    env.get(OTHER)
    for v in ("G_LOOP", OTHER):
        env.get(v)
    env.get(f"{name}_PORT"); env.get(host_var(key)); env.get(f"X_{OTHER}")
    for p in PAIR:
        p in env
    others = [v for v in PAIR if v != key]
    env[others[0]]
    variable, default = FILES[key]
    env.get(variable)
    for w, _ in FILES.values():
        env[w]
    env.get(key.upper())
"""
    tree = ast.parse(source)
    consts, funcs = envvars._literals(tree), envvars._returns(tree)
    scope = envvars._Scope(consts, funcs, tree.body[-1])
    names = [scope.resolve(expr) for expr in envvars._reads(tree.body[-1])]
    flat = {n for group in names if group for n in group}
    assert flat == {
        "C_GET",
        "D_GETENV",
        "E_ITEM",
        "F_IN",
        "B_CONST",
        "G_LOOP",
        "<NAME>_PORT",
        "SVC_<NAME>_HOST",
        "X_B_CONST",
        "H_TUPLE",
        "I_TUPLE",
        "J_DICT",
        "K_DICT",
    }
    assert None in names  # key.upper(): unknowable, reported rather than guessed


def test_scanned_patterns_still_exist() -> None:
    for module, constant in envvars.SCANNED.values():
        assert re.search(rf"^{constant} = ", (ROOT / module).read_text(), re.M), (module, constant)


def test_the_botocore_list_is_botocore_s() -> None:
    """Each variable we say botocore reads appears in the installed botocore's own source."""
    import botocore

    source = "".join(p.read_text() for p in Path(botocore.__file__).parent.glob("*.py"))
    absent = [name for name in envvars.THROUGH_BOTOCORE if f"'{name}'" not in source and f'"{name}"' not in source]
    assert not absent, absent


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_prose_line_over_200_characters(page: Path) -> None:
    assert not docs_tool.long_lines(page.read_text()), docs_tool.long_lines(page.read_text())


def test_the_seed_is_defined_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"\*\*the seed\*\*", readme, re.I), "README uses 'the seed' without defining it"


def test_the_readme_is_the_short_path() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 220
    for page in (
        "url",
        "resolve",
        "health",
        "secret",
        "doctor",
        "environment",
        "json",
        "containers",
        "registry",
        "development",
    ):
        assert f"docs/{page}.md" in readme, f"README does not link docs/{page}.md"
        assert (ROOT / "docs" / f"{page}.md").is_file()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_console_blocks_are_generated(page: Path) -> None:
    """The pages promise: a `console` block is a regenerated real run, never typed by hand."""
    outside = re.sub(r"\[\[\[cog.*?\[\[\[end\]\]\]", "", page.read_text(), flags=re.S)
    assert "```console" not in outside, f"{page.name}: a console block outside a cog block"


def test_the_site_nav_lists_every_page() -> None:
    """mkdocs.yml (optional, never built here) names exactly the pages there are."""
    import yaml

    def pages(entries: list[object]) -> set[str]:
        found: set[str] = set()
        for entry in entries:
            for value in entry.values() if isinstance(entry, dict) else [entry]:
                found |= pages(value) if isinstance(value, list) else {str(value)}
        return found

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    assert pages(nav) == {p.name for p in (ROOT / "docs").glob("*.md")}
