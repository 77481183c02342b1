"""stdout and stderr that a reader may close: `foundry-discover health | head -1`.

A reader that stops reading (``head``, ``grep -m1``, quitting ``less``) is normal use,
not a failure of the command. Python ignores SIGPIPE, so the next write raises
BrokenPipeError, and one more comes when the interpreter flushes stdout at exit.
``install()`` puts streams in place whose lowest layer, on EPIPE, points the file
descriptor at /dev/null (what the Python documentation recommends, in its note on
SIGPIPE) and carries on. Nothing more is printed, no traceback, and the command ends
with its own exit code, so ``set -o pipefail`` reports the check and not the pipe.
"""

from __future__ import annotations

import io
import os
import sys

TYPE_CHECKING = False  # not typing's: every command, `health NAME` too, installs these first
if TYPE_CHECKING:
    from typing import IO, Any


class _PipeSafeFile(io.FileIO):
    """A raw file whose writes survive a closed pipe by going to /dev/null from then on."""

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self.fileno())
            finally:
                os.close(devnull)
            return memoryview(data).nbytes


def _pipe_safe(stream: IO[str]) -> IO[str] | None:
    """A stream on the same descriptor with the same settings, or None when it has none."""
    if not isinstance(stream, io.TextIOWrapper):
        return None  # a test runner's capture, or something an embedding program set up
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return None
    stream.flush()
    raw = _PipeSafeFile(fd, "w", closefd=False)
    unbuffered = isinstance(stream.buffer, io.RawIOBase)
    binary: Any = raw if unbuffered else io.BufferedWriter(raw)
    return io.TextIOWrapper(
        binary,
        encoding=stream.encoding,
        errors=stream.errors,
        newline="\n",
        line_buffering=stream.line_buffering,
        write_through=stream.write_through,
    )


def install() -> None:
    """Replace sys.stdout and sys.stderr by pipe-safe equivalents (once per process)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(getattr(stream, "buffer", None), io.BufferedWriter) and isinstance(
            stream.buffer.raw, _PipeSafeFile
        ):
            continue
        if isinstance(stream, io.TextIOWrapper) and isinstance(stream.buffer, _PipeSafeFile):
            continue
        safe = _pipe_safe(stream)
        if safe is not None:
            setattr(sys, name, safe)
