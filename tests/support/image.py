"""The product image (the root Dockerfile) built with the real ``docker build``, offline.

No registry is reachable from the private dockerd, so the Dockerfile's ``BASE`` build
argument points at a base made here, and pip finds every wheel in the build context:

* :func:`python_base` imports a root filesystem that holds a real Python, as the official
  slim image does: this venv's base interpreter copied to ``/usr/local`` (its standard
  library and pip, no other site-packages), ``/bin/sh``, a few coreutils, and the shared
  libraries all of them load (as ``ldd`` finds them on this machine);
* :func:`wheelhouse` is ``pip wheel`` on the host (its own pip set-up, beforehand): the
  project's wheel, every dependency's, and setuptools for the builder stage's build;
* :func:`build` copies what the Dockerfile reads into a context folder with the
  wheelhouse beside it and runs ``docker build --build-arg BASE=... --build-arg
  PIP_NO_INDEX=1 --build-arg PIP_FIND_LINKS=/src/wheelhouse``.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.support import docker
from tests.support.docker import ROOT, Engine

PYTHON_BASE = "foundry-discover-test/python-base:latest"
#: What the Dockerfile copies from the repository (the rest of the context is .dockerignore'd).
CONTEXT = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "foundry_discover", "completions")
#: Commands a Dockerfile's RUN lines may use, from the host's /usr/bin.
TOOLS = ("dash", "env", "ls", "cat", "mkdir", "rm", "ln", "chmod", "id", "sleep", "true")
#: Parts of the standard library an image never needs (tests, Tk, IDLE, the static libpython).
SKIP = re.compile(r"/(test|tests|idlelib|tkinter|turtledemo|ensurepip|config-[^/]*)(/|$)")


@dataclass
class Built:
    image: str
    seconds: float
    log: str


def _libraries(binaries: Iterable[Path]) -> set[Path]:
    """The shared libraries (and the loader) the binaries load, as ldd resolves them here."""
    found: set[Path] = set()
    for binary in binaries:
        out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
        for match in re.finditer(r"(?:=>\s*)?(/\S+)\s+\(0x", out):
            found.add(Path(match.group(1)))
    return found


def _usr_merged(path: Path) -> str:
    """The path inside the image, whose /bin, /lib and /lib64 are links into /usr."""
    text = str(path)
    for top in ("/bin/", "/lib/", "/lib64/", "/sbin/"):
        if text.startswith(top):
            text = "/usr" + text
    return text.lstrip("/")


def _python_tar() -> bytes:
    home = docker._python_home(sys.executable)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    dynload = stdlib / "lib-dynload"
    libpython = next(iter(sorted(home.glob(f"lib/libpython{version}*.so*"))), None)
    binaries = [home / "bin" / f"python{version}", *dynload.glob("*.so"), *(Path("/usr/bin") / t for t in TOOLS)]
    binaries += [libpython] if libpython else []
    buf = io.BytesIO(docker._rootfs_tar())
    out = io.BytesIO()
    with tarfile.open(fileobj=buf) as base, tarfile.open(fileobj=out, mode="w") as tar:
        for member in base.getmembers():
            tar.addfile(member, base.extractfile(member) if member.isfile() else None)

        def add(source: Path, name: str) -> None:
            info = tar.gettarinfo(str(source), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isfile():
                with open(source, "rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)

        def add_resolved(source: Path, name: str) -> None:
            """A file at ``name`` with the content of what ``source`` (maybe a link) points to."""
            real = source.resolve()
            info = tar.gettarinfo(str(real), arcname=name)
            info.uid = info.gid = 0
            info.mode |= 0o444
            with open(real, "rb") as handle:
                tar.addfile(info, handle)

        for lib in sorted(_libraries(binaries)):
            if not lib.is_relative_to(home):
                add_resolved(lib, _usr_merged(lib))
        if libpython is not None:  # its RUNPATH names the host's prefix: put it where the loader looks
            add_resolved(libpython, f"usr/lib/x86_64-linux-gnu/{libpython.name}")
        add_resolved(home / "bin" / f"python{version}", f"usr/local/bin/python{version}")
        for link in ("python3", "python"):
            info = tarfile.TarInfo(f"usr/local/bin/{link}")
            info.type, info.linkname = tarfile.SYMTYPE, f"python{version}"
            tar.addfile(info)
        for tool in TOOLS:
            add_resolved(Path("/usr/bin") / tool, f"usr/bin/{tool}")
        info = tarfile.TarInfo("usr/bin/sh")
        info.type, info.linkname = tarfile.SYMTYPE, "dash"
        tar.addfile(info)
        site = stdlib / "site-packages"
        for path in sorted(stdlib.rglob("*")):
            rel = path.relative_to(stdlib)
            if SKIP.search(f"/{rel}") or (path.is_relative_to(site) and path != site and not _is_pip(path, site)):
                continue
            add(path, f"usr/local/lib/python{version}/{rel}")
    return out.getvalue()


def _with_loader_cache(data: bytes) -> bytes:
    """The tree with an /etc/ld.so.cache (ldconfig -r), as every distribution's image has:
    without it the loader looks in none of Debian's multiarch folders."""
    with tempfile.TemporaryDirectory(prefix="fd-python-base-") as tmp:
        tree = Path(tmp)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tree, filter="tar")
        (tree / "etc" / "ld.so.conf").write_text("/usr/local/lib\n/usr/lib/x86_64-linux-gnu\n")
        subprocess.run(["ldconfig", "-r", str(tree)], check=True, capture_output=True)
        return subprocess.run(["tar", "-C", str(tree), "-c", "."], check=True, capture_output=True).stdout


def _is_pip(path: Path, site: Path) -> bool:
    top = path.relative_to(site).parts[0]
    return top == "pip" or (top.startswith("pip-") and top.endswith(".dist-info"))


def python_base(engine: Engine) -> str:
    """A base image with a Python at /usr/local and pip, as python:3.X-slim has; built once per daemon."""
    if "python-base" not in engine.images:
        tree = _with_loader_cache(_python_tar())
        engine.docker("import", "--message=foundry-discover test Python base", "-", PYTHON_BASE, input=tree)
        engine.images["python-base"] = PYTHON_BASE
    return engine.images["python-base"]


def wheelhouse(folder: Path) -> Path:
    """``pip wheel`` of the project and its dependencies (and the build backend) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    pyproject = (ROOT / "pyproject.toml").read_text()
    backend = re.search(r'requires\s*=\s*\[\s*"([^"]+)"', pyproject)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--wheel-dir",
            str(folder),
            f"{ROOT}[audit]",
            backend.group(1) if backend else "setuptools",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return folder


def context(folder: Path, wheels: Path) -> Path:
    """A build context: what the Dockerfile reads from the repository, and the wheelhouse."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in CONTEXT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, folder / name)
    shutil.copytree(wheels, folder / "wheelhouse")
    return folder


def build(engine: Engine, folder: Path, tag: str, base: str) -> Built:
    """``docker build`` with BuildKit, offline: the local base, pip on the context's wheelhouse."""
    argv = [
        docker.DOCKER,
        "build",
        "--progress=plain",
        f"--build-arg=BASE={base}",
        "--build-arg=PIP_NO_INDEX=1",
        "--build-arg=PIP_FIND_LINKS=/src/wheelhouse",
        f"--tag={tag}",
        str(folder),
    ]
    started = time.monotonic()
    done = subprocess.run(argv, env=engine.env(DOCKER_BUILDKIT="1"), capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"docker build exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-6000:]}")
    return Built(tag, seconds, done.stderr)
