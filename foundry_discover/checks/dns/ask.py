"""One DNS query to one server over UDP (then TCP when truncated), with dnspython, timed."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

from foundry_discover.checks.dns.conf import (
    Nameserver,
)
from foundry_discover.checks.dns.model import AnswerStatus, DnsRecord, Query

if TYPE_CHECKING:
    import dns.message


def ask(name: str, rdtype: str, server: Nameserver, timeout: float) -> Query:
    """One question over UDP (TCP when the UDP answer is truncated), with a timeout.

    The UDP socket is connected, so an ICMP port-unreachable comes back as "port closed"
    at once instead of looking like a silent server.
    """
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode

    query = dns.message.make_query(name.rstrip(".") + ".", rdtype)
    family = socket.AF_INET6 if ":" in server.address else socket.AF_INET
    start = time.perf_counter()
    transport = "udp"

    def result(status: AnswerStatus, detail: str = "", reply: dns.message.Message | None = None) -> Query:
        ms = (time.perf_counter() - start) * 1000
        records = _records(reply, rdtype) if reply is not None and status is AnswerStatus.ANSWER else []
        return Query(name, str(server), rdtype, status, ms, records, detail, transport)

    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)  # dnspython's timeouts only work on a nonblocking socket
    try:
        sock.connect((server.address, server.port))
        reply = dns.query.udp(query, server.address, port=server.port, timeout=timeout, sock=sock)
        if reply.flags & dns.flags.TC:
            transport = "tcp"
            left = max(0.05, timeout - (time.perf_counter() - start))
            reply = dns.query.tcp(query, server.address, port=server.port, timeout=left)
    except dns.exception.Timeout:
        return result(AnswerStatus.TIMEOUT, f"no reply within {timeout:g} s")
    except ConnectionRefusedError:
        return result(AnswerStatus.PORT_CLOSED, f"nothing listens on {transport.upper()} port {server.port}")
    except OSError as exc:
        return result(AnswerStatus.ERROR, exc.strerror or str(exc))
    except dns.exception.DNSException as exc:
        return result(AnswerStatus.ERROR, f"unreadable reply: {exc}")
    finally:
        sock.close()
    rcode = reply.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        return result(AnswerStatus.NXDOMAIN)
    if rcode == dns.rcode.SERVFAIL:
        return result(AnswerStatus.SERVFAIL)
    if rcode == dns.rcode.REFUSED:
        return result(AnswerStatus.REFUSED)
    if rcode != dns.rcode.NOERROR:
        return result(AnswerStatus.ERROR, f"rcode {dns.rcode.to_text(rcode)}")
    if _has_data(reply, rdtype):
        return result(AnswerStatus.ANSWER, reply=reply)
    return result(AnswerStatus.NODATA)


def _has_data(reply: dns.message.Message, rdtype: str) -> bool:
    if rdtype == "ANY":
        return bool(reply.answer)
    import dns.rdatatype

    wanted = dns.rdatatype.from_text(rdtype)
    return any(rrset.rdtype == wanted for rrset in reply.answer)


def _records(reply: dns.message.Message, rdtype: str) -> list[DnsRecord]:
    import dns.rdatatype

    out: list[DnsRecord] = []
    for rrset in reply.answer:
        kind = dns.rdatatype.to_text(rrset.rdtype)
        for rdata in rrset:
            value = rdata.to_text()
            out.append(DnsRecord(kind, value))
    return out
