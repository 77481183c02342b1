"""Is LocalStack (or MiniStack) healthy? Plus ``--all`` and ``--wait`` for every service.

The emulator check reads ``GET /_localstack/health`` (services and their states, which
emulator answered) and LocalStack's ``GET /_localstack/init`` (init stages and scripts);
MiniStack reports its ready scripts inside the health body instead. Other services get
their scheme's protocol check, in ``servicecheck`` (re-exported here): ``health redis``
imports that module alone, never this one.

Everything here is bounded by one ``Deadline``: name resolution runs in a thread joined
with the time left, every socket operation gets the time left as its timeout, and the
body is read in chunks with the deadline checked between them. httpx is imported inside
the functions that use it, never at module level.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from foundry_discover.lite.errors import (
    EXIT_NOT_OK,
    EXIT_OK,
    ConfigError,
    FoundryError,
    NotOkError,
    UnreachableError,
    WaitTimeoutError,
    most_severe,
)
from foundry_discover.lite.probes import WrongProtocol

# The service check lives in its own module (a PING need not import the emulator's);
# these names stay importable from here.
from foundry_discover.lite.servicecheck import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from foundry_discover.lite.servicecheck import DEFAULT_WAIT_TIMEOUT as DEFAULT_WAIT_TIMEOUT
from foundry_discover.lite.servicecheck import DoesNotResolve as DoesNotResolve
from foundry_discover.lite.servicecheck import ServiceCheck as ServiceCheck
from foundry_discover.lite.servicecheck import check_service as check_service
from foundry_discover.lite.servicecheck import mark_failed
from foundry_discover.lite.servicecheck import resolve_host as resolve_host
from foundry_discover.lite.servicecheck import tcp_connect as tcp_connect
from foundry_discover.util.waiting import Deadline, poll

if TYPE_CHECKING:
    import httpx

    from foundry_discover.lite.registry import Registry, Service

HEALTH_PATH = "/_localstack/health"
INIT_PATH = "/_localstack/init"
#: LocalStack's health body is ~2 KiB and MiniStack's ~4 KiB: anything near this cap is
#: not a health reply, and reading it all would let a broken server hold us.
MAX_BODY = 256 * 1024
MAX_REDIRECTS = 3
#: During --wait one attempt may use at most this long, so one hung connection does not
#: eat the whole wait while the server behind it becomes ready.
ATTEMPT_TIMEOUT = 2.0

Meaning = Literal["ok", "not_ready", "disabled", "failed"]
Verdict = Literal["healthy", "not_ready", "unhealthy"]

#: LocalStack's own service states (localstack.services.plugins.ServiceState).
STATE_MEANING: dict[str, Meaning] = {
    "available": "ok",
    "running": "ok",
    "starting": "not_ready",
    "stopping": "not_ready",
    "disabled": "disabled",
    "stopped": "failed",
    "error": "failed",
    "unknown": "failed",
}

_SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class BadReply(NotOkError):
    """The server answered, but not with a usable health reply (5xx, not JSON, too big, loops)."""


# ---- results ---------------------------------------------------------------------------


@dataclass
class ServiceState:
    name: str
    state: str
    meaning: Meaning
    required: bool = False


@dataclass
class InitScript:
    stage: str
    name: str
    state: str


@dataclass
class InitStatus:
    """Init hooks as the emulator reports them; ``source`` says where (or that none did)."""

    source: Literal["localstack", "ministack", "none"]
    #: True once the READY stage (LocalStack) or the ready.d scripts (MiniStack) finished;
    #: None when the emulator reports no init state at all.
    ready: bool | None
    stages: dict[str, bool] = field(default_factory=dict)
    scripts: list[InitScript] = field(default_factory=list)
    total: int = 0
    failed: int = 0
    detail: str = ""


@dataclass
class EmulatorHealth:
    url: str
    emulator: str
    version: str | None
    edition: str | None
    round_trip_ms: float
    services: list[ServiceState]
    init: InitStatus
    required: list[str]
    verdict: Verdict
    reasons: list[str]
    #: Required services the emulator does not list, or lists as disabled: no wait brings them.
    unavailable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == "healthy"

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_NOT_OK

    @property
    def init_failed(self) -> bool:
        """An init script failed: LocalStack never re-runs it, so waiting cannot help."""
        return self.init.failed > 0

    def summary(self) -> str:
        what = f"{self.emulator} at {self.url}"
        if self.ok:
            return f"{what} is healthy"
        word = "not ready" if self.verdict == "not_ready" else "unhealthy"
        return f"{what} is {word}: {'; '.join(self.reasons)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "emulator": self.emulator,
            "version": self.version,
            "edition": self.edition,
            "round_trip_ms": round(self.round_trip_ms, 3),
            "verdict": self.verdict,
            "ok": self.ok,
            "reasons": self.reasons,
            "required": self.required,
            "unavailable": self.unavailable,
            "services": {s.name: s.state for s in self.services},
            "init": self.init,
        }


def overall_exit(checks: Iterable[ServiceCheck]) -> int:
    """``--all``: a broken configuration first, then anything unreachable, then not ok."""
    return most_severe(c.exit_code for c in checks)


def all_problem(checks: list[ServiceCheck], code: int) -> FoundryError | None:
    """``--all``: one error of the class behind ``code``, naming every service that is not ok."""
    bad = [c for c in checks if not c.ok]
    if not bad:
        return None
    names = ", ".join(f"{c.name.lower()} ({c.verdict})" for c in bad)
    cls = next((type(c.error) for c in bad if c.error is not None and c.exit_code == code), NotOkError)
    return cls(f"{len(bad)} of {len(checks)} services are not healthy: {names}", fix="See the WHY column")


def all_interrupted(found: AllChecks) -> FoundryError:
    """``--all`` cut short by Ctrl-C or SIGTERM: the one line every stopped command prints."""
    from foundry_discover.lite.errors import stop_error

    return stop_error(found.interrupted or "SIGINT")


# ---- flags -------------------------------------------------------------------------------


def parse_required(values: Iterable[str]) -> list[str]:
    """``--require secretsmanager,s3 --require sqs`` as a de-duplicated list; ValueError if bad."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if not _SERVICE_RE.match(name):
                raise ValueError(f"{part.strip()!r} is not an AWS service name (e.g. secretsmanager, s3)")
            seen[name] = None
    return list(seen)


