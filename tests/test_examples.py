"""Every file in examples/ is checked: its YAML parses, every foundry-discover command in it
is a valid invocation of the real CLI, and those that can run here run against the real
emulators.

Commands are found where Compose, Kubernetes, GitHub Actions, GitLab CI and Docker keep
them: healthcheck tests, container commands and args, `run:` and `script:` lines, RUN and
CMD. They are parsed by the application's own click command, so a renamed flag or a
removed command fails here. "Can run here" means the command touches no service but
LocalStack: it runs with SVC_LOCALSTACK_HOST=127.0.0.1 and the emulator's port, and a
loopback --url is pointed at the emulator, so no name is ever resolved by this machine's
(outside) resolver.
"""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
import yaml
from typer import _click as click  # the click Typer vendors and the CLI really runs on
from typer.core import TyperArgument, TyperGroup

from foundry_discover import __version__
from foundry_discover.cli import COMMANDS, app
from tests import pyz_fixtures
from tests.conftest import cli_env, need, run_cli
from tests.pyz_fixtures import at
from tests.support.emulators import Emulator

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HAVE_DOCTOR = "doctor" in COMMANDS
SHELL_OPERATORS = {"&&", "||", ";", "|", "&", "(", ")"}
REDIRECTS = {">", ">>", "<"}
HAVE_AUDIT = "audit" in COMMANDS

pyz, bare_python = pyz_fixtures.pyz, pyz_fixtures.bare_python


@dataclass(frozen=True)
class Invocation:
    file: str  # relative to examples/
    where: str  # where in the file, e.g. services.localstack.healthcheck.test
    args: tuple[str, ...]  # what follows the program word

    def __str__(self) -> str:
        return f"{self.file} {self.where}: foundry-discover {shlex.join(self.args)}"


# ---- finding the commands -------------------------------------------------------------


def tool_args(argv: list[str]) -> list[str] | None:
    """The arguments after `foundry-discover` (or `python3 [-I] .../foundry-discover.pyz`)."""
    for i, word in enumerate(argv):
        base = word.rsplit("/", 1)[-1]
        if base == "foundry-discover" or (base.startswith("foundry-discover") and base.endswith(".pyz")):
            return argv[i + 1 :]
    return None


def shell_commands(script: str) -> Iterator[list[str]]:
    """Each simple command of a POSIX shell script (continued lines joined, split at && ; | ...)."""
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        redirect = False
        for token in lexer:
            if redirect:
                redirect = False  # the redirect's file, not an argument
            elif token in REDIRECTS:
                redirect = True
            elif token in SHELL_OPERATORS:
                if current:
                    yield current
                current = []
            else:
                current.append(token)
        if current:
            yield current


def from_argv(file: str, where: str, argv: list[str]) -> Iterator[Invocation]:
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("sh", "bash") and argv[1] == "-c":
        yield from from_shell(file, where, argv[2])
        return
    args = tool_args(argv)
    if args is not None:
        yield Invocation(file, where, tuple(args))


def from_shell(file: str, where: str, script: str) -> Iterator[Invocation]:
    for argv in shell_commands(script):
        yield from from_argv(file, where, argv)


