"""`foundry-discover resolve NAME --nameserver 127.0.0.1:PORT` against a bare dnspython script.

Both ask a local dnsmasq (no root needed) for the A and AAAA records of the same name
over UDP. The baseline is the least a script can do: import dnspython, two queries, print.
The candidate adds Typer, the hosts file, resolv.conf, the walk and the verdict.
Target: ratio <= 1.6 (both are dominated by interpreter start and imports).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, compare
from tests.support import dns

BARE_DNSPYTHON = """
import sys
import dns.message
import dns.query

name, port = sys.argv[1], int(sys.argv[2])
for rdtype in ("A", "AAAA"):
    reply = dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=port, timeout=2)
    for rrset in reply.answer:
        print(rrset)
"""


def run(runs: int = 20) -> list[Comparison]:
    exe = str(Path(sys.executable).with_name("foundry-discover"))
    tmp = Path(tempfile.mkdtemp(prefix="fd-bench-resolve-"))
    tmp.chmod(0o755)
    user = 65534 if os.geteuid() == 0 else None
    server = dns.start_dnsmasq(
        ["--host-record=bench.test,10.1.2.3"],
        log=tmp / "dnsmasq.log",
        listen=["127.0.0.1"],
        port=dns.free_port(),
        user=user,
    )
    try:
        bare = tmp / "bare_dnspython.py"
        bare.write_text(BARE_DNSPYTHON)
        port = str(server.port)
        return [
            compare(
                "resolve vs bare dnspython",
                [exe, "resolve", "bench.test", "--nameserver", f"127.0.0.1:{port}"],
                [sys.executable, str(bare), "bench.test", port],
                target=1.6,
                runs=runs,
            )
        ]
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
