"""`resolve` against real DNS servers on loopback, no root needed.

dnsmasq runs on a high port of 127.0.0.1 (as the unprivileged user nobody when we are
root), and every command passes --nameserver to it, so this machine's own resolver is
never asked. The search list comes from LOCALDOMAIN, which the walk applies as glibc does.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli_env, need, run_cli
from tests.support import dns


@dataclass
class Servers:
    dnsmasq: dns.Dnsmasq
    silent_port: int
    closed_port: int

    @property
    def ns(self) -> str:
        return f"127.0.0.1:{self.dnsmasq.port}"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    need(dns.dnsmasq_path() is not None, "dnsmasq is not installed (Debian package dnsmasq-base)")
    # Not under pytest's tmp dir: its parents are private to root, and dnsmasq may run as nobody.
    tmp = Path(tempfile.mkdtemp(prefix="fd-resolve-"))
    tmp.chmod(0o755)
    started: list[dns.Dnsmasq | dns.Helper] = []
    try:
        servfail_port = dns.free_port()
        started.append(dns.start_helper("servfail", "127.0.0.1", servfail_port))
        silent_port = dns.free_port()
        started.append(dns.start_helper("silent", "127.0.0.1", silent_port))
        big = ",".join(c * 200 for c in "wxyz")  # > 512 bytes: truncated over UDP
        records = [
            "--host-record=localstack.test,172.18.0.5",
            "--host-record=localstack.default.svc.cluster.local,10.96.12.34",
            "--srv-host=_http._tcp.localstack.default.svc.cluster.local,localstack.default.svc.cluster.local,4566",
            "--host-record=v6only.test,fd00::5",
            "--cname=alias.test,localstack.test",
            f"--txt-record=big.test,{big}",
            f"--server=/broken.test/127.0.0.1#{servfail_port}",
        ]
        user = 65534 if os.geteuid() == 0 else None
        log = tmp / "dnsmasq.log"
        dnsmasq = dns.start_dnsmasq(records, log=log, listen=["127.0.0.1"], port=dns.free_port(), user=user)
        started.append(dnsmasq)
        yield Servers(dnsmasq, silent_port, dns.free_port())
    finally:
        for proc in reversed(started):
            proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def resolve(*args: str, **env: str) -> tuple[int, dict[str, Any], str]:
    out = run_cli("resolve", *args, "--json", env=cli_env(**env))
    doc = json.loads(out.stdout)
    assert doc["exit_code"] == out.returncode
    return out.returncode, doc, out.stderr


def statuses(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["name"], c["status"]) for c in doc["result"]["candidates"]]


def test_answer_from_the_server(servers: Servers) -> None:
    mark = servers.dnsmasq.mark()
    code, doc, _ = resolve("localstack.test", "--nameserver", servers.ns)
    assert code == 0
    result = doc["result"]
    assert result["verdict"]["kind"] == "dns" and result["resolved"] is True
    queries = result["candidates"][0]["queries"]
    assert [(q["type"], q["status"]) for q in queries] == [("A", "answer"), ("AAAA", "nodata")]
    assert queries[0]["records"] == [{"type": "A", "value": "172.18.0.5"}]
    assert result["app"]["checked"] is False  # --nameserver: the system resolver is never asked
    assert servers.dnsmasq.queries(mark) == [("A", "localstack.test"), ("AAAA", "localstack.test")]


def test_registry_name_resolves_its_host(servers: Servers) -> None:
    code, doc, _ = resolve("localstack", "--nameserver", servers.ns, SVC_LOCALSTACK_HOST="localstack.test")
    assert code == 0
    assert doc["result"]["service"] == "LOCALSTACK"
    assert doc["result"]["host"] == "localstack.test"
    assert doc["result"]["host_variable"] == "SVC_LOCALSTACK_HOST"


def test_search_list_walk_in_glibc_order(servers: Servers) -> None:
    """LOCALDOMAIN sets the search list; ndots:5 sends a short name through it first."""
    env = {"LOCALDOMAIN": "default.svc.cluster.local svc.cluster.local", "RES_OPTIONS": "ndots:5"}
    mark = servers.dnsmasq.mark()
    code, doc, _ = resolve("localstack", "--nameserver", servers.ns, **env)
    assert code == 0
    assert statuses(doc) == [
        ("localstack.default.svc.cluster.local", "answer"),
        ("localstack.svc.cluster.local", "not_asked"),
        ("localstack", "not_asked"),
    ]
    assert doc["result"]["resolver"]["sources"]["search"] == "LOCALDOMAIN"
    asked = servers.dnsmasq.queries(mark)
    assert asked == [("A", "localstack.default.svc.cluster.local"), ("AAAA", "localstack.default.svc.cluster.local")]


def test_nxdomain_everywhere_exits_1(servers: Servers) -> None:
    mark = servers.dnsmasq.mark()
    code, doc, _ = resolve("nosuch", "--nameserver", servers.ns, LOCALDOMAIN="a.test b.test")
    assert code == 1
    assert statuses(doc) == [("nosuch.a.test", "nxdomain"), ("nosuch.b.test", "nxdomain"), ("nosuch", "nxdomain")]
    assert doc["result"]["verdict"]["kind"] == "nxdomain"
    assert doc["error"]["type"] == "not_ok"
    assert [name for _, name in servers.dnsmasq.queries(mark)[::2]] == ["nosuch.a.test", "nosuch.b.test", "nosuch"]


def test_ndots_note_when_an_external_name_goes_through_the_search_list(servers: Servers) -> None:
    env = {"LOCALDOMAIN": "x.test y.test", "RES_OPTIONS": "ndots:5"}
    code, doc, _ = resolve("localstack.test", "--nameserver", servers.ns, **env)
    assert code == 0
    assert [s for _, s in statuses(doc)] == ["nxdomain", "nxdomain", "answer"]
    assert any("ndots:5" in note and "localstack.test." in note for note in doc["result"]["verdict"]["notes"])


def test_trailing_dot_skips_the_search_list(servers: Servers) -> None:
    code, doc, _ = resolve("localstack.test.", "--nameserver", servers.ns, LOCALDOMAIN="x.test", RES_OPTIONS="ndots:5")
    assert code == 0
    assert statuses(doc) == [("localstack.test", "answer")]


def test_ipv6_only_answer(servers: Servers) -> None:
    code, doc, _ = resolve("v6only.test", "--nameserver", servers.ns)
    assert code == 0
    queries = doc["result"]["candidates"][0]["queries"]
    assert [(q["type"], q["status"]) for q in queries] == [("A", "nodata"), ("AAAA", "answer")]
    assert queries[1]["records"] == [{"type": "AAAA", "value": "fd00::5"}]


def test_aaaa_only_type_with_no_data_exits_1(servers: Servers) -> None:
    code, doc, _ = resolve("localstack.test", "--type", "AAAA", "--nameserver", servers.ns)
    assert code == 1
    assert doc["result"]["verdict"]["kind"] == "nodata"
    assert "no AAAA records" in doc["result"]["verdict"]["summary"]


def test_srv_record(servers: Servers) -> None:
    name = "_http._tcp.localstack.default.svc.cluster.local"
    code, doc, _ = resolve(name, "--type", "srv", "--nameserver", servers.ns)
    assert code == 0
    records = doc["result"]["candidates"][0]["queries"][0]["records"]
    assert records == [{"type": "SRV", "value": "0 0 4566 localstack.default.svc.cluster.local."}]


def test_cname_is_followed_and_shown(servers: Servers) -> None:
    code, doc, _ = resolve("alias.test", "--type", "A", "--nameserver", servers.ns)
    assert code == 0
    records = doc["result"]["candidates"][0]["queries"][0]["records"]
    assert {"type": "CNAME", "value": "localstack.test."} in records
    assert {"type": "A", "value": "172.18.0.5"} in records


def test_truncated_udp_answer_is_retried_over_tcp(servers: Servers) -> None:
    code, doc, _ = resolve("big.test", "--type", "TXT", "--nameserver", servers.ns)
    assert code == 0
    query = doc["result"]["candidates"][0]["queries"][0]
    assert query["transport"] == "tcp"
    assert len(query["records"][0]["value"]) > 800


def test_servfail_exits_4(servers: Servers) -> None:
    mark = servers.dnsmasq.mark()
    code, doc, stderr = resolve("db.broken.test", "--nameserver", servers.ns)
    assert code == 4
    assert doc["result"]["verdict"]["kind"] == "servfail"
    assert doc["error"]["type"] == "unreachable"
    assert statuses(doc) == [("db.broken.test", "servfail")]
    assert "forwarded db.broken.test to 127.0.0.1#" in servers.dnsmasq.log.read_text()[mark:]
    assert "SERVFAIL" in stderr


def test_silent_nameserver_times_out_and_exits_4(servers: Servers) -> None:
    out = run_cli("resolve", "svc.test", "--nameserver", f"127.0.0.1:{servers.silent_port}", "--timeout", "0.5")
    assert out.returncode == 4
    assert "no nameserver answered" in out.stdout and "did not reply within 0.5 s" in out.stdout
    rows = [line.split() for line in out.stdout.splitlines() if line.startswith("svc.test ")]
    # The A question timed out; the server is not asked again for AAAA.
    assert [row[3:6] for row in rows] == [["127.0.0.1:" + str(servers.silent_port), "A", "timeout"]]


def test_closed_port_exits_4_at_once(servers: Servers) -> None:
    code, doc, _ = resolve("svc.test", "--nameserver", f"127.0.0.1:{servers.closed_port}", LOCALDOMAIN="a.test")
    assert code == 4
    assert doc["result"]["verdict"]["kind"] == "port-closed"
    # The name as given was tried first (1 dot >= ndots 1); then no server is reachable: glibc gives up.
    assert statuses(doc) == [("svc.test", "port_closed"), ("svc.test.a.test", "port_closed")]


def test_second_nameserver_answers_when_the_first_is_silent(servers: Servers) -> None:
    silent = f"127.0.0.1:{servers.silent_port}"
    code, doc, _ = resolve("localstack.test", "--nameserver", silent, "--nameserver", servers.ns, "--timeout", "0.5")
    assert code == 0
    queries = doc["result"]["candidates"][0]["queries"]
    assert [q["status"] for q in queries] == ["timeout", "answer", "nodata"]
    assert any(f"nameserver {silent} did not answer" in n for n in doc["result"]["verdict"]["notes"])


def test_hosts_file_name_is_reported_with_nameserver(servers: Servers) -> None:
    code, doc, _ = resolve("localhost", "--nameserver", servers.ns)
    assert code == 1  # the server asked does not know it...
    assert doc["result"]["hosts_file"]["addresses"][0] == "127.0.0.1"
    assert any("hosts file gives localhost" in n for n in doc["result"]["verdict"]["notes"])  # ...the hosts file does


def test_human_output_is_plain_text_with_the_trace_and_verdict(servers: Servers) -> None:
    out = run_cli("resolve", "localstack.test", "--nameserver", servers.ns)
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0].startswith("application (getaddrinfo): not checked")
    assert any(line.split()[:6] == ["NAME", "TRIED", "AS", "SERVER", "TYPE", "RESULT"] for line in lines)
    assert lines[-1].startswith("resolved: localstack.test resolves in DNS: 172.18.0.5")
    assert "\x1b[" not in out.stdout and out.stderr == ""


def test_ip_address_needs_no_lookup() -> None:
    code, doc, _ = resolve("10.0.0.1")
    assert code == 0
    assert doc["result"]["verdict"]["kind"] == "ip-address"
    assert doc["result"]["candidates"] == []


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["bad name"], 3, "NAME='bad name' holds characters"),
        (["x", "--nameserver", "nope"], 2, "is not IP[:PORT]"),
        (["x", "--nameserver", "127.0.0.1:99999"], 2, "is not IP[:PORT]"),
        (["x", "--type", "MX"], 2, "--type"),
        (["x", "--timeout", "0"], 2, "--timeout"),
    ],
)
def test_bad_input_is_one_line_no_traceback(args: list[str], code: int, text: str) -> None:
    out = run_cli("resolve", *args)
    assert out.returncode == code
    assert text in " ".join(out.stderr.replace("│", " ").split())
    assert "Traceback" not in out.stderr


def test_resolve_json_envelope_for_a_bad_name() -> None:
    out = run_cli("resolve", "http://x:1", "--json")
    doc = json.loads(out.stdout)
    assert (out.returncode, doc["error"]["type"]) == (3, "config")
    assert "holds a URL" in doc["error"]["message"]


def test_parse_nameserver_forms() -> None:
    from foundry_discover.checks.dns.inputs import parse_nameserver

    assert str(parse_nameserver("10.0.0.1")) == "10.0.0.1"
    assert str(parse_nameserver("127.0.0.1:5353")) == "127.0.0.1:5353"
    assert str(parse_nameserver("[::1]:5353")) == "[::1]:5353"
    assert parse_nameserver("fd00::1").port == 53


def test_helper_refuses_an_unknown_kind() -> None:
    """The test servers' entry point fails loudly instead of hanging."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "tests.support.dns", "bogus", "127.0.0.1", "0"], capture_output=True, text=True
    )
    assert out.returncode != 0 and "unknown server kind" in out.stderr
