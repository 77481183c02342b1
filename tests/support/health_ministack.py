"""MiniStack with ready.d scripts, without touching this machine's /etc.

MiniStack reads its ready scripts from fixed absolute paths only
(``/etc/localstack/init/ready.d`` and ``/docker-entrypoint-initaws.d/ready.d``; see
``_run_ready_scripts`` in ministack/app.py). So the process runs in a mount namespace of
its own (we are root) where an overlay on /etc adds that folder: the host's /etc, and
every other MiniStack on the machine, never see it. The namespace dies with the process.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support import emulators


def can_start() -> tuple[bool, str]:
    if os.geteuid() != 0:
        return False, "MiniStack's ready.d lives under /etc: a private mount namespace needs root"
    if not shutil.which("unshare"):
        return False, "unshare (util-linux) is not installed"
    if not emulators.is_installed("ministack"):
        return False, "ministack is not installed (run scripts/check, which installs it)"
    return True, ""


def start(ready_scripts: dict[str, str], *, port: int | None = None) -> emulators.Emulator:
    """MiniStack on a free loopback port whose ready.d holds ``ready_scripts``; not waited for."""
    port = port or emulators.free_port()
    root = Path(tempfile.mkdtemp(prefix="fd-ministack-init-"))
    upper, work = root / "upper", root / "work"
    ready_d = upper / "localstack" / "init" / "ready.d"
    ready_d.mkdir(parents=True)
    work.mkdir()
    for name, text in ready_scripts.items():
        script = ready_d / name
        script.write_text(text)
        script.chmod(0o755)
    ministack = emulators.venv_dir("ministack") / "bin" / "ministack"
    shell = (
        f"mount -t overlay overlay -o lowerdir=/etc,upperdir={shlex.quote(str(upper))},"
        f"workdir={shlex.quote(str(work))} /etc && exec {shlex.quote(str(ministack))}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALSTACK_", "SVC_"))}
    env.update(BIND_HOST="127.0.0.1", GATEWAY_PORT=str(port))
    log_path = root / "emulator.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", shell],
            env=env,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return emulators.Emulator("ministack", port, process, root, log_path, env)