def emulator_base(url: str) -> str:
    """The emulator's base URL from ``--url``: a trailing health path or slash is dropped."""
    text = url.strip().rstrip("/")
    if text.endswith(HEALTH_PATH):
        text = text[: -len(HEALTH_PATH)]
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"--url {url!r} is not a URL ({exc})", fix="Give e.g. --url http://localhost:4566") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"--url {url!r} is not an http(s) URL with a host",
            fix="Give e.g. --url http://localhost:4566",
        )
    return text


# ---- the network, bounded by the deadline ----------------------------------------------------


@dataclass
class Reply:
    url: str
    status: int
    body: bytes
    elapsed_ms: float


def fetch(url: str, deadline: Deadline) -> Reply:
    """GET ``url`` with a client of its own (see get())."""
    with _client(deadline) as client:
        return get(client, url, deadline)


def _client(deadline: Deadline) -> httpx.Client:
    import httpx

    # Redirects are followed by hand (see get()) so a loop is reported as one and every
    # hop's body stays under the cap.
    return httpx.Client(follow_redirects=False, timeout=_timeout(deadline), trust_env=False)


def _timeout(deadline: Deadline) -> httpx.Timeout:
    import httpx

    return httpx.Timeout(max(deadline.remaining(), 0.001))


def get(client: httpx.Client, url: str, deadline: Deadline) -> Reply:
    """GET ``url``, following at most MAX_REDIRECTS redirects, reading at most MAX_BODY bytes."""
    started = time.perf_counter()
    seen = [url]
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        status, body, location = _get_once(client, current, deadline)
        if location is None:
            return Reply(current, status, body, (time.perf_counter() - started) * 1000)
        if location in seen:
            raise BadReply(
                f"{url} redirects in a loop ({' -> '.join([*seen, location])})",
                fix="Point --url (or the registry) at the emulator itself; something in between redirects",
            )
        seen.append(location)
        current = location
    raise BadReply(
        f"{url} redirected more than {MAX_REDIRECTS} times ({' -> '.join(seen)})",
        fix="Point --url (or the registry) at the emulator itself; something in between redirects",
    )


