"""The application's own lookup: ``socket.getaddrinfo``, as glibc answers it, timed.

getaddrinfo reads the hosts file, the search list, ``ndots`` and every NSS source, so
its answer is the one the application acts on; the DNS trace beside it says why.
"""

from __future__ import annotations

import socket
import time

from foundry_discover.checks.dns.model import AppView
from foundry_discover.lite.bounded import Late
from foundry_discover.lite.net import addresses_of


def app_lookup(host: str, timeout: float) -> AppView:
    """``socket.getaddrinfo`` for ``host``; give up after ``timeout`` and say so.

    A lookup stuck on a silent nameserver is left to its thread: it must not keep the
    process alive after we have reported it.
    """
    start = time.perf_counter()
    try:
        addresses = addresses_of(host, None, timeout)
    except Late:
        ms = (time.perf_counter() - start) * 1000
        return AppView(True, timed_out=True, ms=ms, error=f"no answer within {timeout:g} s")
    except socket.gaierror as exc:
        return AppView(True, error=f"{exc.strerror} ({_eai_name(exc.errno)})", ms=(time.perf_counter() - start) * 1000)
    except (OSError, UnicodeError) as exc:
        return AppView(True, error=str(exc), ms=(time.perf_counter() - start) * 1000)
    return AppView(True, addresses=addresses, ms=(time.perf_counter() - start) * 1000)


def _eai_name(code: int | None) -> str:
    for name in ("EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_ADDRFAMILY", "EAI_SYSTEM"):
        if getattr(socket, name, None) == code:
            return name
    return f"error {code}"
