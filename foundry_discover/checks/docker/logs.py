"""The last lines a stopped container printed: ``GET /containers/{id}/logs``, read as ``docker logs`` does.

Without a TTY the daemon multiplexes stdout and stderr into one body of frames, each behind
an 8-byte header: the stream (0 stdin, written as stdout; 1 stdout; 2 stderr; 3 an error of
the daemon's own), three zero bytes, and the payload's size as a big-endian uint32
(moby's ``pkg/stdcopy``). With a TTY the body is the raw terminal output. API 1.42 and later
say which in ``Content-Type``; older daemons (20.10 is 1.41) call both a raw stream, so the
container's ``Config.Tty`` decides. The tail is bounded in lines, characters per line and
bytes in all, made printable, and masked (``mask``) before it is kept: no secret value
leaves this module.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from foundry_discover.checks.docker.mask import mask

#: Asked of the daemon: enough for a traceback's end and the message before it.
TAIL = 40
#: Kept and shown: the last lines, each cut to LINE_CHARS, all of them within MAX_BYTES.
MAX_LINES = 20
LINE_CHARS = 300
MAX_BYTES = 4096
#: Read no further than this: 40 lines of a chatty program, not a 2 GB line.
READ_LIMIT = 256 * 1024
HEADER = struct.Struct(">BxxxI")
STREAMS = {0: "stdout", 1: "stdout", 2: "stderr", 3: "daemon"}
#: Terminal escapes (colours, cursor moves, titles) and the other control characters but tab.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f]"
)


@dataclass(frozen=True)
class Frame:
    stream: str
    payload: bytes


@dataclass(frozen=True)
class LogTail:
    """The end of a container's output as doctor shows it: bounded, printable, masked."""

    container: str
    lines: tuple[str, ...]
    #: Lines or bytes were left out (more than shown, a line cut, the read limit reached).
    truncated: bool = False
    #: How many secret values were replaced by the mask.
    masked: int = 0
    #: Why there is no tail (a logging driver that cannot be read, an API error), else None.
    error: str | None = None


def demux(body: bytes) -> tuple[list[Frame], bool]:
    """The frames of a multiplexed body, and whether it ended on a frame boundary.

    A header whose stream byte is not 0-3 or whose padding is not zero means the body is not
    multiplexed: ValueError. A body cut inside a frame keeps the part that came, as the
    daemon sent it; moby's reader drops it, but the end of a log is what this is for.
    """
    frames: list[Frame] = []
    offset = 0
    while offset < len(body):
        head = body[offset : offset + HEADER.size]
        if len(head) < HEADER.size:
            return frames, False
        if head[0] not in STREAMS or head[1:4] != b"\0\0\0":
            raise ValueError(f"not a multiplexed stream: header {head.hex()} at byte {offset}")
        stream, size = HEADER.unpack(head)
        start = offset + HEADER.size
        payload = body[start : start + size]
        frames.append(Frame(STREAMS[stream], payload))
        if len(payload) < size:
            return frames, False
        offset = start + size
    return frames, True


def frame(stream: int, payload: bytes) -> bytes:
    """One frame as dockerd writes it (for tests and stand-in servers)."""
    return HEADER.pack(stream, len(payload)) + payload


def text_of(body: bytes, tty: bool) -> tuple[str, bool]:
    """The output as text, and whether it is whole: frames joined in order, or the raw TTY bytes."""
    if not tty:
        try:
            frames, whole = demux(body)
        except ValueError:
            pass  # a TTY container after all, or a proxy's own body: read it as raw
        else:
            return b"".join(f.payload for f in frames).decode("utf-8", errors="replace"), whole
    return body.decode("utf-8", errors="replace"), True


def printable(line: str) -> str:
    """No terminal escape or control character reaches the reader's terminal."""
    return _ESCAPES.sub("", line.replace("\t", "    ")).rstrip()


def bounded(text: str, secrets: Sequence[str], container: str, cut: bool = False) -> LogTail:
    """The last MAX_LINES non-empty lines of ``text``, each masked, cut to LINE_CHARS, within MAX_BYTES."""
    # A carriage return alone is a progress bar redrawing its line: keep what it ended as.
    lines = [printable(raw.rstrip("\r").rsplit("\r", 1)[-1]) for raw in text.split("\n")]
    lines = [line for line in lines if line.strip()]
    truncated = cut or len(lines) > MAX_LINES
    kept: list[str] = []
    masked = 0
    size = 0
    for line in reversed(lines[-MAX_LINES:]):
        # Masked before it is cut: a secret split by the cut would escape the patterns.
        line, count = mask(line, secrets)
        masked += count
        if len(line) > LINE_CHARS:
            line, truncated = line[: LINE_CHARS - 3] + "...", True
        size += len(line.encode()) + 1
        if size > MAX_BYTES:
            truncated = True
            break
        kept.append(line)
    return LogTail(container, tuple(reversed(kept)), truncated, masked)


def parse(body: bytes, tty: bool, secrets: Sequence[str], container: str, cut: bool = False) -> LogTail:
    """A logs reply body as the tail doctor shows."""
    text, whole = text_of(body, tty)
    return bounded(text, secrets, container, cut or not whole)