def _get_once(client: httpx.Client, url: str, deadline: Deadline) -> tuple[int, bytes, str | None]:
    import httpx

    try:
        with client.stream("GET", url, timeout=_timeout(deadline)) as resp:
            if resp.is_redirect and resp.next_request is not None:
                return resp.status_code, b"", str(resp.next_request.url)
            length = resp.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_BODY:
                raise _too_big(url, f"{int(length)} bytes announced")
            body = bytearray()
            for chunk in resp.iter_raw():
                body += chunk
                if len(body) > MAX_BODY:
                    raise _too_big(url, f"more than {MAX_BODY} bytes sent")
                if deadline.expired:
                    raise UnreachableError(
                        f"{url} was still sending its reply after {deadline.seconds:g}s",
                        fix="The server is too slow or stuck; raise --timeout or check its logs",
                    )
            return resp.status_code, bytes(body), None
    except httpx.HTTPError as exc:
        raise _transport_error(exc, url, deadline) from None


def _too_big(url: str, how: str) -> BadReply:
    return BadReply(
        f"{url} answered with an oversized body ({how}; a health reply is a few KiB, the cap is {MAX_BODY} bytes)",
        fix="Check that the URL points at LocalStack or MiniStack and not at another server",
    )


def _transport_error(exc: Exception, url: str, deadline: Deadline) -> FoundryError:
    """httpx's exceptions as our errors: what happened, where, what to do."""
    import httpx

    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    text = str(exc) or type(exc).__name__
    secs = f"{deadline.seconds:g}s"
    if isinstance(exc, httpx.ConnectTimeout):
        return UnreachableError(
            f"connecting to {where} timed out after {secs}",
            fix="Check that the service is up and that no firewall drops the traffic",
        )
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return UnreachableError(
            f"{where} accepted the connection but sent no reply within {secs}",
            fix="The server is stuck or still starting; check its logs, or use --wait",
        )
    tls = "SSL" in text or "TLS" in text or "certificate" in text.lower()
    if tls:
        return UnreachableError(
            f"TLS with {where} failed ({text.splitlines()[0][:160]})",
            fix="If the service speaks plain HTTP, use an http:// URL; else check its certificate",
        )
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower():
            return UnreachableError(
                f"{where} refused the connection: nothing listens there",
                fix="Check that the emulator is running and the port is right (or use --wait)",
            )
        return UnreachableError(f"connecting to {where} failed ({text})", fix="Check the host and port")
    if isinstance(exc, httpx.RemoteProtocolError) and "disconnected" in text.lower():
        return UnreachableError(
            f"{where} closed the connection without a reply",
            fix="If the service speaks TLS, use an https:// URL; else check its logs",
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return BadReply(
            f"{where} does not speak HTTP ({text.splitlines()[0][:160]})",
            fix="Check that the port belongs to the emulator and not to another service",
        )
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.NetworkError)):
        return UnreachableError(
            f"{where} reset the connection ({text})",
            fix="The server crashed or dropped us (if it speaks TLS, use an https:// URL); check its logs",
        )
    return UnreachableError(f"requesting {url} failed ({type(exc).__name__}: {text})", fix=None)


def _snippet(body: bytes) -> str:
    text = body[:60].decode("utf-8", errors="replace")
    text = "".join(c if c.isprintable() else "?" for c in text)
    return repr(text + ("..." if len(body) > 60 else ""))


def _decode_json(reply: Reply) -> Any:
    if not 200 <= reply.status < 300:
        raise BadReply(
            f"{reply.url} answered HTTP {reply.status} (body {_snippet(reply.body)})",
            fix="The emulator is failing or something else answers there; check its logs",
        )
    import json

    try:
        return json.loads(reply.body)
    except (ValueError, UnicodeDecodeError):
        raise BadReply(
            f"{reply.url} answered HTTP {reply.status} with a body that is not JSON: {_snippet(reply.body)}",
            fix="Check that the URL points at LocalStack or MiniStack and not at another server",
        ) from None


