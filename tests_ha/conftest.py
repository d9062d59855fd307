"""The integration under Home Assistant's own test harness, talking to a real voice-triage server.

The server runs from the project's own environment (VOICE_TRIAGE_PYTHON, default ../.venv/bin/python): Home
Assistant and voice-triage live in different environments, as they do for a user."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

pytest_plugins = "pytest_homeassistant_custom_component"

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations, socket_enabled):
    """Let Home Assistant load custom_components/voice_triage from the repository, and let it open TCP sockets
    (the harness blocks them; pytest-socket's `socket_enabled` lifts that): the agent talks to a real server on
    the loopback."""
    yield


def start_server(*args: str) -> tuple[subprocess.Popen, int, Path]:
    python = os.environ.get("VOICE_TRIAGE_PYTHON", str(ROOT / ".venv" / "bin" / "python"))
    log = Path(tempfile.mkstemp(prefix="voice-triage-serve-", suffix=".log")[1])
    with log.open("w") as out:
        process = subprocess.Popen([python, "-m", "voice_triage.cli", "serve", "--wyoming", "tcp://127.0.0.1:0",
                                    *args], stdout=subprocess.DEVNULL, stderr=out, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"handle service on tcp://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            return process, int(found.group(1)), log
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"voice-triage serve did not start: {log.read_text()}")


@pytest.fixture(scope="session")
def triage_server():
    """A real `voice-triage serve` on a free loopback port: (port, log file)."""
    process, port, log = start_server()
    yield port, log
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