def compose(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    for name, service in doc["services"].items():
        test = (service.get("healthcheck") or {}).get("test")
        where = f"services.{name}.healthcheck.test"
        if isinstance(test, str):
            yield from from_shell(file, where, test)
        elif isinstance(test, list) and test[:1] == ["CMD"]:
            yield from from_argv(file, where, [str(x) for x in test[1:]])
        elif isinstance(test, list) and test[:1] == ["CMD-SHELL"]:
            yield from from_shell(file, where, test[1])
        for key in ("entrypoint", "command"):
            value = service.get(key)
            if isinstance(value, str):
                yield from from_shell(file, f"services.{name}.{key}", value)
            elif isinstance(value, list):
                yield from from_argv(file, f"services.{name}.{key}", [str(x) for x in value])


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    kind = doc["kind"]
    if kind == "Pod":
        return doc["spec"]  # type: ignore[no-any-return]
    if kind == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    if kind in ("Deployment", "Job", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return doc["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    return {}


def kubernetes(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    spec = pod_spec(doc)
    for group in ("initContainers", "containers"):
        for container in spec.get(group, []):
            argv = [str(x) for x in [*container.get("command", []), *container.get("args", [])]]
            yield from from_argv(file, f"{doc['kind']}/{doc['metadata']['name']}.{group}.{container['name']}", argv)


def github(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    for job_name, job in doc["jobs"].items():
        for i, step in enumerate(job.get("steps", [])):
            if "run" in step:
                yield from from_shell(file, f"jobs.{job_name}.steps[{i}].run", step["run"])


def gitlab(file: str, doc: dict[str, Any]) -> Iterator[Invocation]:
    for job_name, job in doc.items():
        if not isinstance(job, dict):
            continue
        for key in ("before_script", "script", "after_script"):
            for i, line in enumerate(job.get(key, [])):
                yield from from_shell(file, f"{job_name}.{key}[{i}]", line)


def kind_of(doc: dict[str, Any]) -> str:
    if "apiVersion" in doc and "kind" in doc:
        return "kubernetes"
    if "services" in doc and all(isinstance(s, dict) and "image" in s for s in doc["services"].values()):
        return "compose"
    if "jobs" in doc and all("runs-on" in job for job in doc["jobs"].values()):
        return "github"
    if any(isinstance(job, dict) and "script" in job for job in doc.values()):
        return "gitlab"
    return "unknown"


def yaml_files() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*") if p.suffix in (".yml", ".yaml"))


def load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def dockerfile(file: str, text: str) -> Iterator[Invocation]:
    for instruction in text.replace("\\\n", " ").splitlines():
        word, _, rest = instruction.strip().partition(" ")
        if word == "RUN":
            yield from from_shell(file, "RUN", rest)
        elif word in ("CMD", "ENTRYPOINT"):
            rest = rest.strip()
            if rest.startswith("["):
                yield from from_argv(file, word, json.loads(rest))
            else:
                yield from from_shell(file, word, rest)


def invocations() -> list[Invocation]:
    extract = {"compose": compose, "kubernetes": kubernetes, "github": github, "gitlab": gitlab}
    found: list[Invocation] = []
    for path in yaml_files():
        rel = str(path.relative_to(EXAMPLES))
        for doc in load(path):
            kind = kind_of(doc)
            if kind in extract:
                found += extract[kind](rel, doc)
    for path in sorted(EXAMPLES.rglob("Dockerfile")):
        found += dockerfile(str(path.relative_to(EXAMPLES)), path.read_text())
    return found


# ---- checking them against the real CLI -----------------------------------------------


def parse(args: tuple[str, ...]) -> tuple[str, click.Context | None]:
    """Parse as the CLI would: (leaf command path, its context). Raises a click UsageError."""
    command: click.Command = typer.main.get_command(app)
    path: list[str] = []
    try:
        ctx = command.make_context("foundry-discover", list(args), resilient_parsing=False)
        while isinstance(command, TyperGroup):
            rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
            if not rest:
                raise click.exceptions.UsageError(f"{' '.join(['foundry-discover', *path])} needs a command")
            name, sub, rest = command.resolve_command(ctx, rest)
            assert name is not None and sub is not None
            path.append(name)
            command = sub
            ctx = sub.make_context(name, rest, parent=ctx, resilient_parsing=False)
    except typer.Exit as done:  # --version, --help: valid, and nothing to run
        assert done.exit_code == 0
        return " ".join(path), None
    return " ".join(path), ctx


def arguments(ctx: click.Context) -> list[str]:
    """The positional values of a parsed command (its service names)."""
    values: list[str] = []
    for param in ctx.command.params:
        if isinstance(param, TyperArgument) and param.name:
            value = ctx.params.get(param.name)
            values += [] if value is None else [value] if isinstance(value, str) else list(value)
    return values


def runnable(inv: Invocation) -> bool:
    """Touches LocalStack alone (and any --url is loopback), so it can run on this machine."""
    try:
        leaf, ctx = parse(inv.args)
    except click.exceptions.UsageError:
        return False  # test_every_invocation_parses says why
    if ctx is None or leaf not in ("health", "url", "doctor"):
        return False
    names = [n.lower() for n in arguments(ctx)]
    if leaf == "doctor" and not names:
        return False  # every known service: redis, postgres ... are not here
    url = ctx.params.get("url")
    loopback = url is None or urlsplit(url).hostname in ("127.0.0.1", "localhost")
    return set(names) <= {"localstack"} and not ctx.params.get("all") and loopback


INVOCATIONS = invocations()
RUNNABLE = [inv for inv in INVOCATIONS if runnable(inv)]


def test_every_example_yaml_parses_and_is_recognised() -> None:
    assert yaml_files(), "examples/ has no YAML"
    for path in yaml_files():
        docs = load(path)
        assert docs, f"{path} is empty"
        kinds = {kind_of(doc) for doc in docs}
        assert "unknown" not in kinds, f"{path}: not Compose, Kubernetes, GitHub Actions or GitLab CI"


def by_file(file: str) -> list[Invocation]:
    return [inv for inv in INVOCATIONS if inv.file == file]


def test_compose_gates_the_backend_on_a_foundry_discover_healthcheck() -> None:
    (doc,) = load(EXAMPLES / "compose" / "docker-compose.yml")
    (check,) = by_file("compose/docker-compose.yml")
    assert check.where == "services.localstack.healthcheck.test"
    assert check.args[0] == "health" and "--require" in check.args
    pyz_path = doc["services"]["localstack"]["healthcheck"]["test"][3]
    assert pyz_path.endswith("foundry-discover.pyz")
    assert any(v.split(":")[1:] == [pyz_path, "ro"] for v in doc["services"]["localstack"]["volumes"]), (
        "the healthcheck's .pyz must be mounted read-only into the localstack container"
    )
    backend = doc["services"]["foundry-backend"]
    assert backend["depends_on"] == {"localstack": {"condition": "service_healthy"}}
    assert {"SVC_LOCALSTACK_HOST=localstack", "LOCALSTACK_PORT=4566"} <= set(backend["environment"])


def test_kubernetes_init_container_and_doctor_job() -> None:
    init = [inv for inv in by_file("kubernetes/deployment.yaml") if ".initContainers." in inv.where]
    assert [inv.args for inv in init] == [("doctor", "--wait", "--timeout", "120", "localstack", "redis")]

    docs = {doc["kind"]: doc for doc in load(EXAMPLES / "kubernetes" / "doctor-job.yaml")}
    (job,) = by_file("kubernetes/doctor-job.yaml")
    assert job.args[:2] == ("doctor", "--junit")
    report = Path(job.args[2])
    spec = pod_spec(docs["Job"])
    (container,) = spec["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    (volume,) = [volumes[name] for name, path in mounts.items() if report.parent == Path(path)]
    claim = volume.get("persistentVolumeClaim", {}).get("claimName")
    assert "emptyDir" in volume or claim == docs["PersistentVolumeClaim"]["metadata"]["name"]
    assert spec["restartPolicy"] == "Never"


@pytest.mark.parametrize("file", ["ci/github-actions.yml", "ci/gitlab-ci.yml"])
def test_ci_gates_on_health_and_doctor_and_keeps_the_report(file: str) -> None:
    found = by_file(file)
    health = [inv.args for inv in found if inv.args[0] == "health"]
    doctor = [inv.args for inv in found if inv.args[0] == "doctor"]
    assert any("--wait" in a and "--require" in a and "secretsmanager" in a for a in health), health
    (gate,) = doctor
    assert "--wait" in gate and "--junit" in gate
    report = gate[gate.index("--junit") + 1]
    (doc,) = load(EXAMPLES / file)
    if file.startswith("ci/github"):
        uploads = [s for s in doc["jobs"]["smoke"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
        assert [s["with"]["path"] for s in uploads] == [report]
        assert uploads[0]["if"] == "always()"
    else:
        assert doc["stack-smoke"]["artifacts"]["reports"]["junit"] == report


def test_the_parser_check_can_fail() -> None:
    """The check below rejects what the CLI rejects, with click's own errors."""
    with pytest.raises(click.exceptions.NoSuchOption):
        parse(("health", "--wiat"))
    with pytest.raises(click.exceptions.BadParameter):
        parse(("health", "--timeout", "soon"))
    with pytest.raises(click.exceptions.UsageError):
        parse(("helth",))
    with pytest.raises(click.exceptions.UsageError):
        parse(("secret",))
    assert parse(("--version",)) == ("", None)
    assert tool_args(["python3", "-I", "/opt/foundry-discover.pyz", "url"]) == ["url"]
    script = "a && foundry-discover url x # c\nb | c; foundry-discover \\\n  health --wait > out.txt"
    assert list(shell_commands(script)) == [
        ["a"],
        ["foundry-discover", "url", "x"],
        ["b"],
        ["c"],
        ["foundry-discover", "health", "--wait"],
    ]


@pytest.mark.parametrize("inv", INVOCATIONS, ids=str)
def test_every_invocation_parses(inv: Invocation) -> None:
    if inv.args[:1] == ("doctor",):
        need(HAVE_DOCTOR, "the doctor command is not registered in foundry_discover.cli.COMMANDS yet")
    if inv.args[:1] == ("audit",):
        need(HAVE_AUDIT, "the audit command (issue 19) is not registered in foundry_discover.cli.COMMANDS yet")
    try:
        parse(inv.args)
    except click.exceptions.UsageError as exc:
        pytest.fail(f"{inv}\n  is not a valid invocation: {exc.format_message()}")


def test_the_runnable_ones_cover_compose_and_ci() -> None:
    files = {inv.file for inv in RUNNABLE}
    assert {"compose/docker-compose.yml", "ci/github-actions.yml", "ci/gitlab-ci.yml"} <= files, RUNNABLE
    assert any(inv.args[0] == "doctor" for inv in RUNNABLE) == HAVE_DOCTOR


def here(args: tuple[str, ...], emulator: Emulator) -> list[str]:
    """The same arguments, with a loopback --url pointed at the emulator (port 4566 in a container)."""
    out = list(args)
    for i, word in enumerate(out[:-1]):
        if word == "--url":
            parts = urlsplit(out[i + 1])
            assert parts.port == 4566, f"{out[i + 1]}: LocalStack's gateway is 4566"
            out[i + 1] = emulator.url + parts.path
    return out


@pytest.mark.parametrize("inv", RUNNABLE, ids=str)
def test_runnable_invocations_pass_against_the_emulator(inv: Invocation, emulator: Emulator, tmp_path: Path) -> None:
    out = run_cli(*here(inv.args, emulator), env=cli_env(**at(emulator)), cwd=tmp_path, timeout=180)
    assert out.returncode == 0, f"{inv}\nexit {out.returncode}\n{out.stdout}\n{out.stderr}"
    if "--junit" in inv.args:
        report = ET.parse(tmp_path / inv.args[inv.args.index("--junit") + 1]).getroot()
        cases = report.findall(".//testcase")
        assert cases, "the JUnit report has no test cases"
        assert not report.findall(".//failure") and not report.findall(".//error")


def test_kubernetes_examples_run_the_product_image() -> None:
    """The root Dockerfile's image (tests/test_docker_image.py builds and runs it), by its version tag."""
    version = re.search(r"^ARG VERSION=(\S+)$", (ROOT / "Dockerfile").read_text(), re.M)
    assert version is not None and version.group(1) == __version__
    images = set()
    for file in ("deployment.yaml", "doctor-job.yaml"):
        for doc in load(EXAMPLES / "kubernetes" / file):
            if doc["kind"] in ("Deployment", "Job"):
                spec = pod_spec(doc)
                containers = [*spec.get("initContainers", []), *spec["containers"]]
                images |= {c["image"] for c in containers if "foundry-discover" in json.dumps(c.get("command", []))}
    assert images == {f"foundry-discover:{__version__}"}
    assert not (EXAMPLES / "kubernetes" / "Dockerfile").exists(), "one image: the root Dockerfile"


def test_kubernetes_examples_set_every_port_explicitly_over_service_links() -> None:
    """A Service named localstack injects LOCALSTACK_PORT=tcp://...; explicit env in the pod spec wins."""
    from foundry_discover.registry import Registry

    for file in ("deployment.yaml", "doctor-job.yaml"):
        for doc in load(EXAMPLES / "kubernetes" / file):
            if doc.get("kind") not in ("Deployment", "Job"):
                continue
            spec = pod_spec(doc)
            for container in spec.get("initContainers", []) + spec["containers"]:
                env = {e["name"]: e["value"] for e in container.get("env", [])}
                hosts = [k for k in env if k.startswith("SVC_") and k.endswith("_HOST")]
                assert hosts, f"{file}: {container['name']} sets no registry variables"
                links_off = spec.get("enableServiceLinks") is False
                for host in hosts:
                    port = host.removeprefix("SVC_").removesuffix("_HOST") + "_PORT"
                    assert links_off or port in env, f"{file}: {container['name']} leaves {port} to service links"
                # What the registry makes of the pod's env with a kubelet's links added under it.
                injected = {"LOCALSTACK_PORT": "tcp://10.96.0.12:4566", "REDIS_PORT": "tcp://10.96.0.13:6379"}
                registry = Registry.from_mapping({**injected, **env})
                for host in hosts:
                    registry.get(host.removeprefix("SVC_").removesuffix("_HOST"))


# ---- emulator images that start without an account ---------------------------------------

TOKEN = "LOCALSTACK_AUTH_TOKEN"


@dataclass(frozen=True)
class Image:
    file: str
    where: str
    image: str
    env: dict[str, str]  # the variables the container gets from the file


def needs_account(image: str) -> bool:
    """True for a LocalStack image that exits (code 55) without LOCALSTACK_AUTH_TOKEN.

    Since 2026.03.0 (March 2026, when releases moved to calendar versions) every
    localstack/localstack release needs one, and so do `latest` and the other moving tags;
    4.x and older start without. The -pro image always needed one. Only a tag tells:
    an image pinned by digest alone is taken to need one.
    """
    name = image.split("@", 1)[0]
    repo, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    repo = "/".join(repo.split("/")[-2:])  # docker.io/localstack/localstack and the like
    if repo == "localstack/localstack-pro":
        return True
    if repo != "localstack/localstack":
        return False
    major = tag.split(".", 1)[0]
    return not major.isdigit() or int(major) >= 2026


def env_of(value: Any) -> dict[str, str]:
    """Compose's `environment` (list or mapping), Kubernetes' `env`, a CI `env`/`variables`."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    found: dict[str, str] = {}
    for item in value or []:
        if isinstance(item, dict) and "name" in item:
            found[item["name"]] = str(item.get("value", item.get("valueFrom", "")))
        elif isinstance(item, str):
            key, _, val = item.partition("=")
            found[key] = val
    return found


def images_in(file: str, doc: dict[str, Any]) -> Iterator[Image]:
    kind = kind_of(doc)
    if kind == "compose":
        for name, service in doc["services"].items():
            yield Image(file, f"services.{name}", service["image"], env_of(service.get("environment")))
    elif kind == "github":
        for job_name, job in doc["jobs"].items():
            for name, service in (job.get("services") or {}).items():
                yield Image(file, f"jobs.{job_name}.services.{name}", service["image"], env_of(service.get("env")))
            container = job.get("container")
            if container:
                spec = container if isinstance(container, dict) else {"image": container}
                yield Image(file, f"jobs.{job_name}.container", spec["image"], env_of(spec.get("env")))
    elif kind == "gitlab":
        for job_name, job in doc.items():
            if not isinstance(job, dict):
                continue
            # Services get the job's variables (and the file's global ones).
            shared = {**env_of(doc.get("variables")), **env_of(job.get("variables"))}
            for i, service in enumerate(job.get("services", [])):
                spec = service if isinstance(service, dict) else {"name": service}
                env = {**shared, **env_of(spec.get("variables"))}
                yield Image(file, f"{job_name}.services[{i}]", spec["name"], env)
            if "image" in job:
                spec = job["image"] if isinstance(job["image"], dict) else {"name": job["image"]}
                yield Image(file, f"{job_name}.image", spec["name"], shared)
    elif kind == "kubernetes":
        spec = pod_spec(doc)
        for group in ("initContainers", "containers"):
            for c in spec.get(group, []):
                where = f"{doc['kind']}/{doc['metadata']['name']}.{group}.{c['name']}"
                yield Image(file, where, c["image"], env_of(c.get("env")))


def example_images() -> list[Image]:
    found: list[Image] = []
    for path in yaml_files():
        for doc in load(path):
            found += images_in(str(path.relative_to(EXAMPLES)), doc)
    for path in sorted(EXAMPLES.rglob("Dockerfile")):
        words = [line.split() for line in path.read_text().splitlines() if line.strip()]
        env = {w[1].split("=")[0]: "" for w in words if w[0] == "ENV"}
        rel = str(path.relative_to(EXAMPLES))
        found += [Image(rel, "FROM", w[1], env) for w in words if w[0] == "FROM"]
    return found


def account_problem(image: Image) -> str | None:
    """Why this container would not start, or would leak the token; None when it is fine."""
    token = image.env.get(TOKEN)
    if needs_account(image.image) and token is None:
        return f"{image.file} {image.where}: {image.image} exits with code 55 without {TOKEN}"
    if token is not None and "$" not in token and "secretKeyRef" not in token:
        return f"{image.file} {image.where}: {TOKEN} is written into the file; take it from a secret"
    return None


@pytest.mark.parametrize(
    ("image", "needs"),
    [
        ("localstack/localstack", True),
        ("localstack/localstack:latest", True),
        ("localstack/localstack:stable", True),
        ("localstack/localstack:s3-latest", True),
        ("docker.io/localstack/localstack:2026.03.0", True),
        ("localstack/localstack:2026.11.1", True),
        ("localstack/localstack@sha256:" + "0" * 64, True),
        ("localstack/localstack-pro:4.4", True),
        ("localstack/localstack:4.14.0", False),
        ("localstack/localstack:4.4", False),
        ("localhost:5000/localstack/localstack:3.8.1", False),
        ("localstack/localstack:4.14.0@sha256:" + "0" * 64, False),
        ("ministackorg/ministack:1.5.33", False),
        ("motoserver/moto:5.1.0", False),
        ("python:3.12-slim", False),
    ],
)
def test_which_emulator_images_need_an_account(image: str, needs: bool) -> None:
    assert needs_account(image) is needs


def test_no_example_starts_an_emulator_that_exits_without_a_token() -> None:
    images = example_images()
    emulators = [i for i in images if "localstack" in i.image or "ministack" in i.image]
    assert {i.file for i in emulators} >= {"compose/docker-compose.yml", "ci/github-actions.yml", "ci/gitlab-ci.yml"}
    problems = [p for p in map(account_problem, images) if p]
    assert not problems, "\n".join(problems)


def test_the_account_check_catches_latest_in_a_template() -> None:
    """The check above can fail: the GitHub template as it was before (issue 20) fails it."""
    (doc,) = load(EXAMPLES / "ci" / "github-actions.yml")
    doc["jobs"]["smoke"]["services"]["localstack"]["image"] = "localstack/localstack:latest"
    (service,) = [i for i in images_in("ci/github-actions.yml", doc) if i.where.endswith(".localstack")]
    assert account_problem(service) == (
        "ci/github-actions.yml jobs.smoke.services.localstack: localstack/localstack:latest exits with code 55"
        " without LOCALSTACK_AUTH_TOKEN"
    )
    # The token variant the templates describe is fine, a token written into the file is not.
    doc["jobs"]["smoke"]["services"]["localstack"]["env"] = {TOKEN: "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"}
    (service,) = [i for i in images_in("ci/github-actions.yml", doc) if i.where.endswith(".localstack")]
    assert account_problem(service) is None
    doc["jobs"]["smoke"]["services"]["localstack"]["env"] = {TOKEN: "ls-abc123"}
    (service,) = [i for i in images_in("ci/github-actions.yml", doc) if i.where.endswith(".localstack")]
    assert "take it from a secret" in str(account_problem(service))
    gitlab = {"job": {"script": ["true"], "services": ["localstack/localstack"]}}
    assert account_problem(next(images_in("gitlab-ci.yml", gitlab))) is not None
    gitlab["variables"] = {TOKEN: "$LOCALSTACK_AUTH_TOKEN"}  # type: ignore[assignment]
    assert account_problem(next(images_in("gitlab-ci.yml", gitlab))) is None
    compose = {"services": {"ls": {"image": "localstack/localstack:latest", "environment": [f"{TOKEN}=x"]}}}
    assert "take it from a secret" in str(account_problem(next(images_in("compose.yml", compose))))