# ---- the emulator ----------------------------------------------------------------------------


def check_emulator(
    base_url: str, deadline: Deadline, *, require: Sequence[str] = (), name: str | None = None
) -> EmulatorHealth:
    """One health check of the emulator at ``base_url``; raises when it cannot be asked."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    addresses = resolve_host(host, parts.port or 80, deadline, name=name)
    if parts.scheme == "http":
        # A banner, Redis or PostgreSQL behind the port would hold the HTTP client until the
        # deadline (or earn a TLS hint): one raw GET names it within a second instead.
        from foundry_discover.lite.probes import http

        culprit = f"{name.upper()}_PORT" if name else "the URL's port"
        http.expect_http(addresses[0], parts.port or 80, deadline, path=HEALTH_PATH, culprit=culprit)
    with _client(deadline) as client:
        reply = get(client, base_url + HEALTH_PATH, deadline)
        doc = _decode_json(reply)
        services = _services(doc, reply.url)
        emulator = _which_emulator(doc)
        if emulator == "MiniStack":
            init = _ministack_init(doc.get("ready_scripts"), reply.url)
        else:
            init = _localstack_init(client, base_url + INIT_PATH, deadline)
    states = _states(services, require)
    verdict, reasons = evaluate(states, init, require)
    version = doc.get("version")
    edition = doc.get("edition")
    return EmulatorHealth(
        url=base_url,
        emulator=emulator,
        version=version if isinstance(version, str) else None,
        edition=edition if isinstance(edition, str) else None,
        round_trip_ms=reply.elapsed_ms,
        services=states,
        init=init,
        required=list(require),
        verdict=verdict,
        reasons=reasons,
        unavailable=unavailable(states, require),
    )


def _services(doc: Any, url: str) -> dict[str, str]:
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in services.items()
    ):
        shape = type(doc).__name__ if not isinstance(doc, dict) else f"keys {sorted(doc)[:6]}"
        raise BadReply(
            f"{url} answered JSON without a services map of names to states ({shape})",
            fix="Check that the URL points at LocalStack or MiniStack and not at another server",
        )
    return services


def _which_emulator(doc: dict[str, Any]) -> str:
    # MiniStack alone reports its ready.d scripts (and its IoT mTLS listener) in the body.
    if "ready_scripts" in doc or "iot_mtls" in doc:
        return "MiniStack"
    if isinstance(doc.get("version"), str):
        return "LocalStack"
    return "unknown emulator"


def _ministack_init(raw: Any, url: str) -> InitStatus:
    if not isinstance(raw, dict):
        return InitStatus("none", None, detail=f"{url} reports no ready_scripts")
    status = raw.get("status")
    total, failed = raw.get("total"), raw.get("failed")
    if not isinstance(status, str) or not isinstance(total, int) or not isinstance(failed, int):
        raise BadReply(
            f"{url} answered a ready_scripts entry of an unknown shape ({raw!r:.80})",
            fix="Upgrade MiniStack, or report the shape",
        )
    done = status == "completed"
    return InitStatus("ministack", done, {"READY": done}, [], total, failed, detail=status)


def _localstack_init(client: httpx.Client, url: str, deadline: Deadline) -> InitStatus:
    reply = get(client, url, deadline)
    if reply.status == 404:
        return InitStatus("none", None, detail=f"{url} answered 404: the emulator does not report init scripts")
    doc = _decode_json(reply)
    completed = doc.get("completed") if isinstance(doc, dict) else None
    scripts = doc.get("scripts") if isinstance(doc, dict) else None
    if (
        not isinstance(completed, dict)
        or not isinstance(scripts, list)
        or not all(isinstance(s, dict) for s in scripts)
    ):
        raise BadReply(
            f"{url} answered JSON without 'completed' stages and a 'scripts' list",
            fix="Check that the URL points at LocalStack",
        )
    stages = {str(k): v is True for k, v in completed.items()}
    found = [
        InitScript(str(s.get("stage", "?")), str(s.get("name", "?")), str(s.get("state", "UNKNOWN"))) for s in scripts
    ]
    failed = sum(s.state == "ERROR" for s in found)
    return InitStatus("localstack", stages.get("READY", False), stages, found, len(found), failed)


def _states(services: dict[str, str], require: Sequence[str]) -> list[ServiceState]:
    wanted = set(require)
    rows = [
        ServiceState(name, state, STATE_MEANING.get(state.lower(), "failed"), name in wanted)
        for name, state in services.items()
    ]
    # Required services first, in the order asked, then the rest by name.
    order = {name: i for i, name in enumerate(require)}
    rows.sort(key=lambda s: (order.get(s.name, len(order)), s.name))
    return rows


def _closest_listed(name: str, listed: Mapping[str, ServiceState]) -> str:
    """``secretsmanagr`` -> "; did you mean secretsmanager?"; else where the list comes from."""
    import difflib

    close = difflib.get_close_matches(name, list(listed), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]}?"
    return " (LocalStack's SERVICES setting decides what it runs)"


def unavailable(states: list[ServiceState], require: Sequence[str]) -> list[str]:
    """Required services that waiting cannot bring: not listed, or listed as disabled.

    LocalStack and MiniStack list every service they can run from their first answer, so a
    name missing from the list is a typo or a service left out of SERVICES, not a slow start.
    """
    by_name = {s.name: s for s in states}
    return [n for n in require if n not in by_name or by_name[n].meaning == "disabled"]


def evaluate(states: list[ServiceState], init: InitStatus, require: Sequence[str]) -> tuple[Verdict, list[str]]:
    """The verdict and the reasons for it; the rules are the README's states table."""
    bad: list[str] = []
    waiting: list[str] = []
    by_name = {s.name: s for s in states}
    if require:
        for name in require:
            row = by_name.get(name)
            if row is None:
                bad.append(f"{name} is not enabled: the emulator does not list it{_closest_listed(name, by_name)}")
            elif row.meaning == "disabled":
                bad.append(f"{name} is disabled: not enabled (LocalStack's SERVICES setting)")
            elif row.meaning == "not_ready":
                waiting.append(f"{name} is {row.state}")
            elif row.meaning == "failed":
                bad.append(f"{name} is in state {row.state}")
    else:
        bad += [f"{s.name} is in state {s.state}" for s in states if s.state.lower() == "error"]
    if init.source == "localstack":
        bad += [f"init script {s.name} ({s.stage}) failed" for s in init.scripts if s.state == "ERROR"]
        if not init.ready:
            running = [s.name for s in init.scripts if s.state in ("RUNNING", "UNKNOWN")]
            pending = f" (pending: {', '.join(running)})" if running else ""
            waiting.append(f"init stage READY has not completed{pending}")
    elif init.source == "ministack":
        if init.failed:
            bad.append(f"{init.failed} of {init.total} ready.d script(s) failed (MiniStack's log names them)")
        if not init.ready:
            waiting.append(f"ready.d scripts are {init.detail}")
    if bad:
        return "unhealthy", bad + waiting
    if waiting:
        return "not_ready", waiting
    return "healthy", []


