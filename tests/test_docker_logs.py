"""Why the far end is gone, as pure logic: the logs stream, its bounds, the masking, the known causes.

The stream format is moby's ``pkg/stdcopy`` (8-byte headers: stream, three zero bytes, a
big-endian uint32 size); the bodies a real dockerd sends are checked in
tests/test_docker_gone.py. Containers are the inspect documents of tests/support/engine_api.py.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.checks.docker import facts, logs
from foundry_discover.checks.docker.causes import recognise, with_cause
from foundry_discover.checks.docker.endpoint import Endpoint
from foundry_discover.checks.docker.lookup import collect_facts
from foundry_discover.checks.docker.mask import MASK, mask, secret_values
from foundry_discover.checks.docker.verdicts import Diagnosis, container_state
from foundry_discover.checks.runtime import Runtime
from foundry_discover.doctor.model import DoctorReport, ServiceReport, Step
from foundry_discover.render import doctor as render_doctor
from tests.support.engine_api import EngineApi, inspect
from tests.support.message_style import problems
from tests.test_docker_lookup import sock

__all__ = ["sock"]

HOST = Runtime("host", False, None, None, ())
frames = st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.binary(max_size=300)), max_size=12)


# ---- the multiplexed stream ------------------------------------------------------------------


@given(frames)
def test_demux_gives_back_every_frame(sent: list[tuple[int, bytes]]) -> None:
    body = b"".join(logs.frame(stream, payload) for stream, payload in sent)
    got, whole = logs.demux(body)
    assert whole
    assert [(f.stream, f.payload) for f in got] == [(logs.STREAMS[s], p) for s, p in sent]


@given(frames.filter(bool), st.data())
def test_a_body_cut_anywhere_keeps_what_came_in_order(sent: list[tuple[int, bytes]], data: st.DataObject) -> None:
    body = b"".join(logs.frame(stream, payload) for stream, payload in sent)
    cut = data.draw(st.integers(0, len(body) - 1))
    got, whole = logs.demux(body[:cut])
    assert whole == _on_boundary(sent, cut)
    # What came is a prefix of what was sent, frame by frame and within the last frame.
    joined = b"".join(f.payload for f in got)
    assert b"".join(p for _, p in sent).startswith(joined)
    assert len(got) <= len(sent)


def _on_boundary(sent: list[tuple[int, bytes]], cut: int) -> bool:
    offsets, at = {0}, 0
    for _, payload in sent:
        at += 8 + len(payload)
        offsets.add(at)
    return cut in offsets


@given(st.lists(st.text(max_size=40), max_size=8), st.data())
def test_lines_survive_any_split_into_frames(lines: list[str], data: st.DataObject) -> None:
    """The daemon may split one line over frames (partial messages) or pack several in one: the text is the same."""
    text = "".join(f"{line}\n" for line in lines).encode()
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=6)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    body = b"".join(logs.frame(data.draw(st.sampled_from([1, 2])), piece) for piece in pieces)
    assert logs.text_of(body, tty=False) == (text.decode(), True)


def test_a_stream_byte_beyond_3_or_a_nonzero_pad_is_not_multiplexed() -> None:
    with pytest.raises(ValueError, match="not a multiplexed stream"):
        logs.demux(struct.pack(">BxxxI", 4, 1) + b"x")
    with pytest.raises(ValueError, match="not a multiplexed stream"):
        logs.demux(b"\x01\x00\x01\x00\x00\x00\x00\x01x")
    # A TTY container's raw output, or a non-TTY one misjudged: read as text, not dropped.
    assert logs.text_of(b"tty-line\r\n", tty=False) == ("tty-line\r\n", True)
    assert logs.text_of(logs.frame(1, b"raw"), tty=True)[0].endswith("raw")


def test_the_daemons_own_errors_stream_3_are_kept() -> None:
    got, _ = logs.demux(logs.frame(3, b"Error grabbing logs: unexpected EOF\n"))
    assert got == [logs.Frame("daemon", b"Error grabbing logs: unexpected EOF\n")]


# ---- bounds and printable lines ---------------------------------------------------------------


def test_the_tail_is_bounded_in_lines_characters_and_bytes() -> None:
    text = "".join(f"line {i}\n" for i in range(100))
    tail = logs.bounded(text, (), "c")
    assert tail.lines == tuple(f"line {i}" for i in range(80, 100)) and tail.truncated
    long = logs.bounded("x" * 10_000 + "\nend\n", (), "c")
    assert long.lines == ("x" * (logs.LINE_CHARS - 3) + "...", "end") and long.truncated
    wide = logs.bounded("".join(f"{i:03d}" + "y" * 290 + "\n" for i in range(20)), (), "c")
    assert sum(len(line) + 1 for line in wide.lines) <= logs.MAX_BYTES and wide.truncated
    assert wide.lines[-1].startswith("019")  # the end is what is kept
    assert logs.bounded("a\n\n  \nb\n", (), "c") == logs.LogTail("c", ("a", "b"))


@given(st.text(max_size=200))
def test_no_control_character_or_escape_reaches_the_terminal(text: str) -> None:
    for line in logs.bounded(text, (), "c").lines:
        assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in line), repr(line)


def test_colours_and_progress_redraws_are_cleaned() -> None:
    tail = logs.bounded("\x1b[31mERROR\x1b[0m boom\r\n10%\r50%\r100%\n\x1b]0;title\x07done\n", (), "c")
    assert tail.lines == ("ERROR boom", "100%", "done")


# ---- masking -----------------------------------------------------------------------------------


SECRET = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs")), min_size=4, max_size=30)


@given(SECRET, st.text(max_size=40), st.text(max_size=40))
def test_a_secret_variables_value_never_survives_whatever_surrounds_it(value: str, before: str, after: str) -> None:
    values = secret_values([f"APP_API_TOKEN={value}", "PATH=/usr/bin"])
    line, count = mask(f"{before}{value}{after}", values)
    assert value not in line and count >= 1


def test_secret_values_are_those_of_secret_looking_names_only() -> None:
    env = ["DB_PASSWORD=hunter22", "LOCALSTACK_AUTH_TOKEN=ls-abc123", "AWS_SECRET_ACCESS_KEY=wJal/xyz", "HOME=/root"]
    env += ["SHORT_KEY=abc", "PATH=/usr/bin", "NOT_A_VAR"]
    assert set(secret_values(env)) == {"hunter22", "ls-abc123", "wJal/xyz"}
    assert secret_values({"MY_PASSWD": "pass-word-1", "USER": "root"}) == ("pass-word-1",)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("connecting with PASSWORD=hunter2 now", f"connecting with PASSWORD={MASK} now"),
        ("api_key = 'abc def'", f"api_key = '{MASK}'"),
        ('{"client_secret": "s3cr3t", "user": "bob"}', f'{{"client_secret": "{MASK}", "user": "bob"}}'),
        ("{'password': 'x1y2'}", f"{{'password': '{MASK}'}}"),
        ("Authorization: Bearer eyJhbGciOi.J9.abc", f"Authorization: Bearer {MASK}"),
        ("postgres://app:pgpass@db:5432/app", f"postgres://app:{MASK}@db:5432/app"),
        ("set the LOCALSTACK_AUTH_TOKEN variable to a valid auth token", None),
        ("user=bob level=info", None),
    ],
)
def test_secret_looking_assignments_are_masked_whatever_their_value(line: str, shown: str | None) -> None:
    assert mask(line)[0] == (line if shown is None else shown)


def test_masking_happens_before_the_cut() -> None:
    value = "k" * 20
    tail = logs.bounded("x" * (logs.LINE_CHARS - 10) + value + "\n", secret_values([f"API_KEY={value}"]), "c")
    assert "kkkk" not in tail.lines[0] and tail.masked == 1


# ---- the known causes --------------------------------------------------------------------------


def container(**kw: object) -> facts.Container:
    args: dict[str, object] = {"service": "localstack", "status": "exited", "exit_code": 55}
    args.update(kw)
    return facts.container(inspect("app-localstack-1", "a" * 64, **args))  # type: ignore[arg-type]


LICENCE = (
    "Localstack returning with exit code 55. Reason:",
    "The license activation failed for the following reason:",
    "",
    "No credentials were found in the environment. Set LOCALSTACK_AUTH_TOKEN to a valid auth token.",
    "LocalStack requires an account to run.",
)


def tail(*lines: str) -> logs.LogTail:
    return logs.bounded("\n".join(lines), (), "app-localstack-1")


def test_the_localstack_licence_exit() -> None:
    c = container(image="localstack/localstack:latest")
    cause = recognise(c, tail(*LICENCE))
    assert cause is not None and cause.kind == "localstack-licence"
    assert cause.cause == (
        "LocalStack quit at start for want of a licence: its image localstack/localstack:latest needs "
        "LOCALSTACK_AUTH_TOKEN since March 2026"
    )
    assert cause.fix == (
        "Set LOCALSTACK_AUTH_TOKEN for service localstack, pin the last open-source image "
        "`localstack/localstack:4.14`, or switch to `ministackorg/ministack` or `motoserver/moto`"
    )
    assert cause.evidence is not None and cause.evidence.startswith("No credentials were found")
    # A token that is rejected: the reason is quoted, the fix is to check it.
    rejected = recognise(c, tail("The license activation failed for the following reason:", "Invalid auth token"))
    assert rejected is not None
    assert rejected.cause == 'LocalStack quit at start: its licence activation failed, saying "Invalid auth token"'
    assert rejected.fix is not None and rejected.fix.startswith("Check the LOCALSTACK_AUTH_TOKEN of service localstack")
    # No log (a driver that cannot be read): the image and the code still tell.
    assert (recognise(c, None) or facts.Cause("", "", None)).kind == "localstack-licence"
    # Exit code 55 from anything else, without the message, is not LocalStack's.
    assert recognise(container(image="acme/app:1"), tail("bye")) is None
    # A restart loop caught in its brief up phase: the lines tell.
    loop = container(status="running", exit_code=0, restart_count=5)
    assert (recognise(loop, tail(*LICENCE)) or facts.Cause("", "", None)).kind == "localstack-licence"


def test_a_host_port_already_allocated_names_the_holder() -> None:
    error = (
        "driver failed programming external connectivity on endpoint app-localstack-1 (8e3c): "
        "Bind for 127.0.0.1:4566 failed: port is already allocated"
    )
    c = container(status="created", exit_code=128, error=error, ports={"4566/tcp": None})
    holder = facts.summary(
        {
            "Id": "b" * 64,
            "Names": ["/old-localstack"],
            "State": "running",
            "Ports": [{"IP": "127.0.0.1", "PrivatePort": 4566, "PublicPort": 4566, "Type": "tcp"}],
        }
    )
    cause = recognise(c, None, [holder])
    assert cause is not None and cause.kind == "port-allocated"
    assert cause.cause == (
        "host port 127.0.0.1:4566 is already allocated, so Docker could not publish it: container old-localstack "
        "publishes it"
    )
    assert cause.fix == (
        "Free it: `docker stop old-localstack`; or publish another host port, e.g. `127.0.0.1:4567:4566`; then "
        "`docker compose up -d localstack`"
    )
    alone = recognise(c, None, [])
    assert alone is not None and alone.cause.endswith(": a process on the host holds it")
    assert alone.fix is not None and alone.fix.startswith("Free it: stop what `ss -ltnp 'sport = :4566'` names")


def test_address_in_use_inside_the_container() -> None:
    said = "OSError: [Errno 98] error while attempting to bind on address ('0.0.0.0', 4566): address already in use"
    cause = recognise(container(exit_code=1), tail("Traceback ...", said))
    assert cause is not None and cause.kind == "address-in-use" and cause.evidence == said


def test_oom_and_signals() -> None:
    oom = recognise(container(exit_code=137, oom_killed=True, memory=16 * 2**20), None)
    assert oom is not None and oom.kind == "oom-killed"
    assert oom.cause == "the kernel's OOM killer stopped it at its memory limit of 16 MiB (State.OOMKilled)"
    unlimited = recognise(container(exit_code=137, oom_killed=True), None)
    assert unlimited is not None and "the Docker host ran out of memory" in unlimited.cause
    likely = recognise(container(exit_code=137, memory=16 * 2**20), None)
    assert likely is not None and likely.kind == "oom-likely"
    assert likely.cause.startswith("exit code 137 is SIGKILL, and it has a memory limit of 16 MiB: most likely")
    killed = recognise(container(exit_code=137), None)
    assert killed is not None and killed.kind == "sigkill" and killed.cause.startswith("exit code 137 is SIGKILL")
    assert killed.fix is not None and killed.fix.startswith("Start it again: `docker compose up -d localstack`; if")
    assert "stop_grace_period" in killed.fix
    assert (recognise(container(exit_code=143), None) or facts.Cause("", "", None)).kind == "sigterm"
    segv = recognise(container(exit_code=139), None)
    assert segv is not None and (segv.cause, segv.fix) == ("exit code 139 is SIGSEGV", None)
    assert recognise(container(exit_code=1), tail("plain failure")) is None


def test_with_cause_adds_the_clause_and_the_tail_to_the_verdict() -> None:
    c = container(image="localstack/localstack:latest")
    target = facts.ContainerTarget("localstack", c, "Compose service label", 1)
    target.logs, target.cause = tail(*LICENCE), recognise(c, tail(*LICENCE))
    verdict = container_state(c)
    assert verdict is not None
    explained, data = with_cause(verdict, target)
    assert explained.cause.startswith(f"{verdict.cause}; LocalStack quit at start for want of a licence")
    assert explained.fix == (target.cause.fix if target.cause else None)
    assert data == {"docker_cause": "localstack-licence", "docker_log": target.logs}
    # localhost inside a container: the fix names this container, which is gone too.
    near = Diagnosis("docker-localhost", "localhost is this container", "Set SVC_LOCALSTACK_HOST=localstack")
    both, data = with_cause(near, target)
    assert both.cause.startswith("localhost is this container; and container app-localstack-1 (service localstack)")
    assert both.cause.endswith("needs LOCALSTACK_AUTH_TOKEN since March 2026")
    assert both.fix.startswith("Set SVC_LOCALSTACK_HOST=localstack; then Set LOCALSTACK_AUTH_TOKEN for service")
    assert data["docker_cause"] == "localstack-licence"
    plain = facts.ContainerTarget("localstack", container(exit_code=3))
    assert with_cause(near, plain)[0].fix == (
        "Set SVC_LOCALSTACK_HOST=localstack; then `docker compose logs localstack` says why it stopped; start it "
        "again with `docker compose up -d localstack`"
    )
    running = facts.ContainerTarget("localstack", container(status="running", exit_code=0))
    assert with_cause(near, running) == (near, {})
    # A paused container is not gone: nothing added.
    paused = container(status="paused")
    assert with_cause(container_state(paused) or verdict, facts.ContainerTarget("x", paused))[1] == {}


# ---- the lookup asks the logs endpoint (a stand-in API) ----------------------------------------


def test_the_lookup_fetches_masks_and_bounds_a_stopped_targets_tail(sock: Path) -> None:
    env = ["PATH=/usr/bin", "API_TOKEN=tok-container-1234"]
    body = b"".join(
        logs.frame(stream, line)
        for stream, line in [
            (1, b"starting\n"),
            (2, b"using tok-container-1234 and own-secret-5678\n"),
            (2, b"\x1b[31mfatal\x1b[0m\n"),
        ]
    )
    dead = inspect("dead-1", "d" * 64, service="dead", status="exited", exit_code=3, env=env)
    sick = inspect("sick-1", "e" * 64, service="sick", health={"Status": "unhealthy", "FailingStreak": 2, "Log": []})
    quiet = inspect("quiet-1", "f" * 64, service="quiet", status="exited", exit_code=1)
    served = {"d" * 64: body, "e" * 64: logs.frame(1, b"healthcheck says no\n")}
    served["f" * 64] = (501, {"message": "configured logging driver does not support reading"})
    with EngineApi(sock, [dead, sick, quiet], logs=served) as api:
        wanted = {"DEAD": ["dead"], "SICK": ["sick"], "QUIET": ["quiet"], "UP": ["dead-1"]}
        found = collect_facts(Endpoint("unix", str(sock), "x"), HOST, wanted, 2.0, "h", secrets=("own-secret-5678",))
    got = found.targets["DEAD"].logs
    assert got == logs.LogTail("dead-1", ("starting", f"using {MASK} and {MASK}", "fatal"), False, 2)
    assert found.targets["SICK"].logs == logs.LogTail("sick-1", ("healthcheck says no",))
    quiet_tail = found.targets["QUIET"].logs
    assert quiet_tail is not None and quiet_tail.lines == ()
    assert quiet_tail.error is not None and quiet_tail.error.endswith(
        "answered HTTP 501 (configured logging driver does not support reading)"
    )
    asked = [r for r in api.requests if "/logs" in r]
    assert asked[0] == f"/containers/{'d' * 64}/logs?stdout=1&stderr=1&tail=40&timestamps=0"
    # Each container once, however many services lead to it.
    assert len(asked) == 3 and found.targets["UP"].logs == got


def test_a_tail_bigger_than_the_read_limit_is_cut_and_said_so(sock: Path) -> None:
    body = b"".join(logs.frame(1, b"z" * 60_000 + b"\n") for _ in range(6))
    dead = inspect("dead-1", "d" * 64, service="dead", status="exited", exit_code=3)
    with EngineApi(sock, [dead], logs={"d" * 64: body}):
        found = collect_facts(Endpoint("unix", str(sock), "x"), HOST, {"DEAD": ["dead"]}, 2.0, "h")
    tail = found.targets["DEAD"].logs
    assert tail is not None and tail.truncated and tail.error is None
    assert tail.lines and all(len(line) <= logs.LINE_CHARS for line in tail.lines)


# ---- how doctor shows it -----------------------------------------------------------------------


def _report(tail: logs.LogTail) -> DoctorReport:
    step = Step("resolve", "fail", "gone", fix="start it", exit_code=1, data={"docker_log": tail})
    return DoctorReport(HOST, [ServiceReport("DEAD", "http://dead:1", [step])], 1.0, "development")


def test_the_tail_under_the_failing_step_in_text_and_junit(capsys: pytest.CaptureFixture[str]) -> None:
    tail = logs.LogTail("dead-1", ("first", "last"), truncated=True, masked=2)
    render_doctor.show(_report(tail))
    out = capsys.readouterr().out.splitlines()
    at = out.index("fix (resolve): start it")
    assert out[at + 1 : at + 4] == [
        "log (resolve): the last 2 line(s) of container dead-1, earlier ones left out, 2 secret value(s) masked:",
        "  | first",
        "  | last",
    ]
    assert "gone\nfix: start it\nlast lines of container dead-1:\nfirst\nlast" in render_doctor.junit_xml(_report(tail))
    render_doctor.show(_report(logs.LogTail("dead-1", (), error="the Docker API at unix:///x answered HTTP 501 (x)")))
    assert "log (resolve): no lines from container dead-1: the Docker API at unix:///x answered HTTP 501 (x)" in (
        capsys.readouterr().out
    )
    render_doctor.show(_report(logs.LogTail("dead-1", ())))
    assert "log (resolve): no lines from container dead-1: it printed nothing" in capsys.readouterr().out


def test_every_cause_keeps_the_house_style() -> None:
    """Each clause and fix alone: no nested parentheses, no capital after a semicolon, short enough."""
    holder = facts.summary({"Id": "b" * 64, "Names": ["/x"], "State": "running", "Ports": [{"PublicPort": 4566}]})
    allocated = "Bind for 0.0.0.0:4566 failed: port is already allocated"
    made = [
        recognise(container(image="localstack/localstack:latest"), tail(*LICENCE)),
        recognise(container(), tail("The license activation failed for the following reason:", "Bad (token)")),
        recognise(container(status="created", exit_code=128, error=allocated), None, [holder]),
        recognise(container(status="created", exit_code=128, error=allocated), None, []),
        recognise(container(exit_code=1), tail("bind: address already in use :4566")),
        recognise(container(exit_code=137, oom_killed=True, memory=2**24), None),
        recognise(container(exit_code=137, oom_killed=True), None),
        recognise(container(exit_code=137), None),
        recognise(container(exit_code=137, memory=2**24), None),
        recognise(container(exit_code=143), None),
    ]
    for cause in made:
        assert cause is not None
        assert problems(cause.cause, cause.fix) == [], cause
