"""TODO."""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from foundry_discover.checks.dns.model import AppView

if TYPE_CHECKING:
    pass


def app_lookup(host: str, timeout: float) -> AppView:
    """``socket.getaddrinfo`` in a worker thread; give up after ``timeout`` and say so.

    The thread is a daemon: a lookup stuck on a silent nameserver must not keep the
    process alive after we have reported it.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            box["error"] = f"{exc.strerror} ({_eai_name(exc.errno)})"
        except (OSError, UnicodeError) as exc:
            box["error"] = str(exc)

    start = time.perf_counter()
    worker = threading.Thread(target=work, name="getaddrinfo", daemon=True)
    worker.start()
    worker.join(timeout)
    ms = (time.perf_counter() - start) * 1000
    if worker.is_alive():
        return AppView(True, timed_out=True, ms=ms, error=f"no answer within {timeout:g} s")
    if "error" in box:
        return AppView(True, error=box["error"], ms=ms)
    addresses: list[str] = []
    for info in box["infos"]:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return AppView(True, addresses=addresses, ms=ms)


def _eai_name(code: int | None) -> str:
    for name in ("EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_ADDRFAMILY", "EAI_SYSTEM"):
        if getattr(socket, name, None) == code:
            return name
    return f"error {code}"
