"""Ctrl-C during a wait: exit 130, one line, no traceback (and the envelope with --json)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env
from tests.support.emulators import free_port


@pytest.mark.parametrize("as_json", [False, True])
def test_interrupting_a_wait_exits_130(as_json: bool) -> None:
    exe = Path(sys.executable).with_name("foundry-discover")
    argv = [str(exe), "health", "--url", f"http://127.0.0.1:{free_port()}", "--wait", "--timeout", "60"]
    proc = subprocess.Popen(
        argv + (["--json"] if as_json else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        time.sleep(1.5)  # well into the wait: progress lines have started
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == "error: interrupted"
    if as_json:
        doc = json.loads(out)
        assert (doc["exit_code"], doc["error"]["type"]) == (130, "interrupted")
    else:
        assert out == ""