# ---- other services ------------------------------------------------------------------------


def check_emulator_service(service: Service, deadline: Deadline, require: Sequence[str] = ()) -> ServiceCheck:
    """The emulator check as one row of ``--all``."""
    check = ServiceCheck(service.name, service.url, "healthy", [], health_url=service.url_for(HEALTH_PATH))
    try:
        report = check_emulator(service.url, deadline, require=require, name=service.name.lower())
    except FoundryError as exc:
        mark_failed(check, exc)
        return check
    check.emulator = report
    check.verdict = report.verdict
    check.reasons = list(report.reasons)
    check.http_status = 200
    return check


@dataclass
class AllChecks:
    """``--all``: a row per service; ``interrupted`` names the signal that cut the run short."""

    services: list[ServiceCheck]
    interrupted: str | None = None


def check_all(registry: Registry, deadline: Deadline) -> AllChecks:
    """Every known service at once, one thread each, all under the same deadline.

    Ctrl-C or SIGTERM does not raise: services that finished keep their results, the
    others are marked interrupted.
    """
    import functools

    from foundry_discover.lite.errors import Terminated
    from foundry_discover.util.threads import gather

    entries = list(registry.entries())
    jobs: list[Callable[[], ServiceCheck]] = []
    for name, entry in entries:
        if isinstance(entry, ConfigError):
            jobs.append(functools.partial(ServiceCheck, name, "", "config", [entry.message], error=entry))
        else:
            fn = check_emulator_service if name == "LOCALSTACK" else check_service
            jobs.append(functools.partial(fn, entry, deadline))
    gathered = gather(jobs, name="health")
    checks: list[ServiceCheck] = []
    for (name, entry), result in zip(entries, gathered.results, strict=True):
        if result is None:
            url = "" if isinstance(entry, ConfigError) else entry.url
            result = ServiceCheck(name, url, "interrupted", ["interrupted before the check finished"])
        checks.append(result)
    signal = None
    if gathered.interrupt is not None:
        signal = "SIGTERM" if isinstance(gathered.interrupt, Terminated) else "SIGINT"
    return AllChecks(checks, signal)


