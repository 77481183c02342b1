"""Run the CLI on a real pseudo-terminal of a given width, as a person's narrow window is."""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def run_on_tty(args: list[str], env: dict[str, str], columns: int, timeout: float = 60) -> tuple[int, str]:
    """The console script with stdout and stderr on a pty ``columns`` wide; its exit code and
    the text it wrote, escape sequences removed and line ends normalised."""
    exe = Path(sys.executable).with_name("foundry-discover")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in env.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES="24")
    proc = subprocess.Popen([str(exe), *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the child closed its side
                if exc.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = ANSI.sub("", b"".join(chunks).decode("utf-8", errors="replace")).replace("\r\n", "\n")
    return code, text


def columns_joined(text: str) -> list[str]:
    """Each column of the rich tables in ``text``, its cells' lines joined without spaces,
    so a value folded over several lines reads whole again."""
    cols: dict[int, list[str]] = {}
    for line in text.splitlines():
        if "│" not in line and "┃" not in line:
            continue
        for index, piece in enumerate(re.split("[│┃]", line)):
            cols.setdefault(index, []).append(piece.strip().replace(" ", ""))
    return ["".join(parts) for _, parts in sorted(cols.items())]
