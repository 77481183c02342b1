"""`doctor` over 50 services against `doctor` over one, in the same run (target: <= 2x).

Services are checked at the same time, so fifty should cost about what the slowest one
costs. Each service is a name a real dnsmasq resolves to its own address inside a
network namespace, with a real listener behind it: the whole chain, no shortcuts.
Needs root (ip netns); the machine's own resolver is never asked.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench._harness import Comparison, compare
from tests.support import dns, services

COUNT = 50
PORT = 6379


def run(runs: int = 10) -> list[Comparison]:
    if os.geteuid() != 0 or dns.dnsmasq_path() is None:
        print("doctor: skipped (needs root and dnsmasq for the network namespace)", file=sys.stderr)
        return []
    tmp = Path(tempfile.mkdtemp(prefix="fd-bench-doctor-"))
    addresses = [f"10.77.0.{i}" for i in range(1, COUNT + 1)]
    ns = dns.Netns.create(["127.0.0.11", *addresses])
    try:
        records = [f"--host-record=svc{i},{a}" for i, a in enumerate(addresses, 1)]
        ns.started.append(dns.start_dnsmasq(records, log=tmp / "dnsmasq.log", listen=["127.0.0.11"], prefix=ns.prefix))
        ns.started.append(services.start_process("tcp", "0.0.0.0", PORT, prefix=ns.prefix))  # type: ignore[arg-type]
        resolv, hosts = tmp / "resolv.conf", tmp / "hosts"
        resolv.write_text("nameserver 127.0.0.11\noptions ndots:0\n")
        hosts.write_text("127.0.0.1 localhost\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SVC_")}
        for i in range(1, COUNT + 1):
            env[f"SVC_SVC{i}_HOST"] = f"svc{i}"
            env[f"SVC{i}_PORT"] = str(PORT)
        script = 'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && shift 2 && exec "$@"'
        inside = [*ns.prefix, "sh", "-c", script, "sh", str(resolv), str(hosts), sys.executable, "-m"]
        names = [f"svc{i}" for i in range(1, COUNT + 1)]
        return [
            compare(
                f"doctor over {COUNT} services vs over 1",
                [*inside, "foundry_discover", "doctor", *names],
                [*inside, "foundry_discover", "doctor", "svc1"],
                target=2.0,
                runs=runs,
                warmup=2,
                env=env,
            )
        ]
    finally:
        ns.close()
        shutil.rmtree(tmp, ignore_errors=True)