# ---- waiting -----------------------------------------------------------------------------------

Attempt = EmulatorHealth | ServiceCheck | FoundryError


class HealthWaitTimeout(WaitTimeoutError):
    """A --wait ran out; ``last`` is what the final attempt saw."""

    def __init__(self, message: str, *, fix: str | None, last: Attempt) -> None:
        super().__init__(message, fix=fix)
        self.last = last


def describe(value: Attempt) -> str:
    """What is still missing, in one line (the progress text and the timeout message)."""
    if isinstance(value, FoundryError):
        return value.message
    return "; ".join(value.reasons) or value.verdict


def wait_healthy(
    check: Callable[[Deadline], EmulatorHealth | ServiceCheck],
    deadline: Deadline,
    *,
    what: str,
    on_progress: Callable[[str, float], None] | None = None,
) -> EmulatorHealth | ServiceCheck:
    """Poll ``check`` until healthy; HealthWaitTimeout (exit 124) naming what was missing.

    Returns early, not healthy, when waiting cannot help: an init script failed (LocalStack
    never re-runs it), or a required service is not listed or disabled (the emulators list
    every service from their first answer). A configuration error is raised at once.
    """

    seen: list[Attempt] = []

    def attempt(overall: Deadline) -> Attempt:
        # One hung connection must not eat the wait: each attempt gets a slice of it.
        step = Deadline.after(min(overall.remaining(), ATTEMPT_TIMEOUT))
        try:
            value: Attempt = check(step)
        except FoundryError as exc:
            value = exc
        failed = isinstance(value, FoundryError) or (isinstance(value, ServiceCheck) and value.error is not None)
        if failed and overall.expired and seen:
            # An attempt cut short by the end of the wait says only "out of time": the
            # attempt before it knows better what was still missing.
            value = seen[-1]
        seen[:] = [value]
        return value

    def done(value: Attempt) -> bool:
        return not isinstance(value, FoundryError) and value.ok

    def hopeless(value: Attempt) -> bool:
        if isinstance(value, (ConfigError, WrongProtocol)):
            return True
        if isinstance(value, ServiceCheck) and value.wrong_protocol:
            return True
        report = value.emulator if isinstance(value, ServiceCheck) else value
        return isinstance(report, EmulatorHealth) and (report.init_failed or bool(report.unavailable))

    progress = None if on_progress is None else (lambda value, elapsed: on_progress(describe(value), elapsed))
    polled = poll(attempt, done, deadline, on_progress=progress, give_up=hopeless)
    last = polled.last
    if isinstance(last, (ConfigError, WrongProtocol)):
        raise last
    if polled.timed_out:
        raise HealthWaitTimeout(
            f"{what} was not healthy after {deadline.seconds:g}s; still missing: {describe(last)}",
            fix="Raise --timeout, or run without --wait to see the current state",
            last=last,
        )
    assert not isinstance(last, FoundryError)  # done or gave up: both are results
    return last
